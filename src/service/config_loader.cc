#include "service/config_loader.h"

#include <nlohmann/json.hpp>

namespace gallery::service {

namespace {

Status Bad(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("Invalid configuration value '" + key + "': " + why, key)
      .WithReason("InvalidConfiguration");
}

// Reads json[section][key] as an integer in [min, max] into *out when present.
template <typename T>
Status ReadInt(const nlohmann::json& json, const char* section, const char* key, int64_t min,
               int64_t max, T* out) {
  if (!json.contains(section)) {
    return Status::Ok();
  }
  const nlohmann::json& s = json[section];
  const std::string name = std::string(section) + "." + key;
  if (!s.is_object()) {
    return Bad(section, "expected an object");
  }
  if (!s.contains(key)) {
    return Status::Ok();
  }
  if (!s[key].is_number_integer()) {
    return Bad(name, "expected an integer");
  }
  int64_t v = s[key].get<int64_t>();
  if (v < min || v > max) {
    return Bad(name, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                         ", is " + std::to_string(v));
  }
  *out = static_cast<T>(v);
  return Status::Ok();
}

}  // namespace

Result<GalleryConfig> ParseGalleryConfig(const nlohmann::json& json) {
  GalleryConfig config;
  if (!json.is_object()) {
    return Bad("(top level)", "expected a JSON object");
  }
  if (json.contains("regions")) {
    GALLERY_ASSIGN_OR_RETURN(config.regions, domain::RegionCatalog::FromJson(json));
  }
  domain::Limits& limits = config.service.limits;
  constexpr int64_t kBig = 1'000'000'000;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "quotas", "galleries", 0, kBig, &limits.quotas.galleries));
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "quotas", "imageDefinitions", 0, kBig, &limits.quotas.image_definitions));
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "quotas", "imageVersions", 0, kBig, &limits.quotas.image_versions));
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "limits", "maxReplicaCount", 1, 1000, &limits.max_replica_count));
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "limits", "maxTargetRegions", 1, 1000, &limits.max_target_regions));
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "limits", "listPageSize", 1, 1000, &limits.list_page_size));
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "operations", "minDurationMs", 0, 3'600'000,
                                  &config.service.operation_min_duration_ms));
  int64_t retention_hours = config.service.operation_retention_ms / 3'600'000;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "operations", "retentionHours", 1, 24 * 365,
                                  &retention_hours));
  config.service.operation_retention_ms = retention_hours * 3'600'000;
  if (json.contains("requireFeatureRegistration")) {
    if (!json["requireFeatureRegistration"].is_boolean()) {
      return Bad("requireFeatureRegistration", "expected true or false");
    }
    config.service.require_feature_registration = json["requireFeatureRegistration"].get<bool>();
  }
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "features", "registrationDelayMs", 0, 3'600'000,
                                  &config.service.registration_delay_ms));
  constexpr int64_t kDayMs = 24 * 3'600'000LL;
  int64_t retention_days = config.service.activity_retention_ms / kDayMs;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "activityLog", "retentionDays", 1, 3650, &retention_days));
  config.service.activity_retention_ms = retention_days * kDayMs;
  DiskServiceOptions& disks = config.service.disks;
  int64_t chunk_size = disks.chunk_size;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "disks", "chunkSize", 4096, 64 << 20, &chunk_size));
  if ((chunk_size & (chunk_size - 1)) != 0) {
    return Bad("disks.chunkSize", "expected a power of two");
  }
  disks.chunk_size = static_cast<uint32_t>(chunk_size);
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "disks", "ingestThreads", 1, 64, &disks.ingest_threads));
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "disks", "uploadWriteThreads", 0, 64, &disks.upload_write_threads));
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "disks", "sealAnswerWaitMs", 0, 10'000, &disks.seal_answer_wait_ms));
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "disks", "maxPageRanges", 1,
                                  static_cast<int64_t>(storage::kMaxPageMapRanges),
                                  &disks.max_page_ranges));
  int64_t gc_seconds = config.service.gc_interval_ms / 1000;
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "storage", "gcIntervalSeconds", 1, 7 * 24 * 3600, &gc_seconds));
  config.service.gc_interval_ms = gc_seconds * 1000;
  replication::ReplicatorOptions& replication = config.service.replication;
  int64_t workers = replication.workers;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "replication", "workers", 1, 256, &workers));
  replication.workers = static_cast<int>(workers);
  int64_t threads = replication.threads_per_job;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "replication", "threadsPerJob", 1, 64, &threads));
  replication.threads_per_job = static_cast<int>(threads);
  int64_t attempts = replication.max_attempts;
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "replication", "maxAttempts", 1, 100, &attempts));
  replication.max_attempts = static_cast<int>(attempts);
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "replication", "retryBaseMs", 1, 3'600'000,
                                  &replication.retry_base_ms));
  GALLERY_RETURN_IF_ERROR(ReadInt(json, "replication", "retryMaxMs", 1, 24 * 3'600'000LL,
                                  &replication.retry_max_ms));
  if (replication.retry_max_ms < replication.retry_base_ms) {
    return Bad("replication.retryMaxMs", "expected at least replication.retryBaseMs");
  }
  if (json.contains("links")) {
    GALLERY_ASSIGN_OR_RETURN(config.service.links, replication::LinkModel::FromJson(json["links"]));
  }
  int64_t scrub_hours = config.service.scrub_interval_ms / 3'600'000;
  GALLERY_RETURN_IF_ERROR(
      ReadInt(json, "storage", "scrubIntervalHours", 0, 24 * 365, &scrub_hours));
  config.service.scrub_interval_ms = scrub_hours * 3'600'000;
  return config;
}

}  // namespace gallery::service
