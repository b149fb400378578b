#include "service/directory_service.h"

#include "access/secret_hash.h"
#include "common/log.h"
#include "common/resource_id.h"

namespace gallery::service {

namespace {

using domain::Principal;
using domain::PrincipalKind;
using metadata::TxMode;

constexpr size_t kMaxNameLength = 256;
constexpr size_t kMinPasswordLength = 8;
constexpr size_t kMaxPasswordLength = 256;
constexpr size_t kSecretBytes = 30;  // 40 base64url characters
constexpr size_t kMaxAliasLength = 64;
constexpr char kAliasSettingPrefix[] = "subscription-alias:";

const char* KindNoun(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kServicePrincipal:
      return "service principal";
    case PrincipalKind::kGroup:
      return "group";
  }
  return "object";
}

Status ObjectNotFound(const std::string& object_id, PrincipalKind kind) {
  return Status::NotFound(std::string("Resource '") + object_id + "' does not exist or one of " +
                          "its queried reference-property objects are not present (no " +
                          KindNoun(kind) + " with this id in your tenant).");
}

Status CheckName(const std::string& value, const char* field) {
  if (value.empty() || value.size() > kMaxNameLength) {
    return Status::InvalidArgument(std::string("Invalid value specified for property '") + field +
                                       "': it must have 1 to " + std::to_string(kMaxNameLength) +
                                       " characters.",
                                   field);
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Status::InvalidArgument(std::string("Invalid value specified for property '") + field +
                                         "': control characters are not allowed.",
                                     field);
    }
  }
  return Status::Ok();
}

// "local@domain": one '@' with text on both sides, no spaces.
Status CheckUpn(const std::string& upn) {
  GALLERY_RETURN_IF_ERROR(CheckName(upn, "userPrincipalName"));
  const size_t at = upn.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == upn.size() ||
      upn.find('@', at + 1) != std::string::npos || upn.find(' ') != std::string::npos) {
    return Status::InvalidArgument(
        "Invalid value specified for property 'userPrincipalName' of "
        "resource 'User': '" +
            upn + "' is not of the form name@domain.",
        "userPrincipalName");
  }
  return Status::Ok();
}

Status CheckPassword(const std::string& password) {
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return Status::InvalidArgument(
        "The specified password does not comply with password "
        "complexity requirements: it must have " +
            std::to_string(kMinPasswordLength) + " to " + std::to_string(kMaxPasswordLength) +
            " characters.",
        "passwordProfile.password");
  }
  return Status::Ok();
}

std::string AliasKey(const std::string& tenant, const std::string& alias) {
  return kAliasSettingPrefix + ToLower(tenant) + ":" + ToLower(alias);
}

}  // namespace

DirectoryService::DirectoryService(metadata::MetadataStore& store, const Clock& clock,
                                   Random& random, DirectoryHooks hooks)
    : store_(store), clock_(clock), random_(random), hooks_(std::move(hooks)) {}

Status DirectoryService::CheckAdmin(metadata::Transaction& tx, const RequestContext& ctx) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<Principal> me, tx.GetPrincipal(ctx.caller.object_id));
  if (me.has_value() && me->directory_admin &&
      EqualsIgnoreCase(me->tenant_id, ctx.caller.tenant_id)) {
    return Status::Ok();
  }
  return Status::PermissionDenied(
      "Insufficient privileges to complete the operation: '" + ctx.caller.display_name +
      "' (object id '" + ctx.caller.object_id + "') is not a directory administrator of tenant '" +
      ctx.caller.tenant_id + "'.");
}

Status DirectoryService::CheckDirectoryAdmin(const RequestContext& ctx) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  return CheckAdmin(*tx, ctx);
}

Principal DirectoryService::NewPrincipal(const RequestContext& ctx, PrincipalKind kind,
                                         const std::string& display_name) {
  Principal p;
  p.object_id = NewUuid(random_);
  p.tenant_id = ctx.caller.tenant_id;
  p.kind = kind;
  p.display_name = display_name;
  p.created_at = clock_.Now();
  return p;
}

Result<Principal> DirectoryService::WritePrincipal(const RequestContext& ctx, Principal p) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAdmin(*tx, ctx));
  if (p.kind == PrincipalKind::kUser) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<Principal> existing,
                             tx->FindUserByUpn(p.user_principal_name));
    if (existing.has_value()) {
      return Status::AlreadyExists(
          "Another object with the same value for property "
          "userPrincipalName already exists: '" +
              p.user_principal_name + "'.",
          "userPrincipalName");
    }
  }
  GALLERY_RETURN_IF_ERROR(tx->PutPrincipal(p));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("directory: {} '{}' ({}) created by {}", KindNoun(p.kind), p.display_name, p.object_id,
            ctx.caller.object_id);
  return p;
}

