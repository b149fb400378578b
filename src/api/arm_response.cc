#include "api/arm_response.h"

#include "api/arm_error.h"

namespace gallery::api {

namespace http = boost::beast::http;

HttpResponse JsonResponse(http::status status, const nlohmann::json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
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

}  // namespace gallery::api
