#pragma once
// The reconciler's decision: which replicas a version should have, given its publishing
// profile (target regions, regional and common replica counts) and the stores of each region.
//
// Replica i of a region lives in the region's store i mod (number of stores), so a region with
// two stores and two replicas holds two physical copies, and a third replica shares the first
// store (and its chunks). Replicas that still fit the profile are kept as they are (their
// progress, their store); missing ones are added Queued, or Replicating in a region that is
// being copied (a count raised mid-copy leaves the region Replicating: the replicator copies
// both states alike); those beyond a region's count or in a region no longer targeted are
// removed, and the caller deletes their manifests in the same transaction. Pure: the service
// calls it inside the transaction that changes the profile.

#include <functional>
#include <string>
#include <vector>

#include "domain/gallery_image_version.h"

namespace gallery::replication {

// The store names of a region, first store first (never empty for a catalog region).
using StoresOfRegion = std::function<std::vector<std::string>(const std::string& region)>;

struct ReconcileOptions {
  // Give replicas that failed for good a new start (a user changed or re-sent the profile).
  bool retry_failed = false;
};

// Rewrites version->replicas for its profile (ordered by target region, then index) and
// returns the replicas it removed.
std::vector<domain::Replica> Reconcile(domain::GalleryImageVersion* version,
                                       const StoresOfRegion& stores, ReconcileOptions options);

}  // namespace gallery::replication
