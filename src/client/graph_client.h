#pragma once
// GraphClient: JSON calls to the Microsoft Graph v1.0 endpoint of the server (the directory),
// with a bearer token for the Graph audience.
//
//   GraphClient graph(transport, graph_tokens, random);
//   GALLERY_ASSIGN_OR_RETURN(nlohmann::json users, graph.Get("/v1.0/users"));
//
// A non-success answer becomes a Status as ARM errors do (StatusFromHttpError: Graph's error
// body has the same {"error":{"code","message"}} shape). Not thread-safe; the references must
// outlive the client.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "client/credential_provider.h"
#include "client/http_transport.h"
#include "common/random.h"
#include "common/result.h"

namespace gallery {

class GraphClient {
 public:
  GraphClient(HttpTransport& transport, CredentialProvider& credentials, Random& random);

  // Each returns the answer's JSON body (null when empty); 2xx is success. `path_and_query` is
  // sent as is ("/v1.0/users?$filter=...", already encoded).
  Result<nlohmann::json> Get(const std::string& path_and_query);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Delete(const std::string& path);

 private:
  Result<nlohmann::json> Send(const char* method, const std::string& url,
                              const nlohmann::json* body);

  HttpTransport& transport_;
  CredentialProvider& credentials_;
  Random& random_;
};

}  // namespace gallery
