#pragma once
// What an ARM request does, in the activity log's (and RBAC's) vocabulary: the resource type
// the path names plus "/write" (PUT, PATCH), "/delete" (DELETE), "/action" (POST to an action
// segment) or "/read" (GET, HEAD), and the scope it acts on. Generic over paths, so routes added
// later (role assignments, ...) are named without changes here.
//
//   ActivityAction a = ActivityActionFor("PUT", {"subscriptions", "s", "resourceGroups", "rg",
//       "providers", "Microsoft.Compute", "galleries", "g"});
//   // a.action == "Microsoft.Compute/galleries/write"
//   // a.scope == "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
//
// Rules: /subscriptions/{s} is Microsoft.Resources/subscriptions, .../resourceGroups/{rg} is
// Microsoft.Resources/subscriptions/resourceGroups; after "providers/{namespace}" the type is
// the namespace and every type segment ("{ns}/galleries/images"); a "providers" segment right
// after a resource's name starts an extension resource of another namespace
// (".../galleries/g/providers/Microsoft.Authorization/roleAssignments/{id}"). A trailing
// segment without a name is an action ("moveResources", "register"), or, for GET, a collection.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/operation.h"

namespace gallery::domain {

struct ActivityAction {
  std::string action;          // "Microsoft.Compute/galleries/write"
  std::string scope;           // the resource id, without a trailing action segment
  std::string subscription;    // empty when the path names none
  std::string resource_group;  // empty above resource groups
};

// `method` is the HTTP method in upper case; `segments` the decoded path segments.
ActivityAction ActivityActionFor(std::string_view method, std::span<const std::string> segments);

// Whether an answered request leaves an activity event: every write (any method but GET, HEAD
// and OPTIONS), and any refused request (401, 403). Reads never cost a write.
bool LeavesActivityEvent(std::string_view method, int http_status);

// The non-empty segments of a path: "/subscriptions/s1/resourceGroups/rg1" ->
// {"subscriptions", "s1", "resourceGroups", "rg1"}. No decoding.
std::vector<std::string> PathSegments(std::string_view path);

// The action a long-running operation performs: "{type}/write" for creates and updates,
// "{type}/delete" for deletes.
std::string ActivityActionFor(const Operation& operation);

}  // namespace gallery::domain
