#include "domain/update_checks.h"

#include "domain/region_catalog.h"

namespace gallery::domain {

Status PropertyChangeNotAllowed(std::string_view property) {
  return Status::InvalidArgument("Changing property '" + std::string(property) + "' is not allowed.",
                                 std::string(property))
      .WithReason("PropertyChangeNotAllowed");
}

namespace {

// Whether `incoming` says nothing `current` does not: equal, or (objects) each member of
// `incoming` is kept by `current`'s, or (arrays of one length) each element is. A client on an
// older api-version sends the objects it knows without their newer members, which it cannot
// see; those are kept, not changed.
bool KeptBy(const nlohmann::json& current, const nlohmann::json& incoming) {
  if (incoming.is_object() && current.is_object()) {
    for (const auto& [key, value] : incoming.items()) {
      const auto it = current.find(key);
      if (it == current.end() ? !value.is_null() : !KeptBy(*it, value)) {
        return false;
      }
    }
    return true;
  }
  if (incoming.is_array() && current.is_array() && incoming.size() == current.size()) {
    for (size_t i = 0; i < incoming.size(); ++i) {
      if (!KeptBy(current[i], incoming[i])) {
        return false;
      }
    }
    return true;
  }
  return current == incoming;
}

}  // namespace

Status CheckExtrasUnchanged(const nlohmann::json& current, const nlohmann::json& incoming,
                            std::string_view prefix) {
  if (!incoming.is_object()) {
    return Status::Ok();
  }
  for (const auto& [key, value] : incoming.items()) {
    const bool same = current.is_object() && current.contains(key) && KeptBy(current[key], value);
    if (!same) {
      return PropertyChangeNotAllowed(std::string(prefix) + key);
    }
  }
  return Status::Ok();
}

Status CheckLocationUnchanged(const TrackedResource& current,
                              const std::optional<std::string>& location,
                              const RegionCatalog& regions) {
  if (!location.has_value() || NormalizeRegionName(*location) == current.location) {
    return Status::Ok();
  }
  Result<Region> region = regions.Resolve(*location, "location");
  if (region.ok() && region->name == current.location) {
    return Status::Ok();  // display name of the same region
  }
  return Status::AlreadyExists("The resource '" + current.id.Name() + "' already exists in location '" +
                                   current.location + "'. A resource with the same name cannot be "
                                   "created in location '" + *location +
                                   "'. Please select a new resource name.",
                               "location")
      .WithReason("InvalidResourceLocation");
}

Status CheckFutureDate(TimestampMs date, std::string_view field, const RuleContext& ctx) {
  if (date > ctx.now) {
    return Status::Ok();
  }
  return Status::InvalidArgument("EndOfLifeDate must be set to a future date. The value " +
                                     FormatTimestamp(date) + " of " + std::string(field) +
                                     " is not after the current time " + FormatTimestamp(ctx.now) +
                                     ".",
                                 std::string(field))
      .WithReason("InvalidParameter");
}

Status MissingField(std::string_view field) {
  return Status::InvalidArgument("Required parameter '" + std::string(field) + "' is missing (null).",
                                 std::string(field))
      .WithReason("InvalidParameter");
}

}  // namespace gallery::domain
