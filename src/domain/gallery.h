#pragma once
// Gallery: a repository of image definitions (Microsoft.Compute/galleries).
// Updatable: description and tags only.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/resource.h"

namespace gallery::domain {

struct Gallery {
  static constexpr const char* kType = "Microsoft.Compute/galleries";
  TrackedResource meta;
  std::string description;
  std::string unique_name;  // identifier.uniqueName: "{subscriptionId}-{GALLERYNAME}"
  // Properties this server stores and returns but does not interpret (sharingProfile,
  // softDeletePolicy, ...): a JSON object; may not change on update.
  nlohmann::json extra = nlohmann::json::object();
};

// What a PUT or PATCH body said; absent fields are std::nullopt.
struct GalleryInput {
  std::optional<std::string> location;
  std::optional<Tags> tags;
  std::optional<std::string> description;
  nlohmann::json extra = nlohmann::json::object();
};

}  // namespace gallery::domain
