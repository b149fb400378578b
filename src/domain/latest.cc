#include "domain/latest.h"

#include "domain/replication_status.h"

namespace gallery::domain {

namespace {

bool Qualifies(const GalleryImageVersion& v, const std::optional<std::string>& region) {
  if (!region.has_value()) {
    return (v.meta.provisioning_state == ProvisioningState::kSucceeded ||
            v.meta.provisioning_state == ProvisioningState::kUpdating) &&
           !v.exclude_from_latest;
  }
  // In a region, what counts is the region's own replicas: a version still Creating, or Failed
  // because of another region, is usable where its replicas are complete. One being deleted
  // is not.
  if (v.meta.provisioning_state == ProvisioningState::kDeleting) {
    return false;
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
