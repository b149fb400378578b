// `gallery disk upload|download|show|list|delete|grant-access|revoke-access`: managed disks
// (Microsoft.Compute/disks) and their bytes, moved through the blob data plane.

#include "cli/access_transfer.h"
#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"
#include "cli/disk_upload.h"
#include "cli/progress_bar.h"
#include "cli/upload_journal.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct DiskOptions {
  std::string group;
  std::string name;
  std::string location;
  std::string file;
  std::string sku = "Standard_LRS";
  std::string os_type;
  std::string hyper_v_generation = "V1";
  std::string access_level;
  int duration_seconds = kDefaultAccessSeconds;
  bool resume = false;
  bool no_wait = false;
  TransferArgs transfer;
  DownloadArgs download;
  CommonOptions common;
};

AccessTarget Target(const Session& s, const DiskOptions& o) {
  return {DiskPath(s.subscription, o.group, o.name), api::kDisks, "disk '" + o.name + "'"};
}

// --resume: the disk must still take writes and expect this file's upload size. Returns the
// disk's location.
Result<std::string> CheckResumable(Session& s, const DiskOptions& o, uint64_t upload_size) {
  GALLERY_ASSIGN_OR_RETURN(json disk,
                           s.arm->Get(DiskPath(s.subscription, o.group, o.name), api::kDisks));
  std::string state = StringAt(disk, "/properties/diskState"_json_pointer);
  if (state != "ActiveUpload" && state != "ReadyToUpload") {
    return Status::FailedPrecondition("The disk '" + o.name + "' is in state '" + state +
                                      "'; --resume needs an upload in progress (ActiveUpload or "
                                      "ReadyToUpload).")
        .WithReason("InvalidDiskState");
  }
  json expected = disk.is_object() && disk.contains("properties")
                      ? disk["properties"].value("creationData", json::object())
                      : json::object();
  if (expected.value("uploadSizeBytes", uint64_t{0}) != upload_size) {
    return Status::FailedPrecondition(
               "The disk '" + o.name + "' expects an upload of " +
               std::to_string(expected.value("uploadSizeBytes", uint64_t{0})) +
               " bytes, but this file makes " + std::to_string(upload_size) +
               "; resume with the file (and --format) the upload started with.")
        .WithReason("UploadSizeMismatch");
  }
  return StringAt(disk, "/location"_json_pointer);
}

// The command that finishes this upload.
std::string ResumeCommand(const DiskOptions& o) {
  return "gallery disk upload " + o.file + " -g " + o.group + " -n " + o.name +
         (o.transfer.format == "raw" ? " --format raw" : "") + " --resume";
}

// A plain upload makes a new disk. Onto an existing one it would be a mix: the disk keeps the
// pages an earlier upload wrote wherever this file has zeros (pieces of zeros are not sent).
// Ok when the disk does not exist; AlreadyExists (DiskAlreadyExists) when it does, saying how
// to go on: --resume for an upload in progress, else delete it or choose another name.
Status CheckDiskIsNew(Session& s, const DiskOptions& o) {
  Result<json> disk = s.arm->Get(DiskPath(s.subscription, o.group, o.name), api::kDisks);
  if (disk.status().code() == StatusCode::kNotFound) {
    return Status::Ok();  // nor its resource group, perhaps: the creation says so
  }
  GALLERY_RETURN_IF_ERROR(disk.status());
  const std::string state = StringAt(*disk, "/properties/diskState"_json_pointer);
  const std::string exists = "The disk '" + o.name + "' already exists (state '" + state + "')";
  const std::string del = "gallery disk delete -g " + o.group + " -n " + o.name;
  if (state != "ActiveUpload" && state != "ReadyToUpload") {
    return Status::AlreadyExists(exists +
                                 "; an upload makes a new disk. Nothing was changed: "
                                 "delete it first (" +
                                 del + ") or upload under another name.")
        .WithReason("DiskAlreadyExists");
  }
  return Status::AlreadyExists(
             exists + " with an upload in progress; uploading " + o.file +
             " onto it without --resume would keep the pages written before wherever the file "
             "has zeros and seal a mix of two files. Nothing was changed. If that upload is of "
             "this file, finish it with: " +
             ResumeCommand(o) + "; else delete the disk (" + del + ") and upload again.")
      .WithReason("DiskAlreadyExists");
}

