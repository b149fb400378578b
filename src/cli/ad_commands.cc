// `gallery ad user|sp|group ...`: the directory (users, service principals, groups and their
// members) through the server's Microsoft Graph endpoint.

#include "cli/args.h"
#include "cli/context.h"
#include "client/url.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

std::vector<Column> UserColumns() {
  return {FieldColumn("DisplayName", "displayName"),
          FieldColumn("UserPrincipalName", "userPrincipalName"), FieldColumn("Id", "id")};
}
std::vector<Column> ServicePrincipalColumns() {
  return {FieldColumn("DisplayName", "displayName"), FieldColumn("AppId", "appId"),
          FieldColumn("Id", "id")};
}
std::vector<Column> GroupColumns() {
  return {FieldColumn("DisplayName", "displayName"), FieldColumn("Id", "id")};
}
std::vector<Column> MemberColumns() {
  // "@odata.type" has a dot in its name, so it is no dotted path.
  Column type{"Type", [](const json& j) {
                const auto it = j.find("@odata.type");
                return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
              }};
  return {FieldColumn("DisplayName", "displayName"), std::move(type), FieldColumn("Id", "id")};
}

// The `value` array of a Graph list.
Result<json> Values(const json& list) {
  if (!list.is_object() || !list.contains("value") || !list["value"].is_array()) {
    return Status::Internal("the directory answered a list without a 'value' array");
  }
  return list["value"];
}

struct UserOptions {
  std::string upn;
  std::string display_name;
  std::string password;
  CommonOptions common;
};

Status UserCreate(CommandContext& ctx, const UserOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(GraphClient * graph, ctx.ConnectGraph());
  json body = {
      {"accountEnabled", true},
      {"displayName", o.display_name.empty() ? o.upn : o.display_name},
      {"mailNickname", o.upn.substr(0, o.upn.find('@'))},
      {"userPrincipalName", o.upn},
      {"passwordProfile", {{"forceChangePasswordNextSignIn", false}, {"password", o.password}}}};
  GALLERY_ASSIGN_OR_RETURN(json user, graph->Post("/v1.0/users", body));
  return ctx.Print(o.common, user, UserColumns());
}

// GET `path` and print its values.
Status ListObjects(CommandContext& ctx, const std::string& path, const CommonOptions& o,
                   const std::vector<Column>& columns) {
  GALLERY_ASSIGN_OR_RETURN(GraphClient * graph, ctx.ConnectGraph());
  GALLERY_ASSIGN_OR_RETURN(json list, graph->Get(path));
  GALLERY_ASSIGN_OR_RETURN(json values, Values(list));
  return ctx.Print(o, values, columns);
}

struct NameOptions {
  std::string name;
  CommonOptions common;
};

// `gallery ad sp create`: the service principal, then its client secret, printed once in the
// shape of `az ad sp create-for-rbac`.
Status ServicePrincipalCreate(CommandContext& ctx, const NameOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(GraphClient * graph, ctx.ConnectGraph());
  GALLERY_ASSIGN_OR_RETURN(json sp,
                           graph->Post("/v1.0/servicePrincipals", {{"displayName", o.name}}));
  if (!sp.is_object() || !sp.value("id", json()).is_string()) {
    return Status::Internal("the directory answered a new service principal without an id");
  }
  const std::string id = sp["id"].get<std::string>();
  GALLERY_ASSIGN_OR_RETURN(
      json credential, graph->Post("/v1.0/servicePrincipals/" + PercentEncode(id) + "/addPassword",
                                   {{"passwordCredential", {{"displayName", "gallery"}}}}));
  json out = {{"appId", sp.value("appId", "")},
              {"objectId", id},
              {"displayName", sp.value("displayName", o.name)},
              {"password", credential.value("secretText", "")},
              {"tenant", ctx.profile().tenant_id}};
  return ctx.Print(o.common, out,
                   {FieldColumn("AppId", "appId"), FieldColumn("ObjectId", "objectId"),
                    FieldColumn("DisplayName", "displayName"), FieldColumn("Password", "password"),
                    FieldColumn("Tenant", "tenant")});
}

Status GroupCreate(CommandContext& ctx, const NameOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(GraphClient * graph, ctx.ConnectGraph());
  GALLERY_ASSIGN_OR_RETURN(json group, graph->Post("/v1.0/groups", {{"displayName", o.name},
                                                                    {"mailNickname", o.name},
                                                                    {"securityEnabled", true},
                                                                    {"mailEnabled", false}}));
  return ctx.Print(o.common, group, GroupColumns());
}

struct MemberOptions {
  std::string group;
  std::string member_id;
  CommonOptions common;
};

