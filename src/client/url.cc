#include "client/url.h"

#include <arpa/inet.h>

#include "common/resource_id.h"

namespace gallery {

namespace {

constexpr int kMaxPort = 65535;

Status BadUrl(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("'" + std::string(text) +
                                 "' is not a valid URL: " + std::string(why));
}

bool AllDigits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) {
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return BadUrl(text, "expected scheme://host[:port]/path");
  }
  url.scheme = ToLower(text.substr(0, scheme_end));
  if (url.scheme != "https" && url.scheme != "http") {
    return BadUrl(text, "only http and https are supported");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(text, "user information is not allowed");
  }
  if (target.find('#') != std::string_view::npos) {
    return BadUrl(text, "fragments are not allowed");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return BadUrl(text, "unterminated IPv6 literal");
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return BadUrl(text, "unexpected text after the IPv6 literal");
      }
      port = after.substr(1);
      if (port.empty()) {
        return BadUrl(text, "empty port");
      }
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) {
        return BadUrl(text, "empty port");
      }
    }
  }
  if (url.host.empty()) {
    return BadUrl(text, "missing host");
  }
  if (port.empty()) {
    url.port = url.scheme == "https" ? "443" : "80";
  } else {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) > kMaxPort ||
        std::stoi(std::string(port)) == 0) {
      return BadUrl(text, "invalid port '" + std::string(port) + "'");
    }
    url.port = std::string(port);
  }
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target.front() == '?') {
    url.target = "/" + url.target;
  }
  return url;
}

std::string Url::Origin() const {
  std::string host_part = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + host_part + ":" + port;
}

bool Url::SameOrigin(const Url& other) const {
  return scheme == other.scheme && EqualsIgnoreCase(host, other.host) && port == other.port;
}

bool IsIpLiteral(std::string_view host) {
  std::string h(host);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

}  // namespace gallery
