#pragma once
// What a version's replicas add up to, per target region: the state $expand=ReplicationStatus
// reports, whether a region is usable, and whether replication still has work to do.
//
// A region is Completed when every replica its profile asks for is; Failed when one failed for
// good, or a completed one sits in a store that cannot be used now (LiveReplication); Replicating
// while one is being copied; Queued otherwise (waiting for a worker or a retry, or not planned
// yet). A region is usable (disks and exports may read it) as soon as its own replicas are
// complete, whatever other regions are doing.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/gallery_image_version.h"

namespace gallery::domain {

// What a running copy knows of one region beyond the durable replica states.
struct LiveReplication {
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  double bytes_per_second = 0;
  // The replicas the copy fills (its bytes are theirs); 0: every pending replica of the region.
  int32_t replicas = 0;
  // Stores of the region that cannot be used now, with why (a message fit for clients). A
  // completed replica in one of them does not count as completed: its data cannot be read.
  std::map<std::string, std::string> unavailable_stores;
};

// Looks up the live progress of a version's region; nullopt when nothing is copying there.
using LiveReplicationLookup =
    std::function<std::optional<LiveReplication>(const std::string& region)>;

// One entry per target region, in the profile's order. Without live progress a region's bytes
// are unknown and its progress counts replicas (a completed region is 100). With it, bytes,
// progress and ETA are over all the region's replicas: each replica the copy does not fill
// (completed before it, or added since it started) counts as many bytes as one it fills, so a
// count raised mid-copy lowers progress only by the new total's share.
std::vector<RegionReplication> SummarizeReplication(const GalleryImageVersion& version,
                                                    const LiveReplicationLookup& live = {});

// ARM aggregatedState: Completed when every region is, Failed when one failed, else InProgress.
std::string_view AggregatedReplicationState(const std::vector<RegionReplication>& regions);

// The replica still needs copying (Queued or Replicating).
bool ReplicaPending(const Replica& replica);

// Every replica of `region` is complete and the region is a target.
bool RegionUsable(const GalleryImageVersion& version, std::string_view region);

// Some replica still needs copying (Queued or Replicating).
bool ReplicationPending(const GalleryImageVersion& version);

// No replica needs copying and at least one Failed.
bool ReplicationFailed(const GalleryImageVersion& version);

}  // namespace gallery::domain
