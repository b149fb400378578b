#include "api/wire.h"
#include "api/wire_envelope.h"

namespace gallery::api {

nlohmann::json ToWire(const domain::Gallery& gallery) {
  nlohmann::json out = Envelope(gallery.meta, domain::Gallery::kType);
  nlohmann::json& props = out["properties"];
  for (const auto& [k, v] : gallery.extra.items()) {
    props[k] = v;
  }
  if (!gallery.description.empty()) {
    props["description"] = gallery.description;
  }
  props["identifier"] = {{"uniqueName", gallery.unique_name}};
  return out;
}

Result<domain::GalleryInput> GalleryFromWire(const nlohmann::json& body) {
  JsonReader reader(body, "gallery");
  domain::GalleryInput in;
  GALLERY_RETURN_IF_ERROR(ReadEnvelope(JsonReader(body, ""), &in.location, &in.tags));
  // A managed identity (2024-03-03) would be a principal of its own; this service has none to
  // give a gallery, so asking for one is refused rather than silently dropped.
  JsonReader top(body, "");
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> identity, top.Object("identity"));
  if (identity.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> type, identity->String("type"));
    if (!type.has_value() || !EqualsIgnoreCase(*type, "None")) {
      return Status::InvalidArgument("The value '" + type.value_or("") +
                                         "' of identity.type is not supported: galleries have no "
                                         "managed identities here; omit identity or set its type "
                                         "to 'None'.",
                                     "identity.type")
          .WithReason("InvalidParameter");
    }
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> props, reader.Object("properties"));
  if (props.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(in.description, props->String("description"));
    // identifier is read-only (the CLI echoes `"identifier": {}`); sharingStatus likewise.
    in.extra = props->Rest({"description", "identifier", "provisioningState", "sharingStatus"});
    using K = JsonReader::Kind;
    GALLERY_RETURN_IF_ERROR(props->CheckTypes({{"sharingProfile", K::kObject},
                                               {"sharingProfile.permissions", K::kString},
                                               {"sharingProfile.groups", K::kArray},
                                               {"softDeletePolicy", K::kObject},
                                               {"softDeletePolicy.isSoftDeleteEnabled", K::kBool}}));
  }
  return in;
}

}  // namespace gallery::api
