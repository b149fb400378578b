#include "api/arm_response.h"

#include "api/arm_error.h"

namespace gallery::api {

namespace http = boost::beast::http;

std::string JsonText(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse JsonTextResponse(http::status status, std::string text) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.body() = std::move(text);
  return res;
}

HttpResponse JsonResponse(http::status status, const nlohmann::json& body) {
  return JsonTextResponse(status, JsonText(body));
}

HttpResponse EmptyResponse(http::status status) { return HttpResponse{status, 11}; }

HttpResponse MethodNotAllowedResponse(http::verb method, std::string_view allowed) {
  Status s = Status::InvalidArgument(
                 "The HTTP method '" + std::string(http::to_string(method)) +
                 "' is not supported for this resource. Allowed: " + std::string(allowed) + ".")
                 .WithReason("MethodNotAllowed");
  HttpResponse res = ArmErrorResponse(s, 11);
  res.result(http::status::method_not_allowed);
  res.set(http::field::allow, std::string(allowed));
  return res;
}

namespace {

std::string OperationUrl(const std::string& base, const domain::Operation& op,
                         std::string_view kind, const std::string& api_version) {
  return base + "/subscriptions/" + op.subscription + "/providers/Microsoft.Compute/locations/" +
         op.location + "/" + std::string(kind) + "/" + op.id + "?api-version=" + api_version;
}

}  // namespace

void AddAsyncHeaders(HttpResponse& res, const std::string& base, const domain::Operation& op,
                     const std::string& api_version) {
  res.set("Azure-AsyncOperation", OperationUrl(base, op, "capsOperations", api_version));
  res.set(boost::beast::http::field::location,
          OperationUrl(base, op, "operationResults", api_version));
  res.set(boost::beast::http::field::retry_after, "1");
}

}  // namespace gallery::api
