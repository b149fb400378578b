#include "client/graph_client.h"

#include "client/arm_client.h"

namespace gallery {

GraphClient::GraphClient(HttpTransport& transport, CredentialProvider& credentials, Random& random)
    : transport_(transport), credentials_(credentials), random_(random) {}

Result<nlohmann::json> GraphClient::Get(const std::string& path_and_query) {
  return Send("GET", path_and_query, nullptr);
}

Result<nlohmann::json> GraphClient::Post(const std::string& path, const nlohmann::json& body) {
  return Send("POST", path, &body);
}

Result<nlohmann::json> GraphClient::Delete(const std::string& path) {
  return Send("DELETE", path, nullptr);
}

Result<nlohmann::json> GraphClient::Send(const char* method, const std::string& url,
                                         const nlohmann::json* body) {
  HttpCall call;
  call.method = method;
  call.url = url;
  call.headers = {{"Accept", "application/json"},
                  {"client-request-id", NewUuid(random_)},
                  {"User-Agent", std::string(ArmClient::kUserAgent)}};
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> token, credentials_.GetToken());
  if (token.has_value()) {
    call.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  if (body != nullptr) {
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = body->dump();
  }
  GALLERY_ASSIGN_OR_RETURN(HttpResult r, transport_.Send(call));
  if (r.status < 200 || r.status > 299) {
    return StatusFromHttpError(r.status, r.body);
  }
  if (r.body.empty()) {
    return nlohmann::json();
  }
  nlohmann::json parsed = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status::Internal("Graph answered " + url + " with a body that is not JSON.");
  }
  return parsed;
}

}  // namespace gallery
