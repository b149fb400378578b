#pragma once
// The body of a Get Page Ranges answer, as galleryd writes it, for tests that compare page lists.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gallery::testing {

// "<PageList>" then one "<PageRange><Start>A</Start><End>B</End></PageRange>" per inclusive
// [A, B] of `ranges`, in order, then "</PageList>".
inline std::string PageListOf(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  std::string xml = "<PageList>";
  for (const auto& [start, end] : ranges) {
    xml += "<PageRange><Start>" + std::to_string(start) + "</Start><End>" + std::to_string(end) +
           "</End></PageRange>";
  }
  return xml + "</PageList>";
}

}  // namespace gallery::testing
