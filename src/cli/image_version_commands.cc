// `gallery sig image-version create|show|list|update|delete|download|wait`: gallery image
// versions (Microsoft.Compute/galleries/images/versions), their data and their replication.

#include <limits>

#include "cli/access_transfer.h"
#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"
#include "cli/replication_wait.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

constexpr const char* kReplicationStatus = "ReplicationStatus";
constexpr int64_t kDefaultWaitTimeoutSeconds = 3600;
constexpr int64_t kDefaultWaitIntervalSeconds = 2;
constexpr int64_t kMaxWaitSeconds = int64_t{7} * 24 * 3600;

struct VersionOptions {
  std::string group;
  std::string gallery;
  std::string definition;
  std::string version;
  std::string location;
  std::string managed_image;
  std::vector<std::string> target_regions;
  int32_t replica_count = 0;
  bool exclude_from_latest_flag = false;  // create: a flag
  std::string exclude_from_latest;        // update: true|false
  std::string end_of_life_date;
  std::string expand;
  std::vector<std::string> tags;
  bool no_wait = false;
  std::string wait_region;     // wait: empty means every target region
  int64_t wait_timeout_s = 0;  // wait
  int64_t wait_interval_s = 0;
  CommonOptions common;
  DownloadArgs download;

  CLI::Option* target_regions_opt = nullptr;
  CLI::Option* replica_count_opt = nullptr;
  CLI::Option* exclude_opt = nullptr;
  CLI::Option* end_of_life_opt = nullptr;
};

std::string Path(const Session& s, const VersionOptions& o) {
  return VersionPath(s.subscription, o.group, o.gallery, o.definition, o.version);
}

// publishingProfile fields given on the command line, other than targetRegions.
Result<json> PublishingFields(const VersionOptions& o) {
  json profile = json::object();
  if (o.replica_count_opt->count() > 0) {
    profile["replicaCount"] = o.replica_count;
  }
  if (o.end_of_life_opt->count() > 0) {
    GALLERY_RETURN_IF_ERROR(ValidateDateTime(o.end_of_life_date, "--end-of-life-date"));
    profile["endOfLifeDate"] = o.end_of_life_date;
  }
  return profile;
}

// A bare managed image name means the image of that name in the version's resource group.
std::string ManagedImageId(const Session& s, const VersionOptions& o) {
  if (!o.managed_image.empty() && o.managed_image.front() == '/') {
    return o.managed_image;
  }
  return ManagedImagePath(s.subscription, o.group, o.managed_image);
}

Status Create(CommandContext& ctx, const VersionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json tags, ParseTags(o.tags));
  GALLERY_ASSIGN_OR_RETURN(json targets, ParseTargetRegions(o.target_regions));
  GALLERY_ASSIGN_OR_RETURN(json profile, PublishingFields(o));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(std::string location, ResolveLocation(s, o.group, o.location));
  if (targets.empty()) {
    targets.push_back({{"name", location}});
  }
  profile["targetRegions"] = std::move(targets);
  if (o.exclude_from_latest_flag) {
    profile["excludeFromLatest"] = true;
  }
  json body = {{"location", location},
               {"tags", tags},
               {"properties",
                {{"publishingProfile", profile},
                 {"storageProfile", {{"source", {{"id", ManagedImageId(s, o)}}}}}}}};
  GALLERY_ASSIGN_OR_RETURN(json version,
                           s.arm->Put(Path(s, o), api::kImageVersions, body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, version, VersionColumns());
}

QueryParams Expand(const std::string& expand) {
  return expand.empty() ? QueryParams{} : QueryParams{{"$expand", expand}};
}

Status Show(CommandContext& ctx, const VersionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json version,
                           s.arm->Get(Path(s, o), api::kImageVersions, Expand(o.expand)));
  return ctx.Print(o.common, version, VersionColumns());
}

