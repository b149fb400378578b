#include "domain/replication_status.h"

#include <algorithm>
#include <cmath>

namespace gallery::domain {

namespace {

RegionReplication Summarize(const GalleryImageVersion& version, const TargetRegion& target,
                            const LiveReplicationLookup& live) {
  RegionReplication out;
  out.region = target.name;
  out.replicas_total = version.ReplicaCountFor(target);
  std::optional<LiveReplication> now = live ? live(target.name) : std::nullopt;
  bool failed = false;
  bool replicating = false;
  for (const Replica& r : version.replicas) {
    if (r.region != target.name) {
      continue;
    }
    if (r.state == ReplicationState::kCompleted && now.has_value()) {
      auto lost = now->unavailable_stores.find(r.store);
      if (lost != now->unavailable_stores.end()) {
        failed = true;
        out.details = lost->second;
        continue;
      }
    }
    if (r.state == ReplicationState::kCompleted) {
      ++out.replicas_done;
    }
    failed = failed || r.state == ReplicationState::kFailed;
    replicating = replicating || r.state == ReplicationState::kReplicating;
    if (!r.details.empty() && r.state != ReplicationState::kCompleted && out.details.empty()) {
      out.details = r.details;
    }
  }
  const bool completed = out.replicas_done >= out.replicas_total;
  out.state = completed     ? ReplicationState::kCompleted
              : failed      ? ReplicationState::kFailed
              : replicating ? ReplicationState::kReplicating
                            : ReplicationState::kQueued;
  if (completed) {
    out.progress = 100;
  } else if (!failed && now.has_value() && now->bytes_total > 0) {
    // A failed region shows no live bytes, rate or ETA: the copy that reported them is over.
    // Not completed, so some replica is pending and in_copy > 0.
    const int32_t pending = out.replicas_total - out.replicas_done;
    const int64_t in_copy = now->replicas > 0 ? std::min(now->replicas, pending) : pending;
    out.bytes_total = now->bytes_total * out.replicas_total / in_copy;
    out.bytes_done =
        std::min(out.bytes_total, now->bytes_total * out.replicas_done / in_copy + now->bytes_done);
    out.bytes_per_second = now->bytes_per_second;
    out.progress =
        static_cast<int32_t>(std::clamp<int64_t>(out.bytes_done * 100 / out.bytes_total, 0, 99));
    if (now->bytes_per_second > 0) {
      out.eta_seconds = static_cast<int64_t>(
          std::ceil(static_cast<double>(out.bytes_total - out.bytes_done) / now->bytes_per_second));
    }
  } else if (out.replicas_total > 0) {
    out.progress = out.replicas_done * 100 / out.replicas_total;
  }
  return out;
}

}  // namespace

std::vector<RegionReplication> SummarizeReplication(const GalleryImageVersion& version,
                                                    const LiveReplicationLookup& live) {
  std::vector<RegionReplication> out;
  out.reserve(version.target_regions.size());
  for (const TargetRegion& t : version.target_regions) {
    out.push_back(Summarize(version, t, live));
  }
  return out;
}

std::string_view AggregatedReplicationState(const std::vector<RegionReplication>& regions) {
  bool all_completed = true;
  for (const RegionReplication& r : regions) {
    if (r.state == ReplicationState::kFailed) {
      return "Failed";
    }
    all_completed = all_completed && r.state == ReplicationState::kCompleted;
  }
  return all_completed ? "Completed" : "InProgress";
}

bool RegionUsable(const GalleryImageVersion& version, std::string_view region) {
  for (const TargetRegion& t : version.target_regions) {
    if (t.name == region) {
      return Summarize(version, t, {}).state == ReplicationState::kCompleted;
    }
  }
  return false;
}

bool ReplicaPending(const Replica& replica) {
  return replica.state == ReplicationState::kQueued ||
         replica.state == ReplicationState::kReplicating;
}

bool ReplicationPending(const GalleryImageVersion& version) {
  return std::any_of(version.replicas.begin(), version.replicas.end(), ReplicaPending);
}

bool ReplicationFailed(const GalleryImageVersion& version) {
  return !ReplicationPending(version) &&
         std::any_of(version.replicas.begin(), version.replicas.end(),
                     [](const Replica& r) { return r.state == ReplicationState::kFailed; });
}

}  // namespace gallery::domain
