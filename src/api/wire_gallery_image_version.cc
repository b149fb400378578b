#include "api/wire.h"
#include "api/wire_envelope.h"
#include "domain/update_checks.h"
#include "domain/gallery_image_version_rules.h"

namespace gallery::api {

namespace {

// Before this api-version a version's source was publishingProfile.source.managedImage.id.
constexpr char kStorageProfileSourceSince[] = "2019-07-01";
// targetRegions[].excludeFromLatest.
constexpr char kRegionExcludeFromLatestSince[] = "2022-03-03";

std::string DisplayName(const std::string& region, const WireOptions& options) {
  if (options.regions != nullptr) {
    Result<domain::Region> r = options.regions->Resolve(region, "region");
    if (r.ok()) {
      return r->display_name;
    }
  }
  return region;
}

nlohmann::json DiskToWire(const domain::DiskImage& disk) {
  nlohmann::json out = {{"sizeInGB", disk.size_in_gb},
                        {"hostCaching", domain::ToString(disk.host_caching)}};
  if (disk.lun.has_value()) {
    out["lun"] = *disk.lun;
  }
  return out;
}

Result<domain::TargetRegionInput> TargetFromWire(const JsonReader& r) {
  domain::TargetRegionInput t;
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> name, r.String("name"));
  if (!name.has_value()) {
    return domain::MissingField(r.PathOf("name"));
  }
  t.name = *name;
  GALLERY_ASSIGN_OR_RETURN(t.regional_replica_count, r.Int32("regionalReplicaCount"));
  GALLERY_ASSIGN_OR_RETURN(t.storage_account_type, r.String("storageAccountType"));
  GALLERY_ASSIGN_OR_RETURN(t.exclude_from_latest, r.Bool("excludeFromLatest"));
  t.extra = r.Rest({"name", "regionalReplicaCount", "storageAccountType", "excludeFromLatest"});
  return t;
}

// Reads `{"id": ...}` under `key` of `reader`; sets *field to its JSON path.
Result<std::optional<std::string>> IdUnder(const JsonReader& reader, std::string_view key,
                                           std::string* field) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> obj, reader.Object(key));
  if (!obj.has_value()) {
    return std::optional<std::string>();
  }
  *field = obj->PathOf("id");
  return obj->String("id");
}

}  // namespace