// Polls the replication status with a live display on stderr; prints the version like show.
Status Wait(CommandContext& ctx, const VersionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  ReplicationWaitOptions wait;
  wait.version = o.version;
  wait.region = o.wait_region;
  wait.timeout = std::chrono::seconds(o.wait_timeout_s);
  wait.interval = std::chrono::seconds(o.wait_interval_s);
  ReplicationDisplay display(*ctx.env().err, ctx.env().stderr_is_tty);
  const std::string path = Path(s, o);
  GALLERY_ASSIGN_OR_RETURN(
      json version,
      WaitForReplication(
          [&] { return s.arm->Get(path, api::kImageVersions, Expand(kReplicationStatus)); }, wait,
          ctx.clock(), *ctx.env().sleeper, display));
  return ctx.Print(o.common, version, VersionColumns());
}

Status List(CommandContext& ctx, const VersionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(
      json versions,
      s.arm->List(DefinitionPath(s.subscription, o.group, o.gallery, o.definition) + "/versions",
                  api::kImageVersions));
  return ctx.Print(o.common, versions, VersionColumns());
}

Status Update(CommandContext& ctx, const VersionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json profile, PublishingFields(o));
  if (o.target_regions_opt->count() > 0) {
    GALLERY_ASSIGN_OR_RETURN(json targets, ParseTargetRegions(o.target_regions));
    profile["targetRegions"] = std::move(targets);
  }
  if (o.exclude_opt->count() > 0) {
    profile["excludeFromLatest"] = o.exclude_from_latest == "true";
  }
  if (profile.empty()) {
    return UsageError(
        "sig image-version update needs at least one of --target-regions, --replica-count, "
        "--exclude-from-latest, --end-of-life-date");
  }
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  json body = {{"properties", {{"publishingProfile", profile}}}};
  GALLERY_ASSIGN_OR_RETURN(json version,
                           s.arm->Patch(Path(s, o), api::kImageVersions, body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, version, VersionColumns());
}

Status Delete(CommandContext& ctx, const VersionOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return s.arm->Delete(Path(s, o), api::kImageVersions, ctx.Lro(o.no_wait)).status();
}

// Through a Read grant of the version (a Gallery extension of ARM).
Status Download(CommandContext& ctx, const VersionOptions& o) {
  return DownloadThroughGrant(ctx, o.download, [&o](const Session& s) {
    return AccessTarget{Path(s, o), api::kImageVersions, "image version '" + o.version + "'"};
  });
}

// -g, -r and -i (required).
void AddDefinitionNameArgs(CLI::App* cmd, VersionOptions* o) {
  cmd->add_option("-g,--resource-group", o->group, "Resource group name")->required();
  cmd->add_option("-r,--gallery-name", o->gallery, "Gallery name")->required();
  cmd->add_option("-i,--gallery-image-definition", o->definition, "Image definition name")
      ->required();
}

// -g, -r, -i and -e (required).
void AddVersionNameArgs(CLI::App* cmd, VersionOptions* o) {
  AddDefinitionNameArgs(cmd, o);
  cmd->add_option("-e,--gallery-image-version", o->version, "Version, Major.Minor.Patch")
      ->required();
}

void AddDefinitionArgs(CLI::App* cmd, VersionOptions* o) {
  AddDefinitionNameArgs(cmd, o);
  AddCommonOptions(cmd, &o->common);
}

void AddVersionArgs(CLI::App* cmd, VersionOptions* o) {
  AddVersionNameArgs(cmd, o);
  AddCommonOptions(cmd, &o->common);
}

void AddPublishingArgs(CLI::App* cmd, VersionOptions* o) {
  o->target_regions_opt =
      cmd->add_option("--target-regions", o->target_regions,
                      "Regions to replicate to: region[=replica count][=storage account type] ...");
  o->replica_count_opt =
      cmd->add_option("--replica-count", o->replica_count, "Default replica count per region")
          ->check(CLI::Range(1, std::numeric_limits<int32_t>::max()));
  o->end_of_life_opt = cmd->add_option("--end-of-life-date", o->end_of_life_date,
                                       "End of life date, e.g. 2030-12-31");
  cmd->add_flag("--no-wait", o->no_wait, "Do not wait for the operation to finish");
}

}  // namespace

