#include "domain/latest.h"

#include "domain/replication_status.h"

namespace gallery::domain {

namespace {

bool Qualifies(const GalleryImageVersion& v, const std::optional<std::string>& region) {
  if (v.meta.provisioning_state != ProvisioningState::kSucceeded &&
      v.meta.provisioning_state != ProvisioningState::kUpdating) {
    return false;
  }
  if (!region.has_value()) {
    return !v.exclude_from_latest;
  }
  const TargetRegion* target = nullptr;
  for (const TargetRegion& t : v.target_regions) {
    if (t.name == *region) {
      target = &t;
    }
  }
  if (target == nullptr || target->exclude_from_latest.value_or(v.exclude_from_latest)) {
    return false;
  }
  return RegionUsable(v, *region);
}

}  // namespace

std::optional<size_t> ResolveLatest(const std::vector<GalleryImageVersion>& versions,
                                    const std::optional<std::string>& region) {
  std::optional<size_t> best;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (Qualifies(versions[i], region) &&
        (!best.has_value() || versions[i].version > versions[*best].version)) {
      best = i;
    }
  }
  return best;
}

}  // namespace gallery::domain
