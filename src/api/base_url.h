#pragma once
// The base URL ("https://host:port") that links in an answer should use: the Host the client
// called when it is a plain host[:port], else the server's configured public endpoint. Anything
// else in Host (absent, or with '/', '?', '@', spaces...) could redirect a client elsewhere.

#include <string>
#include <string_view>

#include "api/http_types.h"

namespace gallery::api {

// "127.0.0.1:8443", "localhost", "[::1]:8443", "gallery.example:443".
bool IsPlainHost(std::string_view host);

// "https://" + Host when plain, else `fallback` (without a trailing slash).
std::string BaseUrlOf(const HttpRequest& request, const std::string& fallback);

}  // namespace gallery::api