void RegisterImageVersionCommands(CLI::App& sig, CommandContext& ctx) {
  CLI::App* versions = sig.add_subcommand("image-version", "Gallery image versions");
  versions->require_subcommand(1);

  auto create_opts = std::make_shared<VersionOptions>();
  CLI::App* create = versions->add_subcommand("create", "Publish an image version");
  AddVersionArgs(create, create_opts.get());
  AddPublishingArgs(create, create_opts.get());
  create
      ->add_option("--managed-image", create_opts->managed_image,
                   "Source managed image: a name in the same resource group, or an id")
      ->required();
  create_opts->exclude_opt =
      create->add_flag("--exclude-from-latest", create_opts->exclude_from_latest_flag,
                       "Never resolve 'latest' to this version");
  create->add_option("-l,--location", create_opts->location,
                     "Location (default: the resource group's)");
  create->add_option("--tags", create_opts->tags, "Tags: key=value ...");
  OnRun(create, ctx, [&ctx, create_opts] { return Create(ctx, *create_opts); });

  auto show_opts = std::make_shared<VersionOptions>();
  CLI::App* show = versions->add_subcommand("show", "Show an image version");
  AddVersionArgs(show, show_opts.get());
  show->add_option("--expand", show_opts->expand,
                   "ReplicationStatus: include per-region replication progress");
  OnRun(show, ctx, [&ctx, show_opts] { return Show(ctx, *show_opts); });

  auto wait_opts = std::make_shared<VersionOptions>();
  wait_opts->wait_timeout_s = kDefaultWaitTimeoutSeconds;
  wait_opts->wait_interval_s = kDefaultWaitIntervalSeconds;
  CLI::App* wait = versions->add_subcommand(
      "wait",
      "Wait until a region (or every target region) holds all its replicas, with live progress "
      "per region on stderr; prints the version");
  AddVersionArgs(wait, wait_opts.get());
  wait->add_option("--region", wait_opts->wait_region,
                   "The region to wait for, e.g. westus2 (default: every target region)");
  wait->add_option("--timeout", wait_opts->wait_timeout_s, "Give up after this many seconds")
      ->check(CLI::Range(int64_t{1}, kMaxWaitSeconds))
      ->capture_default_str();
  wait->add_option("--interval", wait_opts->wait_interval_s, "Seconds between two polls")
      ->check(CLI::Range(int64_t{1}, kMaxWaitSeconds))
      ->capture_default_str();
  OnRun(wait, ctx, [&ctx, wait_opts] { return Wait(ctx, *wait_opts); });

  auto list_opts = std::make_shared<VersionOptions>();
  CLI::App* list = versions->add_subcommand("list", "List the versions of an image definition");
  AddDefinitionArgs(list, list_opts.get());
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });

  auto update_opts = std::make_shared<VersionOptions>();
  CLI::App* update = versions->add_subcommand(
      "update", "Change target regions, replica counts, exclude-from-latest or end of life");
  AddVersionArgs(update, update_opts.get());
  AddPublishingArgs(update, update_opts.get());
  update_opts->exclude_opt =
      update->add_option("--exclude-from-latest", update_opts->exclude_from_latest, "true|false")
          ->transform(CLI::IsMember({"true", "false"}, CLI::ignore_case));
  OnRun(update, ctx, [&ctx, update_opts] { return Update(ctx, *update_opts); });

  auto delete_opts = std::make_shared<VersionOptions>();
  CLI::App* del = versions->add_subcommand("delete", "Delete an image version");
  AddVersionArgs(del, delete_opts.get());
  del->add_flag("--no-wait", delete_opts->no_wait, "Do not wait for the deletion to finish");
  OnRun(del, ctx, [&ctx, delete_opts] { return Delete(ctx, *delete_opts); });

  auto download_opts = std::make_shared<VersionOptions>();
  CLI::App* download = versions->add_subcommand(
      "download", "Download a version's OS disk (or data disk --lun) into a local file");
  AddVersionNameArgs(download, download_opts.get());
  AddDownloadArgs(download, &download_opts->download, /*with_lun=*/true);
  OnRun(download, ctx, [&ctx, download_opts] { return Download(ctx, *download_opts); });
}

}  // namespace gallery::cli