std::string MembersPath(const std::string& group) {
  return "/v1.0/groups/" + PercentEncode(group) + "/members";
}

Status MemberAdd(CommandContext& ctx, const MemberOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(GraphClient * graph, ctx.ConnectGraph());
  return graph
      ->Post(MembersPath(o.group) + "/$ref",
             {{"@odata.id", "https://graph.microsoft.com/v1.0/directoryObjects/" + o.member_id}})
      .status();
}

Status MemberRemove(CommandContext& ctx, const MemberOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(GraphClient * graph, ctx.ConnectGraph());
  return graph->Delete(MembersPath(o.group) + "/" + PercentEncode(o.member_id) + "/$ref").status();
}

// Adds `list` (GET `path`) under `parent`.
void AddList(CLI::App* parent, CommandContext& ctx, const char* help, std::string path,
             std::vector<Column> columns) {
  auto opts = std::make_shared<CommonOptions>();
  CLI::App* list = parent->add_subcommand("list", help);
  AddOutputOption(list, opts.get());
  OnRun(list, ctx, [&ctx, opts, path = std::move(path), columns = std::move(columns)] {
    return ListObjects(ctx, path, *opts, columns);
  });
}

}  // namespace

void RegisterAdCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* ad = root.add_subcommand(
      "ad",
      "The directory: users, service principals and groups (writes need a directory "
      "administrator)");
  ad->require_subcommand(1);

  CLI::App* user = ad->add_subcommand("user", "Users");
  user->require_subcommand(1);
  auto uo = std::make_shared<UserOptions>();
  CLI::App* user_create = user->add_subcommand("create", "Create a user");
  user_create->add_option("--upn,--user-principal-name", uo->upn, "alice@contoso.example")
      ->required();
  user_create->add_option("--display-name", uo->display_name, "Display name (default: the UPN)");
  user_create->add_option("--password", uo->password, "Password, 8 to 256 characters")->required();
  AddOutputOption(user_create, &uo->common);
  OnRun(user_create, ctx, [&ctx, uo] { return UserCreate(ctx, *uo); });
  AddList(user, ctx, "List the users of the tenant", "/v1.0/users", UserColumns());

  CLI::App* sp = ad->add_subcommand("sp", "Service principals");
  sp->require_subcommand(1);
  auto so = std::make_shared<NameOptions>();
  CLI::App* sp_create = sp->add_subcommand(
      "create", "Create a service principal; prints its appId, objectId and secret (once)");
  sp_create->add_option("-n,--name,--display-name", so->name, "Display name")->required();
  AddOutputOption(sp_create, &so->common);
  OnRun(sp_create, ctx, [&ctx, so] { return ServicePrincipalCreate(ctx, *so); });
  AddList(sp, ctx, "List the service principals of the tenant", "/v1.0/servicePrincipals",
          ServicePrincipalColumns());

  CLI::App* group = ad->add_subcommand("group", "Groups and their members");
  group->require_subcommand(1);
  auto go = std::make_shared<NameOptions>();
  CLI::App* group_create = group->add_subcommand("create", "Create a security group");
  group_create->add_option("-n,--name,--display-name", go->name, "Display name")->required();
  AddOutputOption(group_create, &go->common);
  OnRun(group_create, ctx, [&ctx, go] { return GroupCreate(ctx, *go); });
  AddList(group, ctx, "List the groups of the tenant", "/v1.0/groups", GroupColumns());

  CLI::App* member = group->add_subcommand("member", "Members of a group");
  member->require_subcommand(1);
  auto mo = std::make_shared<MemberOptions>();
  CLI::App* add = member->add_subcommand("add", "Add a user, service principal or group");
  CLI::App* remove = member->add_subcommand("remove", "Remove a direct member");
  for (CLI::App* cmd : {add, remove}) {
    cmd->add_option("-g,--group", mo->group, "Group object id")->required();
    cmd->add_option("--member-id", mo->member_id, "Member object id")->required();
  }
  OnRun(add, ctx, [&ctx, mo] { return MemberAdd(ctx, *mo); });
  OnRun(remove, ctx, [&ctx, mo] { return MemberRemove(ctx, *mo); });
  auto lo = std::make_shared<MemberOptions>();
  CLI::App* list = member->add_subcommand("list", "List the direct members of a group");
  list->add_option("-g,--group", lo->group, "Group object id")->required();
  AddOutputOption(list, &lo->common);
  OnRun(list, ctx, [&ctx, lo] {
    return ListObjects(ctx, MembersPath(lo->group), lo->common, MemberColumns());
  });
}

}  // namespace gallery::cli
