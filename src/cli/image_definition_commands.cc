// `gallery sig image-definition create|show|list|update|delete|show-latest`: gallery image
// definitions (Microsoft.Compute/galleries/images).

#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct DefinitionOptions {
  std::string group;
  std::string gallery;
  std::string definition;
  std::string location;
  std::string publisher;
  std::string offer;
  std::string sku;
  std::string os_type;
  std::string os_state = "Generalized";
  std::string hyper_v_generation = "V1";
  std::string description;
  std::string end_of_life_date;
  int32_t min_cpu = 0;
  int32_t max_cpu = 0;
  int32_t min_memory = 0;
  int32_t max_memory = 0;
  std::vector<std::string> tags;
  bool no_wait = false;
  CommonOptions common;

  CLI::Option* description_opt = nullptr;
  CLI::Option* end_of_life_opt = nullptr;
  CLI::Option* min_cpu_opt = nullptr;
  CLI::Option* max_cpu_opt = nullptr;
  CLI::Option* min_memory_opt = nullptr;
  CLI::Option* max_memory_opt = nullptr;
};

std::string Path(const Session& s, const DefinitionOptions& o) {
  return DefinitionPath(s.subscription, o.group, o.gallery, o.definition);
}

// {"min":..,"max":..} with the given bounds; null when neither is given.
json Range(const CLI::Option* min_opt, int32_t min, const CLI::Option* max_opt, int32_t max) {
  json range = json::object();
  if (min_opt->count() > 0) {
    range["min"] = min;
  }
  if (max_opt->count() > 0) {
    range["max"] = max;
  }
  return range.empty() ? json() : range;
}

// The updatable properties given on the command line: description, endOfLifeDate, recommended.
Result<json> UpdatableProperties(const DefinitionOptions& o) {
  json props = json::object();
  if (o.description_opt->count() > 0) {
    props["description"] = o.description;
  }
  if (o.end_of_life_opt->count() > 0) {
    GALLERY_RETURN_IF_ERROR(ValidateDateTime(o.end_of_life_date, "--end-of-life-date"));
    props["endOfLifeDate"] = o.end_of_life_date;
  }
  json recommended = json::object();
  json cpus = Range(o.min_cpu_opt, o.min_cpu, o.max_cpu_opt, o.max_cpu);
  if (!cpus.is_null()) {
    recommended["vCPUs"] = std::move(cpus);
  }
  json memory = Range(o.min_memory_opt, o.min_memory, o.max_memory_opt, o.max_memory);
  if (!memory.is_null()) {
    recommended["memory"] = std::move(memory);
  }
  if (!recommended.empty()) {
    props["recommended"] = std::move(recommended);
  }
  return props;
}

Status Create(CommandContext& ctx, const DefinitionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json tags, ParseTags(o.tags));
  GALLERY_ASSIGN_OR_RETURN(json props, UpdatableProperties(o));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(std::string location, ResolveLocation(s, o.group, o.location));
  props["osType"] = o.os_type;
  props["osState"] = o.os_state;
  props["hyperVGeneration"] = o.hyper_v_generation;
  props["identifier"] = {{"publisher", o.publisher}, {"offer", o.offer}, {"sku", o.sku}};
  json body = {{"location", location}, {"tags", tags}, {"properties", props}};
  GALLERY_ASSIGN_OR_RETURN(
      json definition, s.arm->Put(Path(s, o), api::kImageDefinitions, body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, definition, DefinitionColumns());
}

Status Show(CommandContext& ctx, const DefinitionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json definition, s.arm->Get(Path(s, o), api::kImageDefinitions));
  return ctx.Print(o.common, definition, DefinitionColumns());
}

Status List(CommandContext& ctx, const DefinitionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json definitions,
                           s.arm->List(GalleryPath(s.subscription, o.group, o.gallery) + "/images",
                                       api::kImageDefinitions));
  return ctx.Print(o.common, definitions, DefinitionColumns());
}

Status Update(CommandContext& ctx, const DefinitionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json props, UpdatableProperties(o));
  if (props.empty()) {
    return UsageError(
        "sig image-definition update needs at least one of --description, --end-of-life-date, "
        "--minimum-cpu-core, --maximum-cpu-core, --minimum-memory, --maximum-memory");
  }
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  json body = {{"properties", props}};
  GALLERY_ASSIGN_OR_RETURN(
      json definition, s.arm->Patch(Path(s, o), api::kImageDefinitions, body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, definition, DefinitionColumns());
}

Status Delete(CommandContext& ctx, const DefinitionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return s.arm->Delete(Path(s, o), api::kImageDefinitions, ctx.Lro(o.no_wait)).status();
}

Status ShowLatest(CommandContext& ctx, const DefinitionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  QueryParams query;
  if (!o.location.empty()) {
    query.emplace_back("location", o.location);
  }
  GALLERY_ASSIGN_OR_RETURN(json version,
                           s.arm->Get(Path(s, o) + "/versions/latest", api::kImageVersions, query));
  return ctx.Print(o.common, version, VersionColumns());
}

