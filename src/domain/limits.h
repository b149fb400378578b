#pragma once
// Limits: quotas per subscription per region, and bounds on request values. Configurable; the
// defaults are the product description's ("10 shared image galleries, 200 image definitions,
// 2000 image versions, per subscription, per region").

#include <cstdint>

namespace gallery::domain {

struct Quotas {
  int64_t galleries = 10;
  int64_t image_definitions = 200;
  int64_t image_versions = 2000;
};

struct Limits {
  Quotas quotas;
  // Largest regionalReplicaCount / replicaCount a version may ask for.
  int32_t max_replica_count = 10;
  // Largest number of target regions of one version.
  int32_t max_target_regions = 32;
  // Items per page of a list answer before a nextLink.
  int32_t list_page_size = 100;
  // Largest number of tags on a resource, and their key/value lengths (ARM's limits).
  int32_t max_tags = 50;
  int32_t max_tag_name_length = 512;
  int32_t max_tag_value_length = 256;
};

}  // namespace gallery::domain
