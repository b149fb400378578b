#pragma once
// Digests of byte strings: SHA-256 (key thumbprints), MD5 (Content-MD5 of page writes).

#include <string>
#include <string_view>

namespace gallery::access {

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);
// The 16-byte MD5 digest of `data` (only for checking what HTTP clients send, never for trust).
std::string Md5(std::string_view data);

}  // namespace gallery::access