void AddDefinitionArgs(CLI::App* cmd, DefinitionOptions* o) {
  cmd->add_option("-g,--resource-group", o->group, "Resource group name")->required();
  cmd->add_option("-r,--gallery-name", o->gallery, "Gallery name")->required();
  cmd->add_option("-i,--gallery-image-definition", o->definition, "Image definition name")
      ->required();
  AddCommonOptions(cmd, &o->common);
}

void AddUpdatableArgs(CLI::App* cmd, DefinitionOptions* o) {
  o->description_opt = cmd->add_option("--description", o->description, "Description");
  o->end_of_life_opt = cmd->add_option("--end-of-life-date", o->end_of_life_date,
                                       "End of life date, e.g. 2030-12-31");
  const auto positive = CLI::Range(1, std::numeric_limits<int32_t>::max());
  o->min_cpu_opt = cmd->add_option("--minimum-cpu-core", o->min_cpu, "Recommended minimum vCPUs")
                       ->check(positive);
  o->max_cpu_opt = cmd->add_option("--maximum-cpu-core", o->max_cpu, "Recommended maximum vCPUs")
                       ->check(positive);
  o->min_memory_opt =
      cmd->add_option("--minimum-memory", o->min_memory, "Recommended minimum memory (GB)")
          ->check(positive);
  o->max_memory_opt =
      cmd->add_option("--maximum-memory", o->max_memory, "Recommended maximum memory (GB)")
          ->check(positive);
  cmd->add_flag("--no-wait", o->no_wait, "Do not wait for the operation to finish");
}

}  // namespace

void RegisterImageDefinitionCommands(CLI::App& sig, CommandContext& ctx) {
  CLI::App* defs = sig.add_subcommand("image-definition", "Gallery image definitions");
  defs->require_subcommand(1);

  auto create_opts = std::make_shared<DefinitionOptions>();
  CLI::App* create = defs->add_subcommand("create", "Create an image definition");
  AddDefinitionArgs(create, create_opts.get());
  AddUpdatableArgs(create, create_opts.get());
  create->add_option("--publisher", create_opts->publisher, "Publisher")->required();
  create->add_option("--offer", create_opts->offer, "Offer")->required();
  create->add_option("--sku", create_opts->sku, "SKU")->required();
  create->add_option("--os-type", create_opts->os_type, "Linux or Windows")
      ->required()
      ->transform(CLI::IsMember({"Linux", "Windows"}, CLI::ignore_case));
  create->add_option("--os-state", create_opts->os_state, "Generalized or Specialized")
      ->transform(CLI::IsMember({"Generalized", "Specialized"}, CLI::ignore_case))
      ->capture_default_str();
  create->add_option("--hyper-v-generation", create_opts->hyper_v_generation, "V1 or V2")
      ->transform(CLI::IsMember({"V1", "V2"}, CLI::ignore_case))
      ->capture_default_str();
  create->add_option("-l,--location", create_opts->location,
                     "Location (default: the resource group's)");
  create->add_option("--tags", create_opts->tags, "Tags: key=value ...");
  OnRun(create, ctx, [&ctx, create_opts] { return Create(ctx, *create_opts); });

  auto show_opts = std::make_shared<DefinitionOptions>();
  CLI::App* show = defs->add_subcommand("show", "Show an image definition");
  AddDefinitionArgs(show, show_opts.get());
  OnRun(show, ctx, [&ctx, show_opts] { return Show(ctx, *show_opts); });

  auto list_opts = std::make_shared<DefinitionOptions>();
  CLI::App* list = defs->add_subcommand("list", "List the image definitions of a gallery");
  list->add_option("-g,--resource-group", list_opts->group, "Resource group name")->required();
  list->add_option("-r,--gallery-name", list_opts->gallery, "Gallery name")->required();
  AddCommonOptions(list, &list_opts->common);
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });

  auto update_opts = std::make_shared<DefinitionOptions>();
  CLI::App* update = defs->add_subcommand(
      "update", "Update description, end-of-life date or recommended CPU/memory");
  AddDefinitionArgs(update, update_opts.get());
  AddUpdatableArgs(update, update_opts.get());
  OnRun(update, ctx, [&ctx, update_opts] { return Update(ctx, *update_opts); });

  auto delete_opts = std::make_shared<DefinitionOptions>();
  CLI::App* del = defs->add_subcommand("delete", "Delete an image definition");
  AddDefinitionArgs(del, delete_opts.get());
  del->add_flag("--no-wait", delete_opts->no_wait, "Do not wait for the deletion to finish");
  OnRun(del, ctx, [&ctx, delete_opts] { return Delete(ctx, *delete_opts); });

  auto latest_opts = std::make_shared<DefinitionOptions>();
  CLI::App* latest = defs->add_subcommand(
      "show-latest", "Show the highest version that is not excluded from latest");
  AddDefinitionArgs(latest, latest_opts.get());
  latest->add_option("-l,--location", latest_opts->location,
                     "Only versions available in this location");
  OnRun(latest, ctx, [&ctx, latest_opts] { return ShowLatest(ctx, *latest_opts); });
}

}  // namespace gallery::cli
