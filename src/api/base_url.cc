#include "api/base_url.h"

#include <cctype>

namespace gallery::api {

namespace {
constexpr size_t kMaxHostLength = 255;
}  // namespace

bool IsPlainHost(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) {
    return false;
  }
  for (char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == ':' || c == '[' || c == ']';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string BaseUrlOf(const HttpRequest& request, const std::string& fallback) {
  auto it = request.find(boost::beast::http::field::host);
  if (it != request.end()) {
    const std::string_view host(it->value().data(), it->value().size());
    if (IsPlainHost(host)) {
      return "https://" + std::string(host);
    }
  }
  return fallback;
}

}  // namespace gallery::api
