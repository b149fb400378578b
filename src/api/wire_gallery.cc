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
