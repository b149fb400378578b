#pragma once
// Shared checks of the create and update rules.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "domain/resource.h"
#include "domain/rule_context.h"

namespace gallery::domain {

// InvalidArgument, reason "PropertyChangeNotAllowed":
// "Changing property '<property>' is not allowed."
Status PropertyChangeNotAllowed(std::string_view property);

// Every key present in `incoming` must have the same value in `current`, where an object (or an
// array's element) may leave out members `current` has: a client on an older api-version does
// not see them, and they are kept. `prefix` + key names the property in the error
// ("galleryImage.properties.eula").
Status CheckExtrasUnchanged(const nlohmann::json& current, const nlohmann::json& incoming,
                            std::string_view prefix);

// A resource keeps its region: a different `location` is AlreadyExists with reason
// "InvalidResourceLocation", naming both regions.
Status CheckLocationUnchanged(const TrackedResource& current,
                              const std::optional<std::string>& location,
                              const RegionCatalog& regions);

// `field` must lie after ctx.now: InvalidArgument "EndOfLifeDate must be set to a future date."
Status CheckFutureDate(TimestampMs date, std::string_view field, const RuleContext& ctx);

// Required input: InvalidArgument "Required parameter '<field>' is missing (null)."
Status MissingField(std::string_view field);

}  // namespace gallery::domain
