#pragma once
// SHA-256 of a byte string (key thumbprints).

#include <string>
#include <string_view>

namespace gallery::access {

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

}  // namespace gallery::access
