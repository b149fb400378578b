#include "api/json_reader.h"
#include "api/wire.h"

namespace gallery::api {

Result<domain::ExportAccessInput> ExportAccessFromWire(const nlohmann::json& body) {
  GALLERY_ASSIGN_OR_RETURN(domain::DiskAccessInput access, DiskAccessFromWire(body));
  domain::ExportAccessInput in{access.access, access.duration_seconds, std::nullopt};
  GALLERY_ASSIGN_OR_RETURN(in.lun, JsonReader(body, "grantAccessData").Int32("lun"));
  return in;
}

}  // namespace gallery::api
