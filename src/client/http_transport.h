#pragma once
// HttpTransport: one HTTP exchange (request in, response out) behind an interface, so that the
// ARM client and every command can be tested against a fake without sockets.
//
//   HttpCall call{"GET", "/subscriptions?api-version=2020-01-01", {{"Accept",
//   "application/json"}}}; GALLERY_ASSIGN_OR_RETURN(HttpResult r, transport.Send(call)); if
//   (r.status == 200) { ... r.body ... }
//
// A transport is bound to one server (scheme, host, port). `HttpCall::url` is either a path
// with query ("/subscriptions/S?api-version=...") resolved against that server, or an absolute
// URL on that same server (ARM's nextLink and operation URLs are absolute and used verbatim).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace gallery {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Returns the value of the first header named `name` (compared case-insensitively), if any.
std::optional<std::string> FindHeader(const HttpHeaders& headers, std::string_view name);

struct HttpCall {
  std::string method;  // "GET", "PUT", "PATCH", "DELETE", "POST"
  std::string url;     // path with query, or absolute URL on the transport's server
  HttpHeaders headers;
  std::string body;
};

struct HttpResult {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends `call` and returns the server's answer, whatever its HTTP status (a 404 is a
  // successful exchange). Errors are about the exchange itself: Unavailable when the server
  // cannot be reached, the TLS handshake or certificate check fails, or the request times out;
  // InvalidArgument when `call.url` is malformed or names another server; ResourceExhausted
  // when the response exceeds the transport's size limits. Not thread-safe unless an
  // implementation says otherwise.
  virtual Result<HttpResult> Send(const HttpCall& call) = 0;
};

}  // namespace gallery
