#include "api/arm_error.h"

#include <nlohmann/json.hpp>

#include "domain/put_condition.h"

namespace gallery::api {

namespace http = boost::beast::http;

http::status HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return http::status::ok;
    case StatusCode::kInvalidArgument:
      return http::status::bad_request;
    case StatusCode::kUnauthenticated:
      return http::status::unauthorized;
    case StatusCode::kPermissionDenied:
      return http::status::forbidden;
    case StatusCode::kNotFound:
      return http::status::not_found;
    case StatusCode::kAlreadyExists:
      return http::status::conflict;
    case StatusCode::kFailedPrecondition:
      return status.reason() == domain::kPreconditionFailedReason
                 ? http::status::precondition_failed
                 : http::status::conflict;
    case StatusCode::kResourceExhausted:
      return status.reason() == "TooManyRequests" ? http::status::too_many_requests
                                                  : http::status::conflict;
    case StatusCode::kUnavailable:
      return http::status::service_unavailable;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

std::string ArmCodeOf(const Status& status) {
  if (!status.reason().empty()) {
    return status.reason();
  }
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return "InvalidParameter";
    case StatusCode::kUnauthenticated:
      return "AuthenticationFailed";
    case StatusCode::kPermissionDenied:
      return "AuthorizationFailed";
    case StatusCode::kNotFound:
      return "ResourceNotFound";
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return "Conflict";
    case StatusCode::kResourceExhausted:
      return "QuotaExceeded";
    case StatusCode::kUnavailable:
      return "ServiceUnavailable";
    case StatusCode::kDataLoss:
      return "DataLoss";
    default:
      return "InternalServerError";
  }
}

std::string ArmErrorBody(const Status& status) {
  nlohmann::json error = {{"code", ArmCodeOf(status)}, {"message", status.message()}};
  if (!status.target().empty()) {
    error["target"] = status.target();
  }
  // Messages may quote client input; invalid UTF-8 in it is replaced, never thrown on.
  return nlohmann::json{{"error", std::move(error)}}.dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace);
}

HttpResponse ArmErrorResponse(const Status& status, unsigned http_version) {
  HttpResponse res{HttpStatusOf(status), http_version};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.body() = ArmErrorBody(status);
  return res;
}

}  // namespace gallery::api