nlohmann::json ToWire(const domain::GalleryImageVersion& v, const WireOptions& options) {
  nlohmann::json out = Envelope(v.meta, domain::GalleryImageVersion::kType);
  nlohmann::json& props = out["properties"];
  for (const auto& [k, value] : v.extra.items()) {
    props[k] = value;
  }
  nlohmann::json targets = nlohmann::json::array();
  for (const domain::TargetRegion& t : v.target_regions) {
    nlohmann::json target = {{"name", DisplayName(t.name, options)},
                             {"regionalReplicaCount", v.ReplicaCountFor(t)},
                             {"storageAccountType", t.storage_account_type}};
    if (t.exclude_from_latest.has_value()) {
      target["excludeFromLatest"] = *t.exclude_from_latest;
    }
    for (const auto& [k, value] : t.extra.items()) {
      target[k] = value;
    }
    targets.push_back(std::move(target));
  }
  nlohmann::json publishing = {{"targetRegions", std::move(targets)},
                               {"replicaCount", v.replica_count},
                               {"excludeFromLatest", v.exclude_from_latest},
                               {"publishedDate", FormatTimestamp(v.published_date)},
                               {"storageAccountType", v.storage_account_type}};
  for (const auto& [k, value] : v.extra_publishing.items()) {
    publishing[k] = value;
  }
  if (v.end_of_life.has_value()) {
    publishing["endOfLifeDate"] = FormatTimestamp(*v.end_of_life);
  }
  if (!v.replication_mode.empty()) {
    publishing["replicationMode"] = v.replication_mode;
  }
  nlohmann::json storage = {{"osDiskImage", DiskToWire(v.os_disk_image)}};
  if (!v.data_disk_images.empty()) {
    storage["dataDiskImages"] = nlohmann::json::array();
    for (const domain::DiskImage& d : v.data_disk_images) {
      storage["dataDiskImages"].push_back(DiskToWire(d));
    }
  }
  if (ApiVersionBefore(options.api_version, kStorageProfileSourceSince)) {
    publishing["source"] = {{"managedImage", {{"id", v.source_id}}}};
  } else {
    storage["source"] = {{"id", v.source_id}};
  }
  props["publishingProfile"] = std::move(publishing);
  props["storageProfile"] = std::move(storage);
  if (options.expand_replication_status) {
    domain::LiveReplicationLookup live;
    if (options.live_replication != nullptr && *options.live_replication) {
      live = [&](const std::string& region) {
        return (*options.live_replication)(v.meta.id, region);
      };
    }
    const std::vector<domain::RegionReplication> regions = domain::SummarizeReplication(v, live);
    nlohmann::json summary = nlohmann::json::array();
    for (const domain::RegionReplication& r : regions) {
      // Azure's four fields, then what Gallery adds (ARM clients ignore unknown fields).
      nlohmann::json entry = {{"region", DisplayName(r.region, options)},
                              {"state", domain::ToString(r.state)},
                              {"details", r.details},
                              {"progress", r.progress},
                              {"replicasCompleted", r.replicas_done},
                              {"replicasTotal", r.replicas_total}};
      if (r.bytes_total > 0) {
        entry["bytesDone"] = r.bytes_done;
        entry["bytesTotal"] = r.bytes_total;
        entry["bytesPerSecond"] = static_cast<int64_t>(r.bytes_per_second);
      }
      if (r.eta_seconds.has_value()) {
        entry["etaSeconds"] = *r.eta_seconds;
      }
      summary.push_back(std::move(entry));
    }
    props["replicationStatus"] = {{"aggregatedState", domain::AggregatedReplicationState(regions)},
                                  {"summary", std::move(summary)}};
  }
  return out;
}