Result<Principal> DirectoryService::CreateUser(const RequestContext& ctx, const NewUser& user) {
  GALLERY_RETURN_IF_ERROR(CheckUpn(user.user_principal_name));
  const std::string display =
      user.display_name.empty() ? user.user_principal_name : user.display_name;
  GALLERY_RETURN_IF_ERROR(CheckName(display, "displayName"));
  GALLERY_RETURN_IF_ERROR(CheckPassword(user.password));
  Principal p = NewPrincipal(ctx, PrincipalKind::kUser, display);
  p.user_principal_name = user.user_principal_name;
  p.secret_hash = access::HashSecret(user.password, random_);
  return WritePrincipal(ctx, std::move(p));
}

Result<CreatedServicePrincipal> DirectoryService::CreateServicePrincipal(
    const RequestContext& ctx, const std::string& display_name) {
  GALLERY_RETURN_IF_ERROR(CheckName(display_name, "displayName"));
  CreatedServicePrincipal out;
  out.secret = NewClientSecret(random_, kSecretBytes);
  Principal p = NewPrincipal(ctx, PrincipalKind::kServicePrincipal, display_name);
  p.app_id = NewUuid(random_);
  p.secret_hash = access::HashSecret(out.secret, random_);
  GALLERY_ASSIGN_OR_RETURN(out.principal, WritePrincipal(ctx, std::move(p)));
  return out;
}

Result<std::string> DirectoryService::AddPassword(const RequestContext& ctx,
                                                  const std::string& object_id) {
  const std::string secret = NewClientSecret(random_, kSecretBytes);
  const std::string hash = access::HashSecret(secret, random_);
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAdmin(*tx, ctx));
  GALLERY_ASSIGN_OR_RETURN(std::optional<Principal> sp, tx->GetPrincipal(object_id));
  if (!sp.has_value() || sp->kind != PrincipalKind::kServicePrincipal ||
      !EqualsIgnoreCase(sp->tenant_id, ctx.caller.tenant_id)) {
    return ObjectNotFound(object_id, PrincipalKind::kServicePrincipal);
  }
  sp->secret_hash = hash;
  GALLERY_RETURN_IF_ERROR(tx->PutPrincipal(*sp));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  return secret;
}

Result<Principal> DirectoryService::CreateGroup(const RequestContext& ctx,
                                                const std::string& display_name) {
  GALLERY_RETURN_IF_ERROR(CheckName(display_name, "displayName"));
  return WritePrincipal(ctx, NewPrincipal(ctx, PrincipalKind::kGroup, display_name));
}

namespace {

// The principal `object_id` of the caller's tenant and of kind `kind` (any kind when null).
// A user may also be named by its user principal name, as Graph allows.
Result<Principal> Lookup(metadata::Transaction& tx, const RequestContext& ctx,
                         const std::string& object_id, const PrincipalKind* kind) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<Principal> p, tx.GetPrincipal(object_id));
  if (!p.has_value() && kind != nullptr && *kind == PrincipalKind::kUser &&
      object_id.find('@') != std::string::npos) {
    GALLERY_ASSIGN_OR_RETURN(p, tx.FindUserByUpn(object_id));
  }
  if (!p.has_value() || !EqualsIgnoreCase(p->tenant_id, ctx.caller.tenant_id) ||
      (kind != nullptr && p->kind != *kind)) {
    return ObjectNotFound(object_id, kind != nullptr ? *kind : PrincipalKind::kUser);
  }
  return std::move(*p);
}

}  // namespace

Status DirectoryService::Delete(const RequestContext& ctx, const std::string& object_id,
                                PrincipalKind kind) {
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
    GALLERY_RETURN_IF_ERROR(CheckAdmin(*tx, ctx));
    GALLERY_ASSIGN_OR_RETURN(Principal p, Lookup(*tx, ctx, object_id, &kind));
    if (EqualsIgnoreCase(p.object_id, ctx.caller.object_id)) {
      return Status::InvalidArgument("A directory administrator cannot delete itself.");
    }
    GALLERY_RETURN_IF_ERROR(tx->DeletePrincipal(p.object_id));
    GALLERY_RETURN_IF_ERROR(tx->Commit());
  }
  GLOG_INFO("directory: {} {} deleted by {}", KindNoun(kind), object_id, ctx.caller.object_id);
  if (hooks_.principal_deleted) {
    hooks_.principal_deleted();
  }
  return Status::Ok();
}

Result<Principal> DirectoryService::Get(const RequestContext& ctx, const std::string& object_id,
                                        PrincipalKind kind) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  return Lookup(*tx, ctx, object_id, &kind);
}

