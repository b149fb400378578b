#include "api/graph_filter.h"

#include <cctype>

#include "common/resource_id.h"

namespace gallery::api {

namespace {

Status Unsupported(std::string_view text) {
  return Status::InvalidArgument("Unsupported or invalid query filter clause specified: '" +
                                 std::string(text) +
                                 "'. Supported: <property> eq '<value>' and "
                                 "servicePrincipalNames/any(c:c eq '<value>').")
      .WithReason("Request_UnsupportedQuery");
}

void SkipSpaces(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
}

// Consumes `word` (case-insensitive) at the front of `s`.
bool Consume(std::string_view& s, std::string_view word) {
  SkipSpaces(s);
  if (s.size() < word.size() || !EqualsIgnoreCase(s.substr(0, word.size()), word)) {
    return false;
  }
  s.remove_prefix(word.size());
  return true;
}

// Consumes an identifier ([A-Za-z0-9_]+).
bool Identifier(std::string_view& s, std::string* out) {
  SkipSpaces(s);
  size_t n = 0;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_')) {
    ++n;
  }
  if (n == 0) {
    return false;
  }
  *out = std::string(s.substr(0, n));
  s.remove_prefix(n);
  return true;
}

// Consumes a single-quoted literal ('' is a quote).
bool Literal(std::string_view& s, std::string* out) {
  SkipSpaces(s);
  if (s.empty() || s.front() != '\'') {
    return false;
  }
  out->clear();
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '\'') {
      *out += s[i];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '\'') {
      *out += '\'';
      ++i;
      continue;
    }
    s.remove_prefix(i + 1);
    return true;
  }
  return false;
}

}  // namespace

Result<std::vector<GraphFilter>> ParseGraphFilter(std::string_view text) {
  std::string_view s = text;
  std::vector<GraphFilter> clauses;
  do {
    GraphFilter& f = clauses.emplace_back();
    if (!Identifier(s, &f.property)) {
      return Unsupported(text);
    }
    if (!s.empty() && s.front() == '/') {
      // <collection>/any(x:x eq 'v')
      s.remove_prefix(1);
      std::string var;
      std::string again;
      if (!Consume(s, "any(") || !Identifier(s, &var) || !Consume(s, ":") ||
          !Identifier(s, &again) || var != again || !Consume(s, "eq") || !Literal(s, &f.value) ||
          !Consume(s, ")")) {
        return Unsupported(text);
      }
      f.any = true;
    } else if (!Consume(s, "eq") || !Literal(s, &f.value)) {
      return Unsupported(text);
    }
  } while (Consume(s, "and "));
  SkipSpaces(s);
  if (!s.empty()) {
    return Unsupported(text);
  }
  return clauses;
}

}  // namespace gallery::api
