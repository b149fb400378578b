#pragma once
// Base64url without padding (RFC 4648 section 5): opaque page tokens, JWT segments.

#include <optional>
#include <string>
#include <string_view>

namespace gallery {

std::string Base64UrlEncode(std::string_view bytes);
// nullopt when `text` holds a character outside the alphabet or has an impossible length.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace gallery