Result<std::vector<Principal>> DirectoryService::List(const RequestContext& ctx,
                                                      PrincipalKind kind) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  return tx->ListPrincipals(ctx.caller.tenant_id, kind);
}

Result<Principal> DirectoryService::Me(const RequestContext& ctx) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  return Lookup(*tx, ctx, ctx.caller.object_id, nullptr);
}

Result<std::vector<Principal>> DirectoryService::GetByIds(const RequestContext& ctx,
                                                          const std::vector<std::string>& ids) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  std::vector<Principal> found;
  for (const std::string& id : ids) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<Principal> p, tx->GetPrincipal(id));
    if (p.has_value() && EqualsIgnoreCase(p->tenant_id, ctx.caller.tenant_id)) {
      found.push_back(std::move(*p));
    }
  }
  return found;
}

Status DirectoryService::AddMember(const RequestContext& ctx, const std::string& group_id,
                                   const std::string& member_id) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAdmin(*tx, ctx));
  const PrincipalKind group_kind = PrincipalKind::kGroup;
  GALLERY_ASSIGN_OR_RETURN(Principal group, Lookup(*tx, ctx, group_id, &group_kind));
  GALLERY_ASSIGN_OR_RETURN(Principal member, Lookup(*tx, ctx, member_id, nullptr));
  if (EqualsIgnoreCase(group.object_id, member.object_id)) {
    return Status::InvalidArgument("A group cannot be a member of itself.", "@odata.id");
  }
  GALLERY_RETURN_IF_ERROR(tx->AddGroupMember(group.object_id, member.object_id));
  return tx->Commit();
}

Status DirectoryService::RemoveMember(const RequestContext& ctx, const std::string& group_id,
                                      const std::string& member_id) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAdmin(*tx, ctx));
  const PrincipalKind group_kind = PrincipalKind::kGroup;
  GALLERY_ASSIGN_OR_RETURN(Principal group, Lookup(*tx, ctx, group_id, &group_kind));
  GALLERY_RETURN_IF_ERROR(tx->RemoveGroupMember(group.object_id, member_id));
  return tx->Commit();
}

Result<std::vector<Principal>> DirectoryService::ListMembers(const RequestContext& ctx,
                                                             const std::string& group_id) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  const PrincipalKind group_kind = PrincipalKind::kGroup;
  GALLERY_ASSIGN_OR_RETURN(Principal group, Lookup(*tx, ctx, group_id, &group_kind));
  GALLERY_ASSIGN_OR_RETURN(std::vector<std::string> ids, tx->ListGroupMembers(group.object_id));
  std::vector<Principal> members;
  for (const std::string& id : ids) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<Principal> p, tx->GetPrincipal(id));
    if (p.has_value()) {
      members.push_back(std::move(*p));
    }
  }
  return members;
}

Result<CreatedSubscription> DirectoryService::CreateSubscription(const RequestContext& ctx,
                                                                 const std::string& alias,
                                                                 const std::string& display_name) {
  if (alias.empty() || alias.size() > kMaxAliasLength) {
    return Status::InvalidArgument(
        "The alias name must have 1 to " + std::to_string(kMaxAliasLength) + " characters.",
        "name");
  }
  const std::string name = display_name.empty() ? alias : display_name;
  GALLERY_RETURN_IF_ERROR(CheckName(name, "properties.displayName"));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAdmin(*tx, ctx));
  const std::string key = AliasKey(ctx.caller.tenant_id, alias);
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> known, tx->GetSetting(key));
  if (known.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> existing,
                             tx->GetSubscription(*known));
    if (existing.has_value()) {
      return CreatedSubscription{std::move(*existing), false};
    }
  }
  domain::Subscription sub{NewUuid(random_), ctx.caller.tenant_id, name, "Enabled", clock_.Now()};
  GALLERY_RETURN_IF_ERROR(tx->PutSubscription(sub));
  GALLERY_RETURN_IF_ERROR(tx->PutSetting(key, sub.id));
  if (hooks_.subscription_created) {
    GALLERY_RETURN_IF_ERROR(hooks_.subscription_created(*tx, sub, ctx.caller));
  }
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("directory: subscription '{}' ({}) created by {}", sub.display_name, sub.id,
            ctx.caller.object_id);
  return CreatedSubscription{std::move(sub), true};
}

Result<domain::Subscription> DirectoryService::GetSubscriptionAlias(const RequestContext& ctx,
                                                                    const std::string& alias) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> known,
                           tx->GetSetting(AliasKey(ctx.caller.tenant_id, alias)));
  if (known.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> sub, tx->GetSubscription(*known));
    if (sub.has_value()) {
      return std::move(*sub);
    }
  }
  return Status::NotFound("The subscription alias '" + alias + "' was not found.")
      .WithReason("ResourceNotFound");
}

}  // namespace gallery::service
