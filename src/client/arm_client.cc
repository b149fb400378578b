#include "client/arm_client.h"

#include <algorithm>
#include <charconv>

#include "client/url.h"
#include "common/resource_id.h"

namespace gallery {

namespace {

using nlohmann::json;

constexpr int kHttpOk = 200;
constexpr int kHttpCreated = 201;
constexpr int kHttpAccepted = 202;
constexpr int kHttpNoContent = 204;
constexpr int kHttpBadRequest = 400;
constexpr int kHttpUnauthorized = 401;
constexpr int kHttpForbidden = 403;
constexpr int kHttpNotFound = 404;
constexpr int kHttpConflict = 409;
constexpr int kHttpPreconditionFailed = 412;
constexpr int kHttpTooManyRequests = 429;
constexpr int kHttpServiceUnavailable = 503;

constexpr std::string_view kInvalidResponse = "InvalidResponse";

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case kHttpBadRequest:
      return "Bad Request";
    case kHttpUnauthorized:
      return "Unauthorized";
    case kHttpForbidden:
      return "Forbidden";
    case kHttpNotFound:
      return "Not Found";
    case kHttpConflict:
      return "Conflict";
    case kHttpTooManyRequests:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case kHttpServiceUnavailable:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

}  // namespace

StatusCode StatusCodeForHttpStatus(int status, std::string_view arm_code) {
  switch (status) {
    case kHttpBadRequest:
      return StatusCode::kInvalidArgument;
    case kHttpUnauthorized:
      return StatusCode::kUnauthenticated;
    case kHttpForbidden:
      return StatusCode::kPermissionDenied;
    case kHttpNotFound:
      return StatusCode::kNotFound;
    case kHttpConflict:
      return ToLower(arm_code).find("exist") != std::string::npos ? StatusCode::kAlreadyExists
                                                                  : StatusCode::kFailedPrecondition;
    case kHttpPreconditionFailed:
      return StatusCode::kFailedPrecondition;
    case kHttpTooManyRequests:
    case kHttpServiceUnavailable:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

namespace {

Status InvalidResponse(std::string message) {
  return Status::Internal(std::move(message)).WithReason(std::string(kInvalidResponse));
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// The body as JSON; null when empty.
Result<json> ParseBody(const HttpResult& r, std::string_view url) {
  if (IsBlank(r.body)) {
    return json();
  }
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return InvalidResponse("the server answered " + std::string(url) + " (HTTP " +
                           std::to_string(r.status) + ") with a body that is not JSON");
  }
  return j;
}

std::string StringField(const json& j, const char* key) {
  if (!j.is_object()) {
    return "";
  }
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool IsOneOf(int status, std::initializer_list<int> allowed) {
  return std::find(allowed.begin(), allowed.end(), status) != allowed.end();
}

}  // namespace

std::string ArmUrl(std::string_view path, std::string_view api_version, const QueryParams& query) {
  std::string url(path);
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "api-version=" + PercentEncode(api_version);
  for (const auto& [key, value] : query) {
    url += '&';
    if (!key.empty() && key.front() == '$') {
      url += "$" + PercentEncode(std::string_view(key).substr(1));
    } else {
      url += PercentEncode(key);
    }
    url += "=" + PercentEncode(value);
  }
  return url;
}

Status StatusFromArmError(StatusCode code, const json& error) {
  std::string arm_code = StringField(error, "code");
  std::string message = StringField(error, "message");
  std::string target = StringField(error, "target");
  if (message.empty()) {
    message = arm_code.empty() ? "the operation failed without an error message" : arm_code;
  }
  return Status(code, std::move(message), std::move(target)).WithReason(std::move(arm_code));
}

Status StatusFromHttpError(int http_status, std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json* error = nullptr;
  if (j.is_object()) {
    auto it = j.find("error");
    if (it != j.end() && it->is_object()) {
      error = &*it;
    } else if (j.contains("code") || j.contains("message")) {
      error = &j;
    }
  }
  if (error == nullptr) {
    std::string phrase(ReasonPhrase(http_status));
    std::string message =
        phrase.empty() ? "Operation returned an invalid status " + std::to_string(http_status)
                       : "Operation returned an invalid status '" + phrase + "'";
    return Status(StatusCodeForHttpStatus(http_status, ""), std::move(message));
  }
  return StatusFromArmError(StatusCodeForHttpStatus(http_status, StringField(*error, "code")),
                            *error);
}

std::string_view ArmClient::MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kPost:
      return "POST";
  }
  return "GET";
}

ArmClient::ArmClient(HttpTransport& transport, CredentialProvider& credentials, Random& random,
                     Sleeper& sleeper)
    : transport_(transport), credentials_(credentials), random_(random), sleeper_(sleeper) {}

Result<HttpResult> ArmClient::Send(Method method, const std::string& url, const json* body,
                                   const HttpHeaders& extra) {
  HttpCall call;
  call.method = std::string(MethodName(method));
  call.url = url;
  call.headers.emplace_back("Accept", "application/json");
  call.headers.emplace_back("User-Agent", std::string(kUserAgent));
  call.headers.emplace_back("x-ms-client-request-id", NewUuid(random_));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> token, credentials_.GetToken());
  if (token.has_value()) {
    call.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  if (body != nullptr) {
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = body->dump();
  }
  call.headers.insert(call.headers.end(), extra.begin(), extra.end());
  return transport_.Send(call);
}

Result<json> ArmClient::Get(std::string_view path, std::string_view api_version,
                            const QueryParams& query) {
  std::string url = ArmUrl(path, api_version, query);
  GALLERY_ASSIGN_OR_RETURN(HttpResult r, Send(Method::kGet, url, nullptr));
  if (r.status != kHttpOk) {
    return StatusFromHttpError(r.status, r.body);
  }
  return ParseBody(r, url);
}

Result<json> ArmClient::List(std::string_view path, std::string_view api_version,
                             const QueryParams& query) {
  json items = json::array();
  std::string url = ArmUrl(path, api_version, query);
  for (int page = 0; page < kMaxPages; ++page) {
    GALLERY_ASSIGN_OR_RETURN(HttpResult r, Send(Method::kGet, url, nullptr));
    if (r.status != kHttpOk) {
      return StatusFromHttpError(r.status, r.body);
    }
    GALLERY_ASSIGN_OR_RETURN(json j, ParseBody(r, url));
    if (!j.is_object() || !j.contains("value") || !j["value"].is_array()) {
      return InvalidResponse("the list answer of " + url + " has no 'value' array");
    }
    for (auto& item : j["value"]) {
      items.push_back(std::move(item));
    }
    std::string next = StringField(j, "nextLink");
    if (next.empty()) {
      return items;
    }
    url = std::move(next);
  }
  return InvalidResponse("the list " + std::string(path) + " has more than " +
                         std::to_string(kMaxPages) + " pages; giving up");
}

Result<json> ArmClient::Put(std::string_view path, std::string_view api_version, const json& body,
                            const LroOptions& lro, const HttpHeaders& headers) {
  return Mutate(Method::kPut, path, api_version, &body, lro, headers);
}

Result<json> ArmClient::Patch(std::string_view path, std::string_view api_version, const json& body,
                              const LroOptions& lro) {
  return Mutate(Method::kPatch, path, api_version, &body, lro);
}

Result<json> ArmClient::Delete(std::string_view path, std::string_view api_version,
                               const LroOptions& lro) {
  return Mutate(Method::kDelete, path, api_version, nullptr, lro);
}

Result<json> ArmClient::Post(std::string_view path, std::string_view api_version, const json& body,
                             const LroOptions& lro) {
  return Mutate(Method::kPost, path, api_version, &body, lro);
}

Result<json> ArmClient::Mutate(Method method, std::string_view path, std::string_view api_version,
                               const json* body, const LroOptions& lro, const HttpHeaders& extra) {
  std::string url = ArmUrl(path, api_version);
  GALLERY_ASSIGN_OR_RETURN(HttpResult initial, Send(method, url, body, extra));
  bool accepted = false;
  switch (method) {
    case Method::kPut:
    case Method::kPatch:
      accepted = IsOneOf(initial.status, {kHttpOk, kHttpCreated, kHttpAccepted});
      break;
    case Method::kDelete:
      accepted = IsOneOf(initial.status, {kHttpOk, kHttpAccepted, kHttpNoContent});
      break;
    default:
      accepted = IsOneOf(initial.status, {kHttpOk, kHttpCreated, kHttpAccepted, kHttpNoContent});
      break;
  }
  if (!accepted) {
    return StatusFromHttpError(initial.status, initial.body);
  }
  if (lro.no_wait) {
    return ParseBody(initial, url);
  }
  if (initial.Header("Azure-AsyncOperation").has_value()) {
    return PollAsyncOperation(method, url, initial, lro);
  }
  if (initial.Header("Location").has_value()) {
    return PollLocation(method, initial, lro);
  }
  return ParseBody(initial, url);
}

void ArmClient::WaitBeforeNextPoll(const HttpResult& latest, const LroOptions& lro) {
  std::chrono::seconds wait = kDefaultPollInterval;
  if (auto header = latest.Header("Retry-After"); header.has_value()) {
    int64_t seconds = 0;
    const char* begin = header->data();
    const char* end = begin + header->size();
    auto [ptr, ec] = std::from_chars(begin, end, seconds);
    if (ec == std::errc() && ptr == end && seconds > 0) {
      wait = std::min(std::chrono::seconds(seconds), kMaxPollInterval);
    }
  }
  if (lro.on_wait) {
    lro.on_wait();
  }
  sleeper_.Sleep(wait);
}

Result<json> ArmClient::PollAsyncOperation(Method method, const std::string& resource_url,
                                           const HttpResult& initial, const LroOptions& lro) {
  const std::string op_url = *initial.Header("Azure-AsyncOperation");
  HttpResult latest;
  json output;
  for (bool first = true;; first = false) {
    if (!first) {
      WaitBeforeNextPoll(latest, lro);
    }
    GALLERY_ASSIGN_OR_RETURN(latest, Send(Method::kGet, op_url, nullptr));
    if (!IsOneOf(latest.status, {kHttpOk, kHttpCreated, kHttpAccepted, kHttpNoContent})) {
      return StatusFromHttpError(latest.status, latest.body);
    }
    GALLERY_ASSIGN_OR_RETURN(json op, ParseBody(latest, op_url));
    if (lro.on_status) {
      lro.on_status(op);
    }
    std::string status = ToLower(StringField(op, "status"));
    if (status.empty()) {
      return InvalidResponse("the operation status at " + op_url + " has no 'status'");
    }
    if (status == "failed" || status == "canceled" || status == "cancelled") {
      json error = op.is_object() && op.contains("error") ? op["error"] : json::object();
      if (StringField(error, "code").empty() && StringField(error, "message").empty()) {
        error = {{"code", status == "failed" ? "OperationFailed" : "OperationCanceled"},
                 {"message", "The long-running operation ended with status '" +
                                 StringField(op, "status") + "'."}};
      }
      return StatusFromArmError(StatusCode::kFailedPrecondition, error);
    }
    if (status == "succeeded") {
      if (op.contains("properties") && op["properties"].is_object() &&
          op["properties"].contains("output")) {
        output = op["properties"]["output"];
      }
      break;
    }
  }
  switch (method) {
    case Method::kPut:
    case Method::kPatch: {
      GALLERY_ASSIGN_OR_RETURN(HttpResult r, Send(Method::kGet, resource_url, nullptr));
      if (r.status != kHttpOk) {
        return StatusFromHttpError(r.status, r.body);
      }
      return ParseBody(r, resource_url);
    }
    case Method::kPost: {
      auto location = initial.Header("Location");
      if (!location.has_value()) {
        return output;
      }
      GALLERY_ASSIGN_OR_RETURN(HttpResult r, Send(Method::kGet, *location, nullptr));
      if (!IsOneOf(r.status, {kHttpOk, kHttpCreated, kHttpNoContent})) {
        return StatusFromHttpError(r.status, r.body);
      }
      return ParseBody(r, *location);
    }
    default:
      return json();
  }
}

Result<json> ArmClient::PollLocation(Method method, const HttpResult& initial,
                                     const LroOptions& lro) {
  std::string url = *initial.Header("Location");
  HttpResult latest;
  for (bool first = true;; first = false) {
    if (!first) {
      WaitBeforeNextPoll(latest, lro);
    }
    GALLERY_ASSIGN_OR_RETURN(latest, Send(Method::kGet, url, nullptr));
    if (latest.status == kHttpAccepted) {
      if (auto next = latest.Header("Location"); next.has_value() && !next->empty()) {
        url = *next;
      }
      continue;
    }
    if (IsOneOf(latest.status, {kHttpOk, kHttpCreated, kHttpNoContent})) {
      return ParseBody(latest, url);
    }
    if (latest.status == kHttpNotFound && method == Method::kDelete) {
      return json();
    }
    return StatusFromHttpError(latest.status, latest.body);
  }
}

}  // namespace gallery