// Creates the disk, only if it does not exist (If-None-Match: *): the check above answers
// early with what the disk is, but another upload of the same name may create it in between,
// and then this one must not write onto that one's disk. The refusal is the check's message.
Status CreateDisk(Session& s, const DiskOptions& o, const std::string& path, const json& body,
                  const LroOptions& lro) {
  Status created = s.arm->Put(path, api::kDisks, body, lro, {{"If-None-Match", "*"}}).status();
  if (created.code() != StatusCode::kFailedPrecondition ||
      created.reason() != "PreconditionFailed") {
    return created;
  }
  GALLERY_RETURN_IF_ERROR(CheckDiskIsNew(s, o));
  // Deleted again since: still, it existed when this upload would have created it.
  return Status::AlreadyExists("The disk '" + o.name +
                               "' was created by someone else while this upload began. Nothing "
                               "was changed; upload again, or under another name.")
      .WithReason("DiskAlreadyExists");
}

// What a refused --resume tells the user to do instead.
std::string StartOver(const DiskOptions& o, const std::string& location) {
  return "To start over, delete the disk (gallery disk delete -g " + o.group + " -n " + o.name +
         ") and upload again without --resume (gallery disk upload FILE -g " + o.group + " -n " +
         o.name + " -l " + (location.empty() ? "LOCATION" : location) + ").";
}

Status Upload(CommandContext& ctx, const DiskOptions& o) {
  GALLERY_RETURN_IF_ERROR(CheckThreads(o.transfer.threads));
  if (!o.resume && o.location.empty()) {
    return UsageError("disk upload needs -l/--location (or --resume for an existing disk)");
  }
  UploadFormat format = o.transfer.format == "raw" ? UploadFormat::kRaw : UploadFormat::kVhd;
  GALLERY_ASSIGN_OR_RETURN(
      std::unique_ptr<UploadSource> source,
      UploadSource::Open(o.file, format, ctx.clock().Now(), NewVhdUniqueId(*ctx.env().random)));
  const uint64_t upload_size = source->layout().upload_size;
  GALLERY_ASSIGN_OR_RETURN(FileIdentity file, IdentifyFile(o.file, o.transfer.format));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  const std::string path = DiskPath(s.subscription, o.group, o.name);
  const std::string endpoint = ctx.profile().arm_endpoint;
  UploadJournal journal(ctx.env().config_dir);
  if (o.resume) {
    GALLERY_ASSIGN_OR_RETURN(std::string location, CheckResumable(s, o, upload_size));
    // The pages the disk holds must be this file's: the page list says only which exist.
    GALLERY_RETURN_IF_ERROR(journal.CheckResume(endpoint, path, file, StartOver(o, location)));
  } else {
    GALLERY_RETURN_IF_ERROR(CheckDiskIsNew(s, o));
    json properties = {
        {"hyperVGeneration", o.hyper_v_generation},
        {"creationData", {{"createOption", "Upload"}, {"uploadSizeBytes", upload_size}}}};
    if (!o.os_type.empty()) {
      properties["osType"] = o.os_type;
    }
    json body = {{"location", o.location},
                 {"sku", {{"name", o.sku}}},
                 {"properties", std::move(properties)}};
    GALLERY_RETURN_IF_ERROR(CreateDisk(s, o, path, body, ctx.Lro(false)));
    GALLERY_RETURN_IF_ERROR(journal.Record(endpoint, path, file));
  }
  GALLERY_ASSIGN_OR_RETURN(
      std::string sas,
      BeginAccess(ctx, s, Target(s, o),
                  {{"access", "Write"}, {"durationInSeconds", kDefaultAccessSeconds}}));
  std::vector<Piece> pieces = PlanPieces(upload_size);
  if (o.resume) {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<PageBlobClient> blob, ctx.ConnectBlob(sas));
    GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> written, blob->PageRanges());
    pieces = PiecesNotWritten(pieces, std::move(written));
  }

  uint64_t todo = 0;
  for (const Piece& p : pieces) {
    todo += p.length;
  }
  ProgressBar bar(*ctx.env().err, ctx.env().stderr_is_tty, ctx.clock(), upload_size, "Uploading");
  bar.Add(upload_size - todo, /*moved=*/0);  // written before this run: not in the rate
  Result<TransferStats> stats = [&] {
    InterruptScope catch_ctrl_c;
    return UploadPieces(*source, pieces, Transfer(ctx, o.transfer, sas, bar, Direction::kUpload));
  }();
  bar.Finish();
  const std::string resume = ResumeCommand(o);
  if (!stats.ok()) {
    // The error is reported as it is; the pieces written so far are kept by the server.
    *ctx.env().err << "The disk '" << o.name << "' stays in ActiveUpload; after fixing the cause, "
                   << "finish the upload with: " << resume << "\n";
    return stats.status();
  }
  if (stats->interrupted) {
    return Status::FailedPrecondition("The upload stopped with " + FormatBytes(bar.done()) +
                                      " of " + FormatBytes(upload_size) + " done; the disk '" +
                                      o.name + "' stays in ActiveUpload. Finish it with: " + resume)
        .WithReason("UploadInterrupted");
  }
  GALLERY_RETURN_IF_ERROR(EndAccess(ctx, s, Target(s, o), "Sealing the disk"));
  GALLERY_RETURN_IF_ERROR(journal.Remove(endpoint, path));  // sealed: nothing left to resume
  GALLERY_ASSIGN_OR_RETURN(json disk, s.arm->Get(path, api::kDisks));
  return ctx.Print(o.common, disk, DiskColumns());
}

