#include "api/export_api.h"

#include "api/arm_error.h"
#include "api/arm_response.h"
#include "api/json_reader.h"
#include "api/wire.h"

namespace gallery::api {

namespace http = boost::beast::http;

HttpResponse HandleExportRoute(service::ExportGrants& exports, const service::RequestContext& ctx,
                               const HttpRequest& request, const ArmRoute& route,
                               const std::string& base_url, const std::string& api_version,
                               std::string* operation_id) {
  if (request.method() != http::verb::post) {
    return MethodNotAllowedResponse(request.method(), "POST");
  }
  const bool begin = route.kind == RouteKind::kManagedImageBeginGetAccess ||
                     route.kind == RouteKind::kGalleryImageVersionBeginGetAccess;
  Result<domain::Operation> op = [&]() -> Result<domain::Operation> {
    if (!begin) {
      GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> grant_id,
                               EndAccessFromWire(request.body()));
      return exports.EndGetAccess(ctx, route.id, grant_id);
    }
    GALLERY_ASSIGN_OR_RETURN(nlohmann::json body, JsonReader::Parse(request.body()));
    GALLERY_ASSIGN_OR_RETURN(domain::ExportAccessInput input, ExportAccessFromWire(body));
    return exports.BeginGetAccess(ctx, route.id, input);
  }();
  if (!op.ok()) {
    return ArmErrorResponse(op.status(), 11);
  }
  HttpResponse res = EmptyResponse(http::status::accepted);
  AddAsyncHeaders(res, base_url, *op, api_version);
  *operation_id = op->id;
  return res;
}

}  // namespace gallery::api
