#include "domain/action_pattern.h"

#include "common/resource_id.h"

namespace gallery::domain {

namespace {
bool SameChar(char a, char b) { return LowerAscii(a) == LowerAscii(b); }
}  // namespace

bool ActionMatches(std::string_view pattern, std::string_view action) {
  if (pattern.empty()) {
    return false;
  }
  // Greedy glob with one backtrack point: on a mismatch the last '*' absorbs one more
  // character. Linear in practice, O(|pattern| * |action|) at worst.
  size_t p = 0;
  size_t a = 0;
  size_t star = std::string_view::npos;
  size_t star_a = 0;
  while (a < action.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_a = a;
    } else if (p < pattern.size() && SameChar(pattern[p], action[a])) {
      ++p;
      ++a;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      a = ++star_a;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace gallery::domain
