#pragma once
// ArmClient: JSON calls to an Azure Resource Manager (ARM) endpoint, with ARM's conventions:
// `api-version` on every request, error bodies turned into Status values, paged lists, and
// long-running operations (LRO) polled to completion.
//
//   ArmClient arm(transport, credentials, random, sleeper);
//   GALLERY_ASSIGN_OR_RETURN(nlohmann::json gallery,
//                            arm.Put("/subscriptions/S/resourceGroups/rg/providers/"
//                                    "Microsoft.Compute/galleries/g1",
//                                    "2021-10-01", {{"location", "westus"}}));
//
// Every request carries `x-ms-client-request-id` (a fresh UUID), `User-Agent: gallery-cli/0.1`,
// `Accept: application/json`, `Content-Type: application/json` when it has a body, and
// `Authorization: Bearer <token>` when the CredentialProvider supplies a token.
//
// Errors: a non-success HTTP answer becomes a Status whose reason() is ARM's `error.code` and
// whose message() is `error.message` (target() is `error.target`); the code follows the HTTP
// status (see StatusFromHttpError). Transport errors are passed through unchanged.
// Not thread-safe; the referenced transport, provider, random and sleeper must outlive it.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/credential_provider.h"
#include "client/http_transport.h"
#include "client/sleeper.h"
#include "common/random.h"
#include "common/result.h"

namespace gallery {

// Extra query parameters, sent after `api-version` in this order; keys and values are
// percent-encoded except that a leading `$` of a key is kept (`$expand`).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct LroOptions {
  // Return right after the initial response (its body, or null), without polling.
  bool no_wait = false;
  // Called before each wait between two polls (e.g. to animate a spinner). May be empty.
  std::function<void()> on_wait;
  // Called with each status body of an Azure-AsyncOperation poll (e.g. to show its
  // `percentComplete`). May be empty.
  std::function<void(const nlohmann::json& operation)> on_status;
};

class ArmClient {
 public:
  static constexpr std::string_view kUserAgent = "gallery-cli/0.1";
  // Wait between polls when a poll response carries no usable Retry-After.
  static constexpr std::chrono::seconds kDefaultPollInterval{1};
  // Upper bound for one Retry-After wait, whatever the server asks.
  static constexpr std::chrono::seconds kMaxPollInterval{600};
  // Upper bound on the number of pages followed by List (guards against nextLink cycles).
  static constexpr int kMaxPages = 10000;

  ArmClient(HttpTransport& transport, CredentialProvider& credentials, Random& random,
            Sleeper& sleeper);

  // GET `path`. Returns the body (null when empty). 200 is the only success status.
  Result<nlohmann::json> Get(std::string_view path, std::string_view api_version,
                             const QueryParams& query = {});

  // GET a pageable collection: follows `nextLink` (an absolute URL, used verbatim) and returns
  // the concatenated `value` arrays as one JSON array. InvalidArgument (reason
  // "InvalidResponse") when a page has no `value` array.
  Result<nlohmann::json> List(std::string_view path, std::string_view api_version,
                              const QueryParams& query = {});

  // PUT / PATCH `body` as a long-running operation. The initial answer must be 200, 201 or
  // 202. Then, unless `lro.no_wait`:
  //  - with `Azure-AsyncOperation`: polls that URL (first poll at once, then after the latest
  //    response's Retry-After, default 1 s) until its `status` is Succeeded, Failed or Canceled
  //    (any casing). Failed/Canceled return FailedPrecondition with the operation's `error`
  //    code and message. On success the result is a final GET of `path`.
  //  - else with `Location`: polls it; 202 means running, 200/201/204 done, and the last body
  //    is the result.
  //  - else the initial body is the result.
  // `headers` are sent with the initial PUT only (e.g. If-None-Match: * to create only: a 412
  // then is FailedPrecondition with reason "PreconditionFailed").
  Result<nlohmann::json> Put(std::string_view path, std::string_view api_version,
                             const nlohmann::json& body, const LroOptions& lro = {},
                             const HttpHeaders& headers = {});
  Result<nlohmann::json> Patch(std::string_view path, std::string_view api_version,
                               const nlohmann::json& body, const LroOptions& lro = {});

  // DELETE as a long-running operation (200, 202 or 204 initially; polling as for Put, with
  // no final GET; a 404 while polling a Location means deleted). Returns null or the body.
  Result<nlohmann::json> Delete(std::string_view path, std::string_view api_version,
                                const LroOptions& lro = {});

  // POST an action (200, 201, 202 or 204 initially). With Azure-AsyncOperation the result is
  // the `Location` URL's answer when the initial response named one, else the operation's
  // `properties.output` (Azure's shape for action results), else null.
  Result<nlohmann::json> Post(std::string_view path, std::string_view api_version,
                              const nlohmann::json& body, const LroOptions& lro = {});

 private:
  enum class Method { kGet, kPut, kPatch, kDelete, kPost };
  static std::string_view MethodName(Method method);

  Result<HttpResult> Send(Method method, const std::string& url, const nlohmann::json* body,
                          const HttpHeaders& extra = {});
  Result<nlohmann::json> Mutate(Method method, std::string_view path, std::string_view api_version,
                                const nlohmann::json* body, const LroOptions& lro,
                                const HttpHeaders& extra = {});
  Result<nlohmann::json> PollAsyncOperation(Method method, const std::string& resource_url,
                                            const HttpResult& initial, const LroOptions& lro);
  Result<nlohmann::json> PollLocation(Method method, const HttpResult& initial,
                                      const LroOptions& lro);
  void WaitBeforeNextPoll(const HttpResult& latest, const LroOptions& lro);

  HttpTransport& transport_;
  CredentialProvider& credentials_;
  Random& random_;
  Sleeper& sleeper_;
};

// Builds `path?api-version=V[&k=v...]`.
std::string ArmUrl(std::string_view path, std::string_view api_version,
                   const QueryParams& query = {});

// Turns a non-success ARM answer into a Status. Reads `{"error":{"code","message","target"}}`
// or the flat `{"code","message"}`; a body that is neither gives the message
// "Operation returned an invalid status 'Reason'" with an empty reason. The code follows the
// HTTP status: 400 InvalidArgument, 401 Unauthenticated, 403 PermissionDenied, 404 NotFound,
// 409 AlreadyExists when the ARM code says something exists (e.g. "ResourceExists") else
// FailedPrecondition, 412 FailedPrecondition, 429 and 503 Unavailable, anything else Internal.
Status StatusFromHttpError(int http_status, std::string_view body);

// The StatusCode of a non-success HTTP answer, as StatusFromHttpError maps it; `error_code` is
// the service's error code (decides 409 between AlreadyExists and FailedPrecondition).
StatusCode StatusCodeForHttpStatus(int http_status, std::string_view error_code);

// Turns an ARM error object (`{"code","message","target"}`) into a Status with `code`.
Status StatusFromArmError(StatusCode code, const nlohmann::json& error);

}  // namespace gallery
