#pragma once
// The sharing matrix of the product description, as a table of requests and expected answers,
// independent of how requests reach the server (in-process through api::ArmApi::Handle, or over
// HTTPS with real tokens).
//
// A "world" is one resource group holding gallery g1 with definitions d1 and d2, versions
// d1/1.0.0, d1/1.0.1 and d2/1.0.0. One role (Reader or Contributor) is assigned at one scope
// (g1, d1 or d1/1.0.0) to one principal form (a user, a service principal, or a group the
// caller belongs to). The caller then reads (GET), writes (PATCH of tags) or deletes one
// target: g1, its definition d1, its version d1/1.0.0, the sibling definition d2, or the
// sibling version d1/1.0.1.
//
// The product description's matrix, with the siblings added:
//
//   shared at \ target   gallery  definition  version  sibling def.  sibling version
//   gallery              yes      yes         yes      yes           yes
//   definition           no       yes         yes      no            yes (it is below d1)
//   version              no       no          yes      no            no
//
// Allowed reads answer 200 and writes 200; allowed deletes answer 202 for a version and 409
// CannotDeleteResource for a gallery or definition (they still hold children). Everything
// else is 403 AuthorizationFailed. Run a world's cases in the order Cases() gives (reads,
// then writes, then deletes): a delete changes the world.

#include <string>
#include <vector>

namespace gallery::testing::sharing {

enum class GrantScope { kGallery, kDefinition, kVersion };
enum class Target { kGallery, kDefinition, kVersion, kSiblingDefinition, kSiblingVersion };
enum class Operation { kRead, kWrite, kDelete };
enum class PrincipalForm { kUser, kServicePrincipal, kGroupMember };
enum class Role { kReader, kContributor };

inline constexpr GrantScope kGrantScopes[] = {GrantScope::kGallery, GrantScope::kDefinition,
                                              GrantScope::kVersion};
inline constexpr Target kTargets[] = {Target::kGallery, Target::kDefinition,
                                      Target::kSiblingDefinition, Target::kVersion,
                                      Target::kSiblingVersion};
inline constexpr Operation kOperations[] = {Operation::kRead, Operation::kWrite,
                                            Operation::kDelete};
inline constexpr PrincipalForm kPrincipalForms[] = {
    PrincipalForm::kUser, PrincipalForm::kServicePrincipal, PrincipalForm::kGroupMember};
inline constexpr Role kRoles[] = {Role::kReader, Role::kContributor};

// The product description's matrix (rows: GrantScope, columns: Target in enum order).
inline constexpr bool kSharedWith[3][5] = {
    // gallery definition version sibling-definition sibling-version
    {true, true, true, true, true},     // shared at the gallery
    {false, true, true, false, true},   // shared at the definition
    {false, false, true, false, false}  // shared at the version
};

inline bool RoleAllows(Role role, Operation op) {
  return op == Operation::kRead || role == Role::kContributor;
}

struct Case {
  GrantScope grant;
  Target target;
  Operation op;
  PrincipalForm form;
  Role role;

  bool allowed() const {
    return kSharedWith[static_cast<int>(grant)][static_cast<int>(target)] && RoleAllows(role, op);
  }
  // The HTTP method of the request.
  const char* method() const {
    return op == Operation::kRead ? "GET" : op == Operation::kWrite ? "PATCH" : "DELETE";
  }
  // The request body (writes only).
  std::string body() const { return op == Operation::kWrite ? R"({"tags":{"shared":"yes"}})" : ""; }
  // The answer when allowed (see the header comment).
  int allowed_status() const {
    if (op != Operation::kDelete) {
      return 200;
    }
    return (target == Target::kVersion || target == Target::kSiblingVersion) ? 202 : 409;
  }
  int expected_status() const { return allowed() ? allowed_status() : 403; }
  // The ARM action a refusal names.
  std::string action() const;
  std::string Name() const;
};

// Paths inside a world whose resource group id is `group` ("/subscriptions/S/resourceGroups/R").
inline std::string GalleryPath(const std::string& group) {
  return group + "/providers/Microsoft.Compute/galleries/g1";
}
inline std::string TargetPath(const std::string& group, Target t) {
  const std::string g = GalleryPath(group);
  switch (t) {
    case Target::kGallery:
      return g;
    case Target::kDefinition:
      return g + "/images/d1";
    case Target::kVersion:
      return g + "/images/d1/versions/1.0.0";
    case Target::kSiblingDefinition:
      return g + "/images/d2";
    case Target::kSiblingVersion:
      return g + "/images/d1/versions/1.0.1";
  }
  return g;
}
inline std::string GrantPath(const std::string& group, GrantScope s) {
  switch (s) {
    case GrantScope::kGallery:
      return TargetPath(group, Target::kGallery);
    case GrantScope::kDefinition:
      return TargetPath(group, Target::kDefinition);
    case GrantScope::kVersion:
      return TargetPath(group, Target::kVersion);
  }
  return "";
}
inline const char* RoleDefinitionGuid(Role r) {
  return r == Role::kReader ? "acdd72a7-3385-48ef-bd42-f606fba81ae7"
                            : "b24988ac-6180-42a0-ab88-20f7382dd24c";
}
// The api-version to send for a target.
inline const char* ApiVersionOf(Target t) {
  return (t == Target::kVersion || t == Target::kSiblingVersion) ? "2022-03-03" : "2021-10-01";
}

inline std::string Case::action() const {
  std::string type = "Microsoft.Compute/galleries";
  if (target != Target::kGallery) {
    type += "/images";
  }
  if (target == Target::kVersion || target == Target::kSiblingVersion) {
    type += "/versions";
  }
  return type + (op == Operation::kRead ? "/read" : op == Operation::kWrite ? "/write" : "/delete");
}

inline std::string Case::Name() const {
  static const char* kGrant[] = {"SharedAtGallery", "SharedAtDefinition", "SharedAtVersion"};
  static const char* kTarget[] = {"Gallery", "Definition", "Version", "SiblingDefinition",
                                  "SiblingVersion"};
  static const char* kOp[] = {"Read", "Write", "Delete"};
  static const char* kForm[] = {"User", "ServicePrincipal", "GroupMember"};
  static const char* kRole[] = {"Reader", "Contributor"};
  return std::string(kGrant[static_cast<int>(grant)]) + "_" + kRole[static_cast<int>(role)] + "_" +
         kForm[static_cast<int>(form)] + "_" + kOp[static_cast<int>(op)] +
         kTarget[static_cast<int>(target)];
}

// The cases of one world, in the order they must run.
inline std::vector<Case> WorldCases(GrantScope grant, PrincipalForm form, Role role) {
  std::vector<Case> out;
  for (Operation op : kOperations) {
    for (Target t : kTargets) {
      out.push_back({grant, t, op, form, role});
    }
  }
  return out;
}

}  // namespace gallery::testing::sharing
