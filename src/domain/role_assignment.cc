#include "domain/role_assignment.h"

namespace gallery::domain {

std::string RoleAssignmentId(const RoleAssignment& assignment) {
  return assignment.scope.ToString() + "/providers/Microsoft.Authorization/roleAssignments/" +
         assignment.name;
}

}  // namespace gallery::domain
