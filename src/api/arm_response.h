#pragma once
// The successful and generic answers of the ARM front door, shared by every route family
// (errors come from arm_error.h).

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "domain/operation.h"

namespace gallery::api {

// `body` as JSON text (invalid UTF-8 replaced).
std::string JsonText(const nlohmann::json& body);
// `body` as JSON (invalid UTF-8 replaced) with the JSON content type.
HttpResponse JsonResponse(boost::beast::http::status status, const nlohmann::json& body);
// Already rendered JSON text with the JSON content type.
HttpResponse JsonTextResponse(boost::beast::http::status status, std::string text);
// No body.
HttpResponse EmptyResponse(boost::beast::http::status status);
// 405 with an ARM error body (MethodNotAllowed) and the Allow header.
HttpResponse MethodNotAllowedResponse(boost::beast::http::verb method, std::string_view allowed);

// The headers of an answer that started `op`: Azure-AsyncOperation (its status URL), Location
// (its result URL), both on `base` ("https://host:port") with `api_version`, and Retry-After.
void AddAsyncHeaders(HttpResponse& res, const std::string& base, const domain::Operation& op,
                     const std::string& api_version);

}  // namespace gallery::api
