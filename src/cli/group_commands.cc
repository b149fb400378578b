// `gallery group create|show|list|delete`: resource groups (Microsoft.Resources).

#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct GroupOptions {
  std::string name;
  std::string location;
  std::vector<std::string> tags;
  bool no_wait = false;
  bool yes = false;  // accepted and ignored: gallery never prompts
  CommonOptions common;
};

Status Create(CommandContext& ctx, const GroupOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json tags, ParseTags(o.tags));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  json body = {{"location", o.location}};
  if (!o.tags.empty()) {
    body["tags"] = std::move(tags);
  }
  GALLERY_ASSIGN_OR_RETURN(json group, s.arm->Put(GroupPath(s.subscription, o.name),
                                                  api::kResourceGroups, body, ctx.Lro(false)));
  return ctx.Print(o.common, group, ResourceGroupColumns());
}

Status Show(CommandContext& ctx, const GroupOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json group,
                           s.arm->Get(GroupPath(s.subscription, o.name), api::kResourceGroups));
  return ctx.Print(o.common, group, ResourceGroupColumns());
}

Status List(CommandContext& ctx, const GroupOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(
      json groups,
      s.arm->List(SubscriptionPath(s.subscription) + "/resourceGroups", api::kResourceGroups));
  return ctx.Print(o.common, groups, ResourceGroupColumns());
}

Status Delete(CommandContext& ctx, const GroupOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return s.arm->Delete(GroupPath(s.subscription, o.name), api::kResourceGroups, ctx.Lro(o.no_wait))
      .status();
}

}  // namespace

void RegisterGroupCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* group = root.add_subcommand("group", "Resource groups");
  group->require_subcommand(1);

  auto create_opts = std::make_shared<GroupOptions>();
  CLI::App* create = group->add_subcommand("create", "Create or update a resource group");
  create->add_option("-n,--name,-g,--resource-group", create_opts->name, "Resource group name")
      ->required();
  create->add_option("-l,--location", create_opts->location, "Location, e.g. westus")->required();
  create->add_option("--tags", create_opts->tags, "Tags: key=value ...");
  AddCommonOptions(create, &create_opts->common);
  OnRun(create, ctx, [&ctx, create_opts] { return Create(ctx, *create_opts); });

  auto show_opts = std::make_shared<GroupOptions>();
  CLI::App* show = group->add_subcommand("show", "Show a resource group");
  show->add_option("-n,--name,-g,--resource-group", show_opts->name, "Resource group name")
      ->required();
  AddCommonOptions(show, &show_opts->common);
  OnRun(show, ctx, [&ctx, show_opts] { return Show(ctx, *show_opts); });

  auto list_opts = std::make_shared<GroupOptions>();
  CLI::App* list = group->add_subcommand("list", "List the resource groups of the subscription");
  AddCommonOptions(list, &list_opts->common);
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });

  auto delete_opts = std::make_shared<GroupOptions>();
  CLI::App* del = group->add_subcommand("delete", "Delete a resource group");
  del->add_option("-n,--name,-g,--resource-group", delete_opts->name, "Resource group name")
      ->required();
  del->add_flag("--no-wait", delete_opts->no_wait, "Do not wait for the deletion to finish");
  del->add_flag("-y,--yes", delete_opts->yes,
                "Do not prompt for confirmation (accepted for az compatibility)");
  AddCommonOptions(del, &delete_opts->common);
  OnRun(del, ctx, [&ctx, delete_opts] { return Delete(ctx, *delete_opts); });
}

}  // namespace gallery::cli
