#include "domain/quota.h"

namespace gallery::domain {

namespace {

struct QuotaNames {
  const char* name;
  const char* localized;
  const char* reason;
};

QuotaNames NamesOf(QuotaKind kind) {
  switch (kind) {
    case QuotaKind::kGalleries:
      return {"galleries", "Galleries", "GalleryQuotaExceeded"};
    case QuotaKind::kImageDefinitions:
      return {"galleryImages", "Gallery Image Definitions", "GalleryImageQuotaExceeded"};
    case QuotaKind::kImageVersions:
      return {"galleryImageVersions", "Gallery Image Versions", "GalleryImageVersionQuotaExceeded"};
  }
  return {"unknown", "Unknown", "QuotaExceeded"};
}

}  // namespace

int64_t QuotaLimit(QuotaKind kind, const Quotas& quotas) {
  switch (kind) {
    case QuotaKind::kGalleries:
      return quotas.galleries;
    case QuotaKind::kImageDefinitions:
      return quotas.image_definitions;
    case QuotaKind::kImageVersions:
      return quotas.image_versions;
  }
  return 0;
}

QuotaUsage MakeQuotaUsage(QuotaKind kind, int64_t current, const Quotas& quotas) {
  QuotaNames names = NamesOf(kind);
  return {kind, names.name, names.localized, current, QuotaLimit(kind, quotas)};
}

Status CheckQuota(QuotaKind kind, int64_t current, const Quotas& quotas, std::string_view region,
                  std::string_view subscription) {
  const int64_t limit = QuotaLimit(kind, quotas);
  if (current < limit) {
    return Status::Ok();
  }
  QuotaNames names = NamesOf(kind);
  return Status::ResourceExhausted(
             "Operation could not be completed as it results in exceeding the quota of " +
             std::string(names.localized) + " (" + names.name + ") in region '" +
             std::string(region) + "' of subscription '" + std::string(subscription) +
             "'. Limit: " + std::to_string(limit) + ", current usage: " + std::to_string(current) +
             ". Delete unused resources or raise the quota in the configuration.")
      .WithReason(names.reason);
}

}  // namespace gallery::domain
