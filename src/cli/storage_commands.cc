// `gallery storage blob upload`: a local VHD (or raw) file into a page blob of the server's
// storage-account endpoint (https://HOST:PORT/blob/{account}/{container}/{blob}), the source a
// managed image names with `gallery image create --source BLOB_URL`.

#include "cli/access_transfer.h"
#include "cli/args.h"
#include "cli/context.h"
#include "cli/disk_upload.h"
#include "cli/progress_bar.h"
#include "client/url.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct BlobOptions {
  std::string file;
  std::string account;
  std::string container;
  std::string name;
  std::string format = "vhd";
  int threads = kDefaultTransferThreads;
  CommonOptions common;
};

// The blob's URL on the profile's server: each path segment of the name percent-encoded.
std::string BlobUrl(const std::string& endpoint, const BlobOptions& o) {
  std::string url = endpoint;
  if (url.empty() || url.back() != '/') {
    url += '/';
  }
  url += "blob/" + PercentEncode(o.account) + "/" + PercentEncode(o.container);
  size_t start = 0;
  while (start <= o.name.size()) {
    const size_t slash = o.name.find('/', start);
    url += "/" + PercentEncode(o.name.substr(start, slash == std::string::npos ? std::string::npos
                                                                                : slash - start));
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  return url;
}

Status Upload(CommandContext& ctx, const BlobOptions& o) {
  if (o.threads < 1 || o.threads > 64) {
    return UsageError("--threads must be between 1 and 64");
  }
  const UploadFormat format = o.format == "raw" ? UploadFormat::kRaw : UploadFormat::kVhd;
  GALLERY_ASSIGN_OR_RETURN(
      std::unique_ptr<UploadSource> source,
      UploadSource::Open(o.file, format, ctx.clock().Now(), NewVhdUniqueId(*ctx.env().random)));
  const uint64_t size = source->layout().upload_size;
  GALLERY_RETURN_IF_ERROR(ctx.Connect(o.common).status());
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> token, ctx.ArmToken());
  const std::string url = BlobUrl(ctx.profile().arm_endpoint, o);
  auto connect = [&ctx, url, token] { return ctx.ConnectBlob(url, token); };
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<PageBlobClient> blob, connect());
  GALLERY_RETURN_IF_ERROR(blob->Create(size));
  ProgressBar bar(*ctx.env().err, ctx.env().stderr_is_tty, ctx.clock(), size, "Uploading");
  TransferOptions options;
  options.threads = o.threads;
  options.connect = connect;
  // Zeros are not sent: the rate counts what was.
  options.on_piece_done = [&bar](uint64_t bytes, uint64_t sent) { bar.Add(bytes, sent); };
  Result<TransferStats> stats = UploadPieces(*source, PlanPieces(size), options);
  bar.Finish();
  GALLERY_RETURN_IF_ERROR(stats.status());
  return ctx.Print(o.common, {{"url", url}, {"sizeBytes", size}},
                   {FieldColumn("Url", "url"), FieldColumn("SizeBytes", "sizeBytes")});
}

}  // namespace

void RegisterStorageCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* storage = root.add_subcommand(
      "storage", "The server's storage-account endpoint (a local stand-in for Azure Storage)");
  storage->require_subcommand(1);
  CLI::App* blob = storage->add_subcommand("blob", "Page blobs");
  blob->require_subcommand(1);
  auto opts = std::make_shared<BlobOptions>();
  CLI::App* upload = blob->add_subcommand(
      "upload", "Upload a local VHD (or raw) file as a page blob; prints its URL");
  upload->add_option("file", opts->file, "The file to upload")->required();
  upload->add_option("--account", opts->account, "Storage account (3-24 a-z, 0-9)")->required();
  upload->add_option("--container", opts->container, "Container")->required();
  upload->add_option("-n,--name", opts->name, "Blob name (may contain '/')")->required();
  upload->add_option("--threads", opts->threads, "Parallel transfers of 4 MiB pieces")
      ->capture_default_str();
  upload->add_option("--format", opts->format, "vhd: the file is a VHD; raw: the disk's bytes")
      ->transform(CLI::IsMember({"vhd", "raw"}, CLI::ignore_case))
      ->capture_default_str();
  AddCommonOptions(upload, &opts->common);
  OnRun(upload, ctx, [&ctx, opts] { return Upload(ctx, *opts); });
}

}  // namespace gallery::cli
