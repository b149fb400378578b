#pragma once
// TrackedResource: the envelope every ARM resource shares (id, location, tags, state).

#include <map>
#include <string>

#include "common/resource_id.h"
#include "common/time.h"
#include "domain/enums.h"

namespace gallery::domain {

using Tags = std::map<std::string, std::string>;

struct TrackedResource {
  ResourceId id;         // keeps the casing the resource was created with
  std::string location;  // the region's short name, e.g. "southcentralus"
  Tags tags;
  ProvisioningState provisioning_state = ProvisioningState::kCreating;
  // The long-running operation that owns provisioning_state now; empty when none runs.
  std::string operation_id;
  TimestampMs created_at = 0;
  TimestampMs updated_at = 0;
};

}  // namespace gallery::domain
