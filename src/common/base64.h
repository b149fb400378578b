#pragma once
// Base64url without padding (RFC 4648 section 5): opaque page tokens, JWT segments. Base64
// with padding (section 4): HTTP headers such as Content-MD5.

#include <optional>
#include <string>
#include <string_view>

namespace gallery {

std::string Base64UrlEncode(std::string_view bytes);
// nullopt when `text` holds a character outside the alphabet or has an impossible length.
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Base64Encode(std::string_view bytes);
// Standard base64 (`+`, `/`, `=` padding to a multiple of 4 characters). nullopt when `text` is
// not exactly that.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace gallery
