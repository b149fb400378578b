#pragma once
// Quotas per subscription per region: how many galleries, image definitions and image versions
// a subscription may keep in one region (counted by the resources' own location).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/limits.h"

namespace gallery::domain {

enum class QuotaKind { kGalleries, kImageDefinitions, kImageVersions };

struct QuotaUsage {
  QuotaKind kind;
  std::string name;            // "galleries", "galleryImages", "galleryImageVersions"
  std::string localized_name;  // "Galleries", "Gallery Image Definitions", ...
  int64_t current = 0;
  int64_t limit = 0;
};

int64_t QuotaLimit(QuotaKind kind, const Quotas& quotas);
QuotaUsage MakeQuotaUsage(QuotaKind kind, int64_t current, const Quotas& quotas);

// OK while `current` (existing resources, not counting the new one) is below the limit.
// Otherwise ResourceExhausted with reason "<Name>QuotaExceeded" (e.g. GalleryQuotaExceeded)
// and a message naming the quota, the limit, the current usage, the region and subscription.
Status CheckQuota(QuotaKind kind, int64_t current, const Quotas& quotas, std::string_view region,
                  std::string_view subscription);

}  // namespace gallery::domain
