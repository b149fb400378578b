#pragma once
// Closed vocabularies as tables of (value, canonical name): the one way enum values are named
// and parsed (case-insensitively) in the domain.

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "common/resource_id.h"
#include "common/result.h"

namespace gallery::domain {

template <typename E, size_t N>
using EnumTable = std::array<std::pair<E, std::string_view>, N>;

// The canonical name of `v`; "Unknown" when the table lacks it.
template <typename E, size_t N>
std::string_view EnumName(const EnumTable<E, N>& table, E v) {
  for (const auto& [value, name] : table) {
    if (value == v) {
      return name;
    }
  }
  return "Unknown";
}

// The value named `text` in any casing; InvalidArgument (reason "InvalidParameter") naming
// `field`, the value and the allowed names otherwise.
template <typename E, size_t N>
Result<E> ParseEnum(const EnumTable<E, N>& table, std::string_view text, std::string_view field) {
  std::string allowed;
  for (const auto& [value, name] : table) {
    if (EqualsIgnoreCase(name, text)) {
      return value;
    }
    allowed += (allowed.empty() ? "'" : ", '") + std::string(name) + "'";
  }
  return Status::InvalidArgument("The value '" + std::string(text) + "' of parameter '" +
                                     std::string(field) + "' is not valid. Allowed values: " +
                                     allowed + ".",
                                 std::string(field))
      .WithReason("InvalidParameter");
}

}  // namespace gallery::domain
