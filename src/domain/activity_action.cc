#include "domain/activity_action.h"

#include "common/resource_id.h"

namespace gallery::domain {

namespace {

bool Is(const std::string& segment, std::string_view word) {
  return EqualsIgnoreCase(segment, word);
}

std::string Suffix(std::string_view method, bool trailing_action) {
  if (method == "PUT" || method == "PATCH") {
    return "/write";
  }
  if (method == "DELETE") {
    return "/delete";
  }
  if (method == "POST" || trailing_action) {
    return "/action";
  }
  return "/read";
}

}  // namespace

bool LeavesActivityEvent(std::string_view method, int http_status) {
  const bool refused = http_status == 401 || http_status == 403;
  const bool reads = method == "GET" || method == "HEAD" || method == "OPTIONS";
  return refused || !reads;
}

ActivityAction ActivityActionFor(std::string_view method, std::span<const std::string> p) {
  ActivityAction out;
  const size_t n = p.size();
  if (n < 2 || !Is(p[0], "subscriptions")) {
    out.action = "Microsoft.Resources/subscriptions" + Suffix(method, false);
    out.scope = "/";
    return out;
  }
  out.subscription = p[1];
  std::string type = "Microsoft.Resources/subscriptions";
  std::string scope = "/subscriptions/" + p[1];
  // i walks the segments after a named resource: a type (or "providers") comes next.
  size_t i = 2;
  if (n >= 4 && Is(p[2], "resourceGroups")) {
    out.resource_group = p[3];
    type += "/resourceGroups";
    scope += "/resourceGroups/" + p[3];
    i = 4;
  }
  std::string trailing;          // a segment without a name: an action or a collection
  bool after_namespace = false;  // the next segment is a type, even one named "providers"
  while (i < n) {
    if (!after_namespace && Is(p[i], "providers") && i + 1 < n) {
      type = p[i + 1];  // a new namespace
      scope += "/providers/" + p[i + 1];
      i += 2;
      after_namespace = true;
      continue;
    }
    after_namespace = false;
    if (i + 1 >= n) {
      trailing = p[i];
      break;
    }
    type += "/" + p[i];
    scope += "/" + p[i] + "/" + p[i + 1];
    i += 2;
  }
  const bool is_read = method == "GET" || method == "HEAD";
  if (!trailing.empty() && !is_read) {
    // POST .../moveResources, .../register: an action on the resource before it.
    out.action = type + "/" + trailing + Suffix(method, true);
  } else if (!trailing.empty()) {
    out.action = type + "/" + trailing + "/read";  // a collection
  } else {
    out.action = type + Suffix(method, false);
  }
  out.scope = std::move(scope);
  return out;
}

std::vector<std::string> PathSegments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    if (end > start) {
      out.emplace_back(path.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

std::string ActivityActionFor(const Operation& operation) {
  return ActivityActionFor(operation.kind == OperationKind::kDelete ? "DELETE" : "PUT",
                           PathSegments(operation.resource_id.ToString()))
      .action;
}

}  // namespace gallery::domain
