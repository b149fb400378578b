// `gallery sig create|show|list|update|delete`: galleries (Microsoft.Compute/galleries).

#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct SigOptions {
  std::string group;
  std::string gallery;
  std::string location;
  std::string description;
  std::vector<std::string> tags;
  bool no_wait = false;
  CommonOptions common;
  CLI::Option* description_opt = nullptr;
  CLI::Option* tags_opt = nullptr;
};

Status Create(CommandContext& ctx, const SigOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json tags, ParseTags(o.tags));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(std::string location, ResolveLocation(s, o.group, o.location));
  json body = {{"location", location}, {"tags", tags}};
  if (o.description_opt->count() > 0) {
    body["properties"] = {{"description", o.description}};
  }
  GALLERY_ASSIGN_OR_RETURN(json gallery, s.arm->Put(GalleryPath(s.subscription, o.group, o.gallery),
                                                    api::kGalleries, body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, gallery, GalleryColumns());
}

Status Show(CommandContext& ctx, const SigOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(
      json gallery, s.arm->Get(GalleryPath(s.subscription, o.group, o.gallery), api::kGalleries));
  return ctx.Print(o.common, gallery, GalleryColumns());
}

Status List(CommandContext& ctx, const SigOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  std::string scope = o.group.empty() ? ComputeSubscriptionPath(s.subscription)
                                      : ComputeGroupPath(s.subscription, o.group);
  GALLERY_ASSIGN_OR_RETURN(json galleries, s.arm->List(scope + "/galleries", api::kGalleries));
  return ctx.Print(o.common, galleries, GalleryColumns());
}

Status Update(CommandContext& ctx, const SigOptions& o) {
  if (o.description_opt->count() == 0 && o.tags_opt->count() == 0) {
    return UsageError("sig update needs at least one of --description, --tags");
  }
  GALLERY_ASSIGN_OR_RETURN(json tags, ParseTags(o.tags));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  json body = json::object();
  if (o.description_opt->count() > 0) {
    body["properties"] = {{"description", o.description}};
  }
  if (o.tags_opt->count() > 0) {
    body["tags"] = std::move(tags);
  }
  GALLERY_ASSIGN_OR_RETURN(
      json gallery, s.arm->Patch(GalleryPath(s.subscription, o.group, o.gallery), api::kGalleries,
                                 body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, gallery, GalleryColumns());
}

Status Delete(CommandContext& ctx, const SigOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return s.arm
      ->Delete(GalleryPath(s.subscription, o.group, o.gallery), api::kGalleries, ctx.Lro(o.no_wait))
      .status();
}

// Adds -g and -r (required) and the common options.
void AddGalleryArgs(CLI::App* cmd, SigOptions* o) {
  cmd->add_option("-g,--resource-group", o->group, "Resource group name")->required();
  cmd->add_option("-r,--gallery-name", o->gallery, "Gallery name")->required();
  AddCommonOptions(cmd, &o->common);
}

}  // namespace

void RegisterSigCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* sig = root.add_subcommand("sig", "Galleries, image definitions and image versions");
  sig->require_subcommand(1);

  auto create_opts = std::make_shared<SigOptions>();
  CLI::App* create = sig->add_subcommand("create", "Create a gallery");
  AddGalleryArgs(create, create_opts.get());
  create->add_option("-l,--location", create_opts->location,
                     "Location (default: the resource group's)");
  create_opts->description_opt =
      create->add_option("--description", create_opts->description, "Description");
  create_opts->tags_opt = create->add_option("--tags", create_opts->tags, "Tags: key=value ...");
  create->add_flag("--no-wait", create_opts->no_wait, "Do not wait for the operation to finish");
  OnRun(create, ctx, [&ctx, create_opts] { return Create(ctx, *create_opts); });

  auto show_opts = std::make_shared<SigOptions>();
  CLI::App* show = sig->add_subcommand("show", "Show a gallery");
  AddGalleryArgs(show, show_opts.get());
  OnRun(show, ctx, [&ctx, show_opts] { return Show(ctx, *show_opts); });

  auto list_opts = std::make_shared<SigOptions>();
  CLI::App* list =
      sig->add_subcommand("list", "List galleries of a resource group or subscription");
  list->add_option("-g,--resource-group", list_opts->group, "Resource group name");
  AddCommonOptions(list, &list_opts->common);
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });

  auto update_opts = std::make_shared<SigOptions>();
  CLI::App* update = sig->add_subcommand("update", "Update a gallery's description or tags");
  AddGalleryArgs(update, update_opts.get());
  update_opts->description_opt =
      update->add_option("--description", update_opts->description, "Description");
  update_opts->tags_opt = update->add_option("--tags", update_opts->tags, "Tags: key=value ...");
  update->add_flag("--no-wait", update_opts->no_wait, "Do not wait for the operation to finish");
  OnRun(update, ctx, [&ctx, update_opts] { return Update(ctx, *update_opts); });

  auto delete_opts = std::make_shared<SigOptions>();
  CLI::App* del = sig->add_subcommand("delete", "Delete a gallery");
  AddGalleryArgs(del, delete_opts.get());
  del->add_flag("--no-wait", delete_opts->no_wait, "Do not wait for the deletion to finish");
  OnRun(del, ctx, [&ctx, delete_opts] { return Delete(ctx, *delete_opts); });

  RegisterImageDefinitionCommands(*sig, ctx);
  RegisterImageVersionCommands(*sig, ctx);
}

}  // namespace gallery::cli
