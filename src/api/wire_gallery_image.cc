#include "api/wire.h"
#include "api/wire_envelope.h"
#include "domain/update_checks.h"

namespace gallery::api {

namespace {

nlohmann::json RangeToWire(const domain::ResourceRange& r) {
  nlohmann::json out = nlohmann::json::object();
  if (r.min.has_value()) {
    out["min"] = *r.min;
  }
  if (r.max.has_value()) {
    out["max"] = *r.max;
  }
  return out;
}

Result<std::optional<domain::ResourceRange>> RangeFromWire(const JsonReader& recommended,
                                                           std::string_view key) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> range, recommended.Object(key));
  if (!range.has_value()) {
    return std::optional<domain::ResourceRange>();
  }
  domain::ResourceRange r;
  GALLERY_ASSIGN_OR_RETURN(r.min, range->Int32("min"));
  GALLERY_ASSIGN_OR_RETURN(r.max, range->Int32("max"));
  return std::optional<domain::ResourceRange>(r);
}

}  // namespace

nlohmann::json ToWire(const domain::GalleryImage& image) {
  nlohmann::json out = Envelope(image.meta, domain::GalleryImage::kType);
  nlohmann::json& props = out["properties"];
  for (const auto& [k, v] : image.extra.items()) {
    props[k] = v;
  }
  if (!image.description.empty()) {
    props["description"] = image.description;
  }
  props["osType"] = domain::ToString(image.os_type);
  props["osState"] = domain::ToString(image.os_state);
  props["hyperVGeneration"] = domain::ToString(image.hyper_v_generation);
  if (image.architecture.has_value()) {
    props["architecture"] = domain::ToString(*image.architecture);
  }
  props["identifier"] = {{"publisher", image.identifier.publisher},
                         {"offer", image.identifier.offer},
                         {"sku", image.identifier.sku}};
  if (image.end_of_life.has_value()) {
    props["endOfLifeDate"] = FormatTimestamp(*image.end_of_life);
  }
  nlohmann::json recommended = nlohmann::json::object();
  if (image.recommended_vcpus.min || image.recommended_vcpus.max) {
    recommended["vCPUs"] = RangeToWire(image.recommended_vcpus);
  }
  if (image.recommended_memory.min || image.recommended_memory.max) {
    recommended["memory"] = RangeToWire(image.recommended_memory);
  }
  if (!recommended.empty()) {
    props["recommended"] = std::move(recommended);
  }
  return out;
}

Result<domain::GalleryImageInput> GalleryImageFromWire(const nlohmann::json& body) {
  JsonReader reader(body, "galleryImage");
  domain::GalleryImageInput in;
  GALLERY_RETURN_IF_ERROR(ReadEnvelope(JsonReader(body, ""), &in.location, &in.tags));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> props, reader.Object("properties"));
  if (!props.has_value()) {
    return in;
  }
  GALLERY_ASSIGN_OR_RETURN(in.description, props->String("description"));
  GALLERY_ASSIGN_OR_RETURN(in.os_type,
                           ReadEnum<domain::OsType>(*props, "osType", domain::ParseOsType));
  GALLERY_ASSIGN_OR_RETURN(in.os_state,
                           ReadEnum<domain::OsState>(*props, "osState", domain::ParseOsState));
  GALLERY_ASSIGN_OR_RETURN(in.hyper_v_generation,
                           ReadEnum<domain::HyperVGeneration>(*props, "hyperVGeneration",
                                                              domain::ParseHyperVGeneration));
  GALLERY_ASSIGN_OR_RETURN(in.architecture,
                           ReadEnum<domain::Architecture>(*props, "architecture",
                                                          domain::ParseArchitecture));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> identifier, props->Object("identifier"));
  if (identifier.has_value()) {
    domain::ImageIdentifier id;
    for (auto [key, field] : {std::pair{"publisher", &id.publisher},
                              std::pair{"offer", &id.offer}, std::pair{"sku", &id.sku}}) {
      GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> value, identifier->String(key));
      if (!value.has_value()) {
        return domain::MissingField(identifier->PathOf(key));
      }
      *field = *value;
    }
    in.identifier = id;
  }
  GALLERY_ASSIGN_OR_RETURN(in.end_of_life, props->Timestamp("endOfLifeDate"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> recommended, props->Object("recommended"));
  if (recommended.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::ResourceRange> vcpus,
                             RangeFromWire(*recommended, "vCPUs"));
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::ResourceRange> memory,
                             RangeFromWire(*recommended, "memory"));
    in.recommended_vcpus = vcpus.value_or(domain::ResourceRange{});
    in.recommended_memory = memory.value_or(domain::ResourceRange{});
  }
  in.extra = props->Rest({"description", "osType", "osState", "hyperVGeneration", "architecture",
                          "identifier", "endOfLifeDate", "recommended", "provisioningState"});
  using K = JsonReader::Kind;
  GALLERY_RETURN_IF_ERROR(props->CheckTypes({{"eula", K::kString},
                                             {"privacyStatementUri", K::kString},
                                             {"releaseNoteUri", K::kString},
                                             {"allowUpdateImage", K::kBool},
                                             {"purchasePlan", K::kObject},
                                             {"purchasePlan.name", K::kString},
                                             {"purchasePlan.publisher", K::kString},
                                             {"purchasePlan.product", K::kString},
                                             {"disallowed", K::kObject},
                                             {"disallowed.diskTypes", K::kArray},
                                             {"disallowed.diskTypes[]", K::kString},
                                             {"features", K::kArray},
                                             {"features[]", K::kObject},
                                             {"features[].name", K::kString},
                                             {"features[].value", K::kString},
                                             {"features[].startsAtVersion", K::kString}}));
  return in;
}

}  // namespace gallery::api
