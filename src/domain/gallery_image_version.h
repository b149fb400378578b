#pragma once
// GalleryImageVersion: one published version (Major.Minor.Patch) of an image definition
// (Microsoft.Compute/galleries/images/versions). Its publishing profile is the desired state of
// its replication: target regions, and a replica count per region or the common count.
// Updatable: target regions, regional and common replica counts, exclude-from-latest,
// end-of-life date, tags.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/semver.h"
#include "domain/resource.h"

namespace gallery::domain {

struct TargetRegion {
  std::string name;  // region short name
  std::optional<int32_t> regional_replica_count;
  std::string storage_account_type;  // canonical, e.g. "Standard_LRS"
  std::optional<bool> exclude_from_latest;
  nlohmann::json extra = nlohmann::json::object();  // encryption, additionalReplicaSets, ...
};

struct DiskImage {
  std::optional<int32_t> lun;  // data disks only
  int32_t size_in_gb = 0;
  HostCaching host_caching = HostCaching::kReadOnly;
  // The version's copy of the disk in its source region: a manifest (empty for versions made
  // without data) and its virtual size.
  std::string manifest_id;
  int64_t size_bytes = 0;
  // The source image disk's VHD footer (ImageDisk::vhd_footer), exported as it was.
  std::string vhd_footer;
};

// One replica of a version in one region: a full copy of the version's disks in one of the
// region's chunk stores (replicas of a region are spread over its stores round-robin, so two
// replicas may share a store and its chunks). Replicas are the durable tasks of replication:
// the reconciler (replication/replica_plan.h) adds and removes them as the publishing profile
// changes, and the copy workers complete them.
struct Replica {
  std::string region;  // a target region's short name
  int32_t index = 0;   // 0.. count-1 within the region
  std::string store;   // the chunk store that holds its chunks
  ReplicationState state = ReplicationState::kQueued;
  // The replica's manifest per disk image (OS disk first, then data disks in order), recorded
  // once its chunks are durable in `store`; empty before.
  std::vector<std::string> manifests;
  std::string details;      // why the last attempt failed, while retrying or Failed
  int32_t attempts = 0;     // failed attempts so far
  TimestampMs retry_at = 0;  // not before this after a failed attempt
  friend bool operator==(const Replica&, const Replica&) = default;
};

// Per-region replication progress, as $expand=ReplicationStatus reports it: Azure's fields
// (state, details, progress) and, beyond Azure, replicas and bytes done of total, the current
// rate and an estimate of the time left (domain/replication_status.h computes it).
struct RegionReplication {
  std::string region;
  ReplicationState state = ReplicationState::kQueued;
  std::string details;
  int32_t progress = 0;  // 0..100, by bytes
  int32_t replicas_done = 0;
  int32_t replicas_total = 0;
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  double bytes_per_second = 0;
  std::optional<int64_t> eta_seconds;  // while copying at a known rate
};

struct GalleryImageVersion {
  static constexpr const char* kType = "Microsoft.Compute/galleries/images/versions";
  TrackedResource meta;
  SemVer version;
  std::vector<TargetRegion> target_regions;
  int32_t replica_count = 1;
  bool exclude_from_latest = false;
  std::optional<TimestampMs> end_of_life;
  TimestampMs published_date = 0;
  std::string storage_account_type = "Standard_LRS";
  std::string replication_mode;  // "" (Full), "Full" or "Shallow"
  std::string source_id;         // the managed image this version was made from
  DiskImage os_disk_image;
  std::vector<DiskImage> data_disk_images;
  std::vector<Replica> replicas;  // every replica of every target region, by region then index
  nlohmann::json extra_publishing = nlohmann::json::object();   // other publishingProfile fields
  nlohmann::json extra = nlohmann::json::object();              // other properties

  // The replicas a region should hold: its own count, else the common count.
  int32_t ReplicaCountFor(const TargetRegion& region) const {
    return region.regional_replica_count.value_or(replica_count);
  }
};

struct TargetRegionInput {
  std::string name;  // as the client wrote it; resolved against the catalog
  std::optional<int32_t> regional_replica_count;
  std::optional<std::string> storage_account_type;
  std::optional<bool> exclude_from_latest;
  // The request's api-version has no per-region excludeFromLatest (before 2022-03-03): when it
  // is absent, an update keeps the region's, instead of clearing what the client cannot see.
  bool exclude_from_latest_unknown = false;
  nlohmann::json extra = nlohmann::json::object();
};

// storageProfile.dataDiskImages[i] of a request: which of the source image's data disks, and
// its host caching.
struct DataDiskImageInput {
  int32_t lun = 0;
  std::optional<HostCaching> host_caching;
  std::string field;  // the entry's JSON path, for error targets
};

struct GalleryImageVersionInput {
  std::optional<std::string> location;
  std::optional<Tags> tags;
  std::optional<std::vector<TargetRegionInput>> target_regions;
  std::optional<int32_t> replica_count;
  std::optional<bool> exclude_from_latest;
  std::optional<std::optional<TimestampMs>> end_of_life;
  std::optional<std::string> storage_account_type;
  std::optional<std::string> replication_mode;
  // storageProfile.source.id or (2018-06-01) publishingProfile.source.managedImage.id; absent on
  // an update means "unchanged" (the Azure CLI sends `storageProfile: {}`).
  std::optional<std::string> source_id;
  // The JSON path the client used for the source, for error targets.
  std::string source_field = "galleryImageVersion.properties.storageProfile.source.id";
  // storageProfile.osDiskImage.hostCaching and .dataDiskImages: settable on create, never
  // changed by an update (absent means unchanged).
  std::optional<HostCaching> os_host_caching;
  std::optional<std::vector<DataDiskImageInput>> data_disk_images;
  nlohmann::json extra_publishing = nlohmann::json::object();
  nlohmann::json extra = nlohmann::json::object();
};

}  // namespace gallery::domain