Status Download(CommandContext& ctx, const DiskOptions& o) {
  return DownloadThroughGrant(ctx, o.download, [&o](const Session& s) { return Target(s, o); });
}

Status Show(CommandContext& ctx, const DiskOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json disk,
                           s.arm->Get(DiskPath(s.subscription, o.group, o.name), api::kDisks));
  return ctx.Print(o.common, disk, DiskColumns());
}

Status List(CommandContext& ctx, const DiskOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  std::string scope = o.group.empty() ? ComputeSubscriptionPath(s.subscription)
                                      : ComputeGroupPath(s.subscription, o.group);
  GALLERY_ASSIGN_OR_RETURN(json disks, s.arm->List(scope + "/disks", api::kDisks));
  return ctx.Print(o.common, disks, DiskColumns());
}

Status Delete(CommandContext& ctx, const DiskOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return s.arm->Delete(DiskPath(s.subscription, o.group, o.name), api::kDisks, ctx.Lro(o.no_wait))
      .status();
}

Status Grant(CommandContext& ctx, const DiskOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(
      std::string sas,
      BeginAccess(ctx, s, Target(s, o),
                  {{"access", o.access_level}, {"durationInSeconds", o.duration_seconds}}));
  // az prints the URL under "accessSas".
  return ctx.Print(o.common, {{"accessSas", sas}}, {FieldColumn("AccessSas", "accessSas")});
}

Status Revoke(CommandContext& ctx, const DiskOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  return EndAccess(ctx, s, Target(s, o), "Revoking access");
}

// -g and -n (required).
void AddDiskArgs(CLI::App* cmd, DiskOptions* o) {
  cmd->add_option("-g,--resource-group", o->group, "Resource group name")->required();
  cmd->add_option("-n,--name", o->name, "Disk name")->required();
}

}  // namespace

void RegisterDiskCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* disk = root.add_subcommand("disk", "Managed disks: upload, download, access");
  disk->require_subcommand(1);

  auto upload_opts = std::make_shared<DiskOptions>();
  CLI::App* upload = disk->add_subcommand(
      "upload", "Create a disk from a local VHD (or raw) file and upload its bytes");
  upload->add_option("file", upload_opts->file, "The file to upload")->required();
  AddDiskArgs(upload, upload_opts.get());
  upload->add_option("-l,--location", upload_opts->location, "Location of a new disk");
  upload->add_option("--sku", upload_opts->sku, "Storage SKU")
      ->transform(CLI::IsMember({"Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "UltraSSD_LRS",
                                 "Premium_ZRS", "StandardSSD_ZRS", "PremiumV2_LRS"},
                                CLI::ignore_case))
      ->capture_default_str();
  upload->add_option("--os-type", upload_opts->os_type, "Operating system of the disk")
      ->transform(CLI::IsMember({"Linux", "Windows"}, CLI::ignore_case));
  upload
      ->add_option("--hyper-v-generation", upload_opts->hyper_v_generation, "Hypervisor generation")
      ->transform(CLI::IsMember({"V1", "V2"}, CLI::ignore_case))
      ->capture_default_str();
  AddTransferArgs(upload, &upload_opts->transfer);
  upload->add_flag("--resume", upload_opts->resume,
                   "Finish an interrupted upload: send only the pieces not yet written");
  AddCommonOptions(upload, &upload_opts->common);
  OnRun(upload, ctx, [&ctx, upload_opts] { return Upload(ctx, *upload_opts); });

  auto download_opts = std::make_shared<DiskOptions>();
  CLI::App* download =
      disk->add_subcommand("download", "Download a disk's bytes into a local file");
  AddDiskArgs(download, download_opts.get());
  AddDownloadArgs(download, &download_opts->download, /*with_lun=*/false);
  OnRun(download, ctx, [&ctx, download_opts] { return Download(ctx, *download_opts); });

  auto show_opts = std::make_shared<DiskOptions>();
  CLI::App* show = disk->add_subcommand("show", "Show a disk");
  AddDiskArgs(show, show_opts.get());
  AddCommonOptions(show, &show_opts->common);
  OnRun(show, ctx, [&ctx, show_opts] { return Show(ctx, *show_opts); });

  auto list_opts = std::make_shared<DiskOptions>();
  CLI::App* list = disk->add_subcommand("list", "List disks of a resource group or subscription");
  list->add_option("-g,--resource-group", list_opts->group, "Resource group name");
  AddCommonOptions(list, &list_opts->common);
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });

  auto delete_opts = std::make_shared<DiskOptions>();
  CLI::App* del = disk->add_subcommand("delete", "Delete a disk");
  AddDiskArgs(del, delete_opts.get());
  AddCommonOptions(del, &delete_opts->common);
  del->add_flag("--no-wait", delete_opts->no_wait, "Do not wait for the deletion to finish");
  OnRun(del, ctx, [&ctx, delete_opts] { return Delete(ctx, *delete_opts); });

  auto grant_opts = std::make_shared<DiskOptions>();
  CLI::App* grant = disk->add_subcommand("grant-access", "Get a signed URL to read or write");
  AddDiskArgs(grant, grant_opts.get());
  grant->add_option("--access-level", grant_opts->access_level, "Read or Write")
      ->required()
      ->transform(CLI::IsMember({"Read", "Write"}, CLI::ignore_case));
  grant
      ->add_option("--duration-in-seconds", grant_opts->duration_seconds,
                   "How long the URL stays valid")
      ->capture_default_str();
  AddCommonOptions(grant, &grant_opts->common);
  OnRun(grant, ctx, [&ctx, grant_opts] { return Grant(ctx, *grant_opts); });

  auto revoke_opts = std::make_shared<DiskOptions>();
  CLI::App* revoke = disk->add_subcommand(
      "revoke-access", "End access; after an upload this seals the disk's bytes");
  AddDiskArgs(revoke, revoke_opts.get());
  AddCommonOptions(revoke, &revoke_opts->common);
  OnRun(revoke, ctx, [&ctx, revoke_opts] { return Revoke(ctx, *revoke_opts); });
}

}  // namespace gallery::cli
