#include "common/semver.h"

#include <limits>

namespace gallery {

namespace {

Status BadVersion(std::string_view text) {
  return Status::InvalidArgument(
             "The image version name '" + std::string(text) +
                 "' is invalid. The image version name should follow Major(int).Minor(int).Patch(int) "
                 "format, for e.g: 1.0.0, 2018.12.1; each part is an integer from 0 to 2147483647.",
             "name")
      .WithReason("InvalidParameter");
}

// Parses one decimal part; false when empty, not all digits, or above INT32_MAX.
bool ParsePart(std::string_view part, int32_t* out) {
  if (part.empty() || part.size() > 10) {
    return false;
  }
  int64_t value = 0;
  for (char c : part) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  if (value > std::numeric_limits<int32_t>::max()) {
    return false;
  }
  *out = static_cast<int32_t>(value);
  return true;
}

}  // namespace

Result<SemVer> SemVer::Parse(std::string_view text) {
  size_t first = text.find('.');
  size_t second = first == std::string_view::npos ? first : text.find('.', first + 1);
  if (second == std::string_view::npos || text.find('.', second + 1) != std::string_view::npos) {
    return BadVersion(text);
  }
  SemVer v;
  if (!ParsePart(text.substr(0, first), &v.major) ||
      !ParsePart(text.substr(first + 1, second - first - 1), &v.minor) ||
      !ParsePart(text.substr(second + 1), &v.patch)) {
    return BadVersion(text);
  }
  return v;
}

std::string SemVer::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace gallery