Result<domain::GalleryImageVersionInput> GalleryImageVersionFromWire(
    const nlohmann::json& body, std::string_view api_version) {
  JsonReader reader(body, "galleryImageVersion");
  domain::GalleryImageVersionInput in;
  GALLERY_RETURN_IF_ERROR(ReadEnvelope(JsonReader(body, ""), &in.location, &in.tags));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> props, reader.Object("properties"));
  if (!props.has_value()) {
    return in;
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> publishing,
                           props->Object("publishingProfile"));
  if (publishing.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<std::vector<JsonReader>> targets,
                             publishing->ObjectArray("targetRegions"));
    if (targets.has_value()) {
      in.target_regions.emplace();
      for (const JsonReader& t : *targets) {
        GALLERY_ASSIGN_OR_RETURN(domain::TargetRegionInput target, TargetFromWire(t));
        target.exclude_from_latest_unknown =
            ApiVersionBefore(api_version, kRegionExcludeFromLatestSince);
        in.target_regions->push_back(std::move(target));
      }
    }
    GALLERY_ASSIGN_OR_RETURN(in.replica_count, publishing->Int32("replicaCount"));
    GALLERY_ASSIGN_OR_RETURN(in.exclude_from_latest, publishing->Bool("excludeFromLatest"));
    GALLERY_ASSIGN_OR_RETURN(in.end_of_life, publishing->Timestamp("endOfLifeDate"));
    GALLERY_ASSIGN_OR_RETURN(in.storage_account_type, publishing->String("storageAccountType"));
    GALLERY_ASSIGN_OR_RETURN(in.replication_mode, publishing->String("replicationMode"));
    GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> legacy_source,
                             publishing->Object("source"));
    if (legacy_source.has_value()) {
      std::string field;
      GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> id,
                               IdUnder(*legacy_source, "managedImage", &field));
      if (id.has_value()) {
        in.source_id = id;
        in.source_field = field;
      }
    }
    // storageAccountStrategy (2025-03-03) is kept as given; it and storageAccountType each
    // choose the storage of every replica, so a request may name only one of them.
    GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> strategy,
                             publishing->String("storageAccountStrategy"));
    if (strategy.has_value()) {
      const std::string field = publishing->PathOf("storageAccountStrategy");
      if (in.storage_account_type.has_value()) {
        return Status::InvalidArgument(
                   "Only one of " + publishing->PathOf("storageAccountType") + " and " + field +
                       " may be given: both choose the replicas' storage.",
                   field)
            .WithReason("InvalidParameter");
      }
      if (*strategy != "PreferStandard_ZRS" && *strategy != "DefaultStandard_LRS") {
        return Status::InvalidArgument("The value '" + *strategy + "' of parameter " + field +
                                           " is not valid. Allowed values: 'PreferStandard_ZRS', "
                                           "'DefaultStandard_LRS'.",
                                       field)
            .WithReason("InvalidParameter");
      }
    }
    in.extra_publishing =
        publishing->Rest({"targetRegions", "replicaCount", "excludeFromLatest", "endOfLifeDate",
                          "storageAccountType", "replicationMode", "source", "publishedDate"});
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> storage, props->Object("storageProfile"));
  if (storage.has_value()) {
    std::string field;
    GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> id, IdUnder(*storage, "source", &field));
    if (id.has_value()) {
      in.source_id = id;
      in.source_field = "galleryImageVersion.properties.storageProfile.source.id";
    }
    // A version is made from a managed image: disk-level sources (snapshots, disks, VHD URIs)
    // are refused, never ignored. Echoed sizes are read-only and ignored; host caching and the
    // data disks' LUNs are checked against the image by the rules.
    auto refuse_disk_source = [](const JsonReader& disk) -> Status {
      if (!disk.Has("source")) {
        return Status::Ok();
      }
      return Status::InvalidArgument(
                 "The source in " + disk.PathOf("source") +
                     " is not supported: create the version from a managed image with "
                     "storageProfile.source.id.",
                 disk.PathOf("source"))
          .WithReason("InvalidParameter");
    };
    GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> os_disk, storage->Object("osDiskImage"));
    if (os_disk.has_value()) {
      GALLERY_RETURN_IF_ERROR(refuse_disk_source(*os_disk));
      GALLERY_ASSIGN_OR_RETURN(
          in.os_host_caching,
          ReadEnum<domain::HostCaching>(*os_disk, "hostCaching", domain::ParseHostCaching));
    }
    GALLERY_ASSIGN_OR_RETURN(std::optional<std::vector<JsonReader>> data_disks,
                             storage->ObjectArray("dataDiskImages"));
    if (data_disks.has_value()) {
      in.data_disk_images.emplace();
      for (const JsonReader& disk : *data_disks) {
        GALLERY_RETURN_IF_ERROR(refuse_disk_source(disk));
        domain::DataDiskImageInput d;
        GALLERY_ASSIGN_OR_RETURN(std::optional<int32_t> lun, disk.Int32("lun"));
        if (!lun.has_value()) {
          return domain::MissingField(disk.PathOf("lun"));
        }
        d.lun = *lun;
        d.field = disk.path();
        GALLERY_ASSIGN_OR_RETURN(
            d.host_caching,
            ReadEnum<domain::HostCaching>(disk, "hostCaching", domain::ParseHostCaching));
        in.data_disk_images->push_back(std::move(d));
      }
    }
  }
  if (ApiVersionBefore(api_version, kStorageProfileSourceSince) && !in.source_id.has_value()) {
    in.source_field = "galleryImageVersion.properties.publishingProfile.source.managedImage.id";
  }
  in.extra = props->Rest({"publishingProfile", "storageProfile", "provisioningState",
                          "replicationStatus"});
  using K = JsonReader::Kind;
  GALLERY_RETURN_IF_ERROR(
      props->CheckTypes({{"safetyProfile", K::kObject},
                         {"safetyProfile.allowDeletionOfReplicatedLocations", K::kBool},
                         {"safetyProfile.blockDeletionBeforeEndOfLife", K::kBool},
                         {"publishingProfile.targetExtendedLocations", K::kArray},
                         {"publishingProfile.targetExtendedLocations[]", K::kObject},
                         {"publishingProfile.targetRegions[].encryption", K::kObject}}));
  return in;
}

}  // namespace gallery::api
