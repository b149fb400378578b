#pragma once
// SemVer: an image version name, Major.Minor.Patch, each a non-negative 32-bit signed integer
// (0..2147483647), compared numerically (1.10.0 > 1.9.0).

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery {

struct SemVer {
  int32_t major = 0;
  int32_t minor = 0;
  int32_t patch = 0;

  // Parses "1.2.3". Leading zeros are allowed ("01.0.0" is 1.0.0, as Azure accepts them).
  // Returns InvalidArgument (reason "InvalidParameter") with Azure's format message otherwise.
  static Result<SemVer> Parse(std::string_view text);
  std::string ToString() const;

  friend auto operator<=>(const SemVer&, const SemVer&) = default;
};

}  // namespace gallery
