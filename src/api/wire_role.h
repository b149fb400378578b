#pragma once
// The ARM wire format of Microsoft.Authorization role assignments and role definitions.
// Output follows the newest shape (2022-04-01: principalType, createdOn, ...), which older
// clients read too; input accepts `{"properties": {...}}` with or without an ignored
// `location` (az resource create adds one). Parse errors are InvalidArgument
// (InvalidRequestContent) naming the field.

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "domain/role_assignment.h"
#include "domain/role_definition.h"
#include "domain/role_definition_rules.h"

namespace gallery::api {

nlohmann::json ToWire(const domain::RoleAssignment& assignment);
// `subscription`: the subscription the definition is seen from (its id is written there).
nlohmann::json ToWire(const domain::RoleDefinition& definition, const std::string& subscription);

Result<domain::RoleAssignmentInput> RoleAssignmentFromWire(const nlohmann::json& body);
Result<domain::RoleDefinitionInput> RoleDefinitionFromWire(const nlohmann::json& body);

}  // namespace gallery::api
