#include "replication/replica_plan.h"

#include <algorithm>
#include <optional>

namespace gallery::replication {

namespace {

// Whether a replica of `region` is being copied (or waits for a retry of its copy).
bool RegionReplicating(const std::vector<domain::Replica>& replicas, const std::string& region) {
  return std::any_of(replicas.begin(), replicas.end(), [&](const domain::Replica& r) {
    return r.region == region && r.state == domain::ReplicationState::kReplicating;
  });
}

}  // namespace

std::vector<domain::Replica> Reconcile(domain::GalleryImageVersion* version,
                                       const StoresOfRegion& stores, ReconcileOptions options) {
  std::vector<domain::Replica> current = std::move(version->replicas);
  std::vector<bool> kept(current.size(), false);
  std::vector<domain::Replica> next;
  for (const domain::TargetRegion& target : version->target_regions) {
    std::vector<std::string> region_stores = stores(target.name);
    if (region_stores.empty()) {
      region_stores.push_back(target.name);
    }
    const int32_t count = version->ReplicaCountFor(target);
    for (int32_t i = 0; i < count; ++i) {
      std::optional<size_t> existing;
      for (size_t j = 0; j < current.size(); ++j) {
        if (!kept[j] && current[j].region == target.name && current[j].index == i) {
          existing = j;
          break;
        }
      }
      if (existing.has_value()) {
        kept[*existing] = true;
        domain::Replica replica = current[*existing];
        if (options.retry_failed && replica.state == domain::ReplicationState::kFailed) {
          replica.state = domain::ReplicationState::kQueued;
          replica.attempts = 0;
          replica.retry_at = 0;
          replica.details.clear();
        }
        next.push_back(std::move(replica));
        continue;
      }
      domain::Replica replica;
      replica.region = target.name;
      replica.index = i;
      replica.store = region_stores[static_cast<size_t>(i) % region_stores.size()];
      replica.state = RegionReplicating(current, target.name)
                          ? domain::ReplicationState::kReplicating
                          : domain::ReplicationState::kQueued;
      next.push_back(std::move(replica));
    }
  }
  std::vector<domain::Replica> removed;
  for (size_t j = 0; j < current.size(); ++j) {
    if (!kept[j]) {
      removed.push_back(std::move(current[j]));
    }
  }
  version->replicas = std::move(next);
  return removed;
}

}  // namespace gallery::replication
