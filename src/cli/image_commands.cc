// `gallery image create|show|list|delete|download`: managed images (Microsoft.Compute/images),
// the sources of gallery image versions, and their data.

#include <limits>

#include "cli/access_transfer.h"
#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct ImageOptions {
  std::string group;
  std::string name;
  std::string location;
  std::string source;
  std::string os_type;
  std::string hyper_v_generation = "V1";
  int32_t os_disk_size_gb = 0;
  std::vector<std::string> data_disk_sources;
  std::vector<std::string> tags;
  bool no_wait = false;
  CommonOptions common;
  DownloadArgs download;

  CLI::Option* os_disk_size_opt = nullptr;
};

// A disk source: a VHD blob URI (https://...) or a managed disk id (/subscriptions/...).
Status AddDiskSource(const std::string& source, const char* option, json* disk) {
  if (source.rfind("https://", 0) == 0) {
    (*disk)["blobUri"] = source;
    return Status::Ok();
  }
  if (source.rfind("/subscriptions/", 0) == 0) {
    (*disk)["managedDisk"] = {{"id", source}};
    return Status::Ok();
  }
  return UsageError(std::string("argument ") + option + ": '" + source +
                    "' is neither a blob URI (https://...) nor a managed disk id "
                    "(/subscriptions/...)");
}

Status Create(CommandContext& ctx, const ImageOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(json tags, ParseTags(o.tags));
  json os_disk = {{"osType", o.os_type}, {"osState", "Generalized"}};
  GALLERY_RETURN_IF_ERROR(AddDiskSource(o.source, "--source", &os_disk));
  if (o.os_disk_size_opt->count() > 0) {
    os_disk["diskSizeGB"] = o.os_disk_size_gb;
  }
  json data_disks = json::array();
  for (size_t lun = 0; lun < o.data_disk_sources.size(); ++lun) {
    json disk = {{"lun", lun}};
    GALLERY_RETURN_IF_ERROR(AddDiskSource(o.data_disk_sources[lun], "--data-disk-sources", &disk));
    data_disks.push_back(std::move(disk));
  }
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(std::string location, ResolveLocation(s, o.group, o.location));
  json body = {{"location", location},
               {"tags", tags},
               {"properties",
                {{"hyperVGeneration", o.hyper_v_generation},
                 {"storageProfile", {{"osDisk", os_disk}, {"dataDisks", data_disks}}}}}};
  GALLERY_ASSIGN_OR_RETURN(json image, s.arm->Put(ManagedImagePath(s.subscription, o.group, o.name),
                                                  api::kManagedImages, body, ctx.Lro(o.no_wait)));
  return o.no_wait ? Status::Ok() : ctx.Print(o.common, image, ManagedImageColumns());
}

Status Show(CommandContext& ctx, const ImageOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json image, s.arm->Get(ManagedImagePath(s.subscription, o.group, o.name),
                                                  api::kManagedImages));
  return ctx.Print(o.common, image, ManagedImageColumns());
}

Status List(CommandContext& ctx, const ImageOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  std::string scope = o.group.empty() ? ComputeSubscriptionPath(s.subscription)
                                      : ComputeGroupPath(s.subscription, o.group);
  GALLERY_ASSIGN_OR_RETURN(json images, s.arm->List(scope + "/images", api::kManagedImages));
  return ctx.Print(o.common, images, ManagedImageColumns());
}

Status Delete(CommandContext& ctx, const ImageOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return s.arm
      ->Delete(ManagedImagePath(s.subscription, o.group, o.name), api::kManagedImages,
               ctx.Lro(o.no_wait))
      .status();
}

// Through a Read grant of the image (a Gallery extension of ARM).
Status Download(CommandContext& ctx, const ImageOptions& o) {
  return DownloadThroughGrant(ctx, o.download, [&o](const Session& s) {
    return AccessTarget{ManagedImagePath(s.subscription, o.group, o.name), api::kManagedImages,
                        "image '" + o.name + "'"};
  });
}

// -g and -n (required).
void AddImageNameArgs(CLI::App* cmd, ImageOptions* o) {
  cmd->add_option("-g,--resource-group", o->group, "Resource group name")->required();
  cmd->add_option("-n,--name", o->name, "Managed image name")->required();
}

void AddImageArgs(CLI::App* cmd, ImageOptions* o) {
  AddImageNameArgs(cmd, o);
  AddCommonOptions(cmd, &o->common);
}

}  // namespace

void RegisterImageCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* image = root.add_subcommand("image", "Managed images (sources of image versions)");
  image->require_subcommand(1);

  auto create_opts = std::make_shared<ImageOptions>();
  CLI::App* create = image->add_subcommand("create", "Create a managed image from a VHD or disk");
  AddImageArgs(create, create_opts.get());
  create
      ->add_option("--source", create_opts->source,
                   "OS disk source: VHD blob URI (https://...) or managed disk id")
      ->required();
  create->add_option("--os-type", create_opts->os_type, "Linux or Windows")
      ->required()
      ->transform(CLI::IsMember({"Linux", "Windows"}, CLI::ignore_case));
  create->add_option("--hyper-v-generation", create_opts->hyper_v_generation, "V1 or V2")
      ->transform(CLI::IsMember({"V1", "V2"}, CLI::ignore_case))
      ->capture_default_str();
  create_opts->os_disk_size_opt =
      create->add_option("--os-disk-size-gb", create_opts->os_disk_size_gb, "OS disk size (GB)")
          ->check(CLI::Range(1, std::numeric_limits<int32_t>::max()));
  create->add_option("--data-disk-sources", create_opts->data_disk_sources,
                     "Data disk sources (blob URIs or managed disk ids), LUN 0, 1, ...");
  create->add_option("-l,--location", create_opts->location,
                     "Location (default: the resource group's)");
  create->add_option("--tags", create_opts->tags, "Tags: key=value ...");
  create->add_flag("--no-wait", create_opts->no_wait, "Do not wait for the operation to finish");
  OnRun(create, ctx, [&ctx, create_opts] { return Create(ctx, *create_opts); });

  auto show_opts = std::make_shared<ImageOptions>();
  CLI::App* show = image->add_subcommand("show", "Show a managed image");
  AddImageArgs(show, show_opts.get());
  OnRun(show, ctx, [&ctx, show_opts] { return Show(ctx, *show_opts); });

  auto list_opts = std::make_shared<ImageOptions>();
  CLI::App* list = image->add_subcommand("list", "List managed images");
  list->add_option("-g,--resource-group", list_opts->group, "Resource group name");
  AddCommonOptions(list, &list_opts->common);
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });

  auto delete_opts = std::make_shared<ImageOptions>();
  CLI::App* del = image->add_subcommand("delete", "Delete a managed image");
  AddImageArgs(del, delete_opts.get());
  del->add_flag("--no-wait", delete_opts->no_wait, "Do not wait for the deletion to finish");
  OnRun(del, ctx, [&ctx, delete_opts] { return Delete(ctx, *delete_opts); });

  auto download_opts = std::make_shared<ImageOptions>();
  CLI::App* download = image->add_subcommand(
      "download", "Download an image's OS disk (or data disk --lun) into a local file");
  AddImageNameArgs(download, download_opts.get());
  AddDownloadArgs(download, &download_opts->download, /*with_lun=*/true);
  OnRun(download, ctx, [&ctx, download_opts] { return Download(ctx, *download_opts); });
}

}  // namespace gallery::cli
