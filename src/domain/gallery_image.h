#pragma once
// GalleryImage: an image definition inside a gallery (Microsoft.Compute/galleries/images).
// It describes a kind of image: OS, generation, identifier (publisher, offer, sku), hints.
// Updatable: description, recommended vCPUs and memory, end-of-life date, tags.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/resource.h"

namespace gallery::domain {

struct ImageIdentifier {
  std::string publisher;
  std::string offer;
  std::string sku;
};

struct ResourceRange {
  std::optional<int32_t> min;
  std::optional<int32_t> max;
  friend bool operator==(const ResourceRange&, const ResourceRange&) = default;
};

struct GalleryImage {
  static constexpr const char* kType = "Microsoft.Compute/galleries/images";
  TrackedResource meta;
  std::string description;
  OsType os_type = OsType::kLinux;
  OsState os_state = OsState::kGeneralized;
  HyperVGeneration hyper_v_generation = HyperVGeneration::kV1;
  std::optional<Architecture> architecture;
  ImageIdentifier identifier;
  std::optional<TimestampMs> end_of_life;
  ResourceRange recommended_vcpus;
  ResourceRange recommended_memory;
  // Stored but not interpreted: eula, privacyStatementUri, releaseNoteUri, purchasePlan,
  // disallowed, features, ... May not change on update.
  nlohmann::json extra = nlohmann::json::object();
};

struct GalleryImageInput {
  std::optional<std::string> location;
  std::optional<Tags> tags;
  std::optional<std::string> description;
  std::optional<OsType> os_type;
  std::optional<OsState> os_state;
  std::optional<HyperVGeneration> hyper_v_generation;
  std::optional<Architecture> architecture;
  std::optional<ImageIdentifier> identifier;
  // Present-and-null (clear) is an engaged optional holding nullopt.
  std::optional<std::optional<TimestampMs>> end_of_life;
  std::optional<ResourceRange> recommended_vcpus;
  std::optional<ResourceRange> recommended_memory;
  nlohmann::json extra = nlohmann::json::object();
};

}  // namespace gallery::domain
