#pragma once
// Action patterns of role definitions, matched as Azure RBAC matches them.
//
// An action names an operation on a resource type, "Microsoft.Compute/galleries/read". A
// pattern is an action in which '*' stands for any run of characters, '/' included:
// "*" (everything), "*/read" (every read), "Microsoft.Compute/galleries/*" (everything on
// galleries and what is below them). Matching is ASCII case-insensitive, as ARM action names
// are. Pure and allocation-free; safe on the request path.
//
//   ActionMatches("Microsoft.Authorization/*/Write",
//                 "microsoft.authorization/roleAssignments/write");  // true

#include <string_view>

namespace gallery::domain {

// True when `action` matches `pattern` (see above). An empty pattern matches nothing.
bool ActionMatches(std::string_view pattern, std::string_view action);

}  // namespace gallery::domain
