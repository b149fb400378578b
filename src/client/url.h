#pragma once
// URL helpers for the client: splitting an absolute http(s) URL into its parts, and
// percent-encoding of path segments and query values.
//
//   GALLERY_ASSIGN_OR_RETURN(Url u, Url::Parse("https://127.0.0.1:8443/arm/"));
//   u.host == "127.0.0.1"; u.port == "8443"; u.target == "/arm/"

#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery {

struct Url {
  std::string scheme;  // lower-case: "https" or "http"
  std::string host;    // without brackets for IPv6 literals: "::1"
  std::string port;    // always set: the explicit port, or 443 / 80 by scheme
  std::string target;  // path and query, at least "/"

  // Parses an absolute http or https URL. User info ("user@host") and fragments are not
  // accepted. Returns InvalidArgument naming the text when it is not such a URL.
  static Result<Url> Parse(std::string_view text);

  // "https://host:port" (brackets around IPv6 literals; the port is always written).
  std::string Origin() const;
  // True when `other` has the same scheme, host (case-insensitive) and port.
  bool SameOrigin(const Url& other) const;
};

// True when `host` is an IPv4 or IPv6 literal (not a DNS name).
bool IsIpLiteral(std::string_view host);

// Percent-encodes everything except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
// For one path segment (a resource name) or a query key or value.
std::string PercentEncode(std::string_view text);

}  // namespace gallery
