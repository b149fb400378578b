#include "access/authorizer.h"

#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "domain/role_definition.h"

namespace gallery::access {

namespace {

// Case-insensitive hashing and equality, so lookups by a caller's ids need no lower-cased copy.
struct NoCaseHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    size_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : s) {
      h = (h ^ static_cast<unsigned char>(LowerAscii(c))) * 1099511628211ull;
    }
    return h;
  }
};
struct NoCaseEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return EqualsIgnoreCase(a, b); }
};

}  // namespace

struct Authorizer::Index {
  struct Grant {
    std::string scope_key;
    const domain::RoleDefinition* role;  // into BuiltInRoles() or custom_roles
  };
  uint64_t generation = 0;
  std::vector<domain::RoleDefinition> custom_roles;  // never resized after the grants point in
  std::unordered_map<std::string, std::vector<Grant>, NoCaseHash, NoCaseEqual> grants;

  // Calls `f(grant)` for every grant of the caller and its groups until it returns true.
  template <typename F>
  bool Any(const domain::Caller& caller, F f) const {
    auto of = [&](std::string_view principal) {
      auto it = grants.find(principal);
      if (it == grants.end()) {
        return false;
      }
      for (const Grant& g : it->second) {
        if (f(g)) {
          return true;
        }
      }
      return false;
    };
    if (of(caller.object_id)) {
      return true;
    }
    for (const std::string& group : caller.group_ids) {
      if (of(group)) {
        return true;
      }
    }
    return false;
  }
};

Authorizer::Authorizer(metadata::MetadataStore& store) : store_(store) {}
Authorizer::~Authorizer() = default;

Result<std::shared_ptr<const Authorizer::Index>> Authorizer::Load(uint64_t generation) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
  auto index = std::make_shared<Index>();
  index->generation = generation;
  GALLERY_ASSIGN_OR_RETURN(index->custom_roles, tx->ListRoleDefinitions());
  std::unordered_map<std::string, const domain::RoleDefinition*> roles;
  for (const domain::RoleDefinition& role : domain::BuiltInRoles()) {
    roles[ToLower(role.name)] = &role;
  }
  for (const domain::RoleDefinition& role : index->custom_roles) {
    roles[ToLower(role.name)] = &role;
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<domain::RoleAssignment> assignments,
                           tx->ListRoleAssignments({}));
  for (const domain::RoleAssignment& a : assignments) {
    auto role = roles.find(ToLower(a.role_definition_name));
    if (role == roles.end()) {
      continue;  // its custom role was deleted: the assignment grants nothing
    }
    index->grants[a.principal_id].push_back({a.scope.Key(), role->second});
  }
  GLOG_DEBUG("access index rebuilt: {} assignments, {} custom roles (generation {})",
             assignments.size(), index->custom_roles.size(), generation);
  return std::shared_ptr<const Index>(std::move(index));
}

Result<std::shared_ptr<const Authorizer::Index>> Authorizer::Current() {
  std::shared_ptr<const Index> index = index_.load(std::memory_order_acquire);
  if (index != nullptr && index->generation == store_.RoleGeneration()) {
    return index;
  }
  std::lock_guard<std::mutex> lock(rebuild_mu_);
  // The generation is read before loading: a change committed while loading leaves the index
  // tagged older than the store, so the next check rebuilds again (never the reverse).
  const uint64_t generation = store_.RoleGeneration();
  index = index_.load(std::memory_order_acquire);
  if (index != nullptr && index->generation == generation) {
    return index;  // another thread rebuilt it meanwhile
  }
  GALLERY_ASSIGN_OR_RETURN(index, Load(generation));
  index_.store(index, std::memory_order_release);
  return index;
}

Result<bool> Authorizer::Check(const domain::Caller& caller, std::string_view action,
                               const ResourceId& scope) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Index> index, Current());
  const std::string target = scope.Key();
  return index->Any(caller, [&](const Index::Grant& g) {
    return KeyContains(g.scope_key, target) && domain::Allows(*g.role, action);
  });
}

Result<bool> Authorizer::HoldsRoleWithin(const domain::Caller& caller, const ResourceId& scope) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Index> index, Current());
  const std::string outer = scope.Key();
  return index->Any(caller,
                    [&](const Index::Grant& g) { return KeyContains(outer, g.scope_key); });
}

}  // namespace gallery::access
