#pragma once
// The few OData `$filter` forms of Microsoft Graph that clients of this server send:
//   userPrincipalName eq 'alice@contoso.example'
//   displayName eq 'ci'            appId eq '...'            id eq '...'
//   servicePrincipalNames/any(c:c eq '<appId or name>')
// and conjunctions of them: displayName eq 'builders' and mailNickname eq 'builders'.
// String literals are single-quoted with '' for a quote. Property names compare
// case-insensitively.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::api {

struct GraphFilter {
  std::string property;  // as written, e.g. "userPrincipalName" or "servicePrincipalNames"
  std::string value;     // the literal, unquoted
  bool any = false;      // true for the collection form `<property>/any(x:x eq '...')`
};

// The clauses of `text`, all of which must hold. InvalidArgument (reason
// "Request_UnsupportedQuery") for anything else.
Result<std::vector<GraphFilter>> ParseGraphFilter(std::string_view text);

}  // namespace gallery::api
