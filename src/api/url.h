#pragma once
// Request targets: path segments and query parameters, percent-decoded.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::api {

struct Target {
  std::vector<std::string> segments;  // decoded, without empty ones
  // Decoded query parameters; names lower-cased ("api-version", "$expand", "$skiptoken").
  std::map<std::string, std::string, std::less<>> query;

  // The query value or "" when absent.
  std::string Query(std::string_view name) const;
};

// Parses "/a/b%20c?x=1&y". InvalidArgument (reason "InvalidUri") for a bad escape.
Result<Target> ParseTarget(std::string_view target);
// True when the path of request target `target` (before any '?') is `prefix` or lies below it
// ("/adfs", "/adfs/oauth2/token"; not "/adfsx"), ignoring case. Allocates nothing: front doors
// ask it of every request.
bool PathIsOrUnder(std::string_view target, std::string_view prefix);
// Percent-encodes a query value or a path segment.
std::string UrlEncode(std::string_view text);

}  // namespace gallery::api
