#include "cli/access_transfer.h"

#include <csignal>
#include <limits>

#include "cli/args.h"
#include "cli/disk_download.h"
#include "storage/vhd_format.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

std::atomic<bool> interrupted{false};

extern "C" void OnInterrupt(int /*signal*/) { interrupted = true; }

// Reads the blob at `sas` into `file`; the caller revokes the grant.
Status DownloadBlob(CommandContext& ctx, const std::string& sas, const std::string& file,
                    const TransferArgs& args) {
  constexpr uint64_t kFooterBytes = storage::kVhdFooterSize;
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<PageBlobClient> blob, ctx.ConnectBlob(sas));
  GALLERY_ASSIGN_OR_RETURN(uint64_t size, blob->Size());
  const bool raw = args.format == "raw";
  if (raw && size < kFooterBytes) {
    return Status::Internal("the blob is " + std::to_string(size) + " bytes, too short to be a VHD")
        .WithReason("InvalidResponse");
  }
  const uint64_t length = raw ? size - kFooterBytes : size;
  ProgressBar bar(*ctx.env().err, ctx.env().stderr_is_tty, ctx.clock(), length, "Downloading");
  TransferStats stats;
  {
    InterruptScope catch_ctrl_c;
    GALLERY_ASSIGN_OR_RETURN(
        stats, DownloadToFile(file, length, Transfer(ctx, args, sas, bar, Direction::kDownload)));
  }
  bar.Finish();
  if (stats.interrupted) {
    return Status::FailedPrecondition("The download stopped with " + FormatBytes(bar.done()) +
                                      " of " + FormatBytes(length) + " done; " + file +
                                      " is incomplete.")
        .WithReason("DownloadInterrupted");
  }
  return Status::Ok();
}

}  // namespace

void AddTransferArgs(CLI::App* command, TransferArgs* args) {
  command->add_option("--threads", args->threads, "Parallel transfers of 4 MiB pieces")
      ->capture_default_str();
  command->add_option("--format", args->format, "vhd: the file is a VHD; raw: the disk's bytes")
      ->transform(CLI::IsMember({"vhd", "raw"}, CLI::ignore_case))
      ->capture_default_str();
  // Test hook: interrupts the transfer after this many pieces (the group "" hides it).
  command->add_option("--stop-after-pieces", args->stop_after_pieces)->group("");
}

Status CheckThreads(int threads) {
  if (threads < 1) {
    return UsageError("argument --threads: must be at least 1 (got " + std::to_string(threads) +
                      ")");
  }
  return Status::Ok();
}

InterruptScope::InterruptScope() {
  interrupted = false;
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous_);
}

InterruptScope::~InterruptScope() { ::sigaction(SIGINT, &previous_, nullptr); }

const std::atomic<bool>* InterruptScope::Flag() { return &interrupted; }

Result<std::string> BeginAccess(CommandContext& ctx, Session& s, const AccessTarget& target,
                                const json& grant) {
  GALLERY_ASSIGN_OR_RETURN(json result, s.arm->Post(target.path + "/beginGetAccess",
                                                    target.api_version, grant, ctx.Lro(false)));
  std::string sas = StringAt(result, "/accessSAS"_json_pointer);
  if (sas.empty()) {
    sas = StringAt(result, "/properties/output/accessSAS"_json_pointer);
  }
  if (sas.empty()) {
    return Status::Internal("the server granted access to " + target.description +
                            " without an accessSAS")
        .WithReason("InvalidResponse");
  }
  return sas;
}

std::optional<std::string> GrantIdOf(std::string_view sas) {
  const size_t query = sas.find('?');
  if (query == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = sas.substr(query + 1);
  while (!rest.empty()) {
    const size_t end = rest.find('&');
    std::string_view pair = rest.substr(0, end);
    if (pair.starts_with("si=") && pair.size() > 3) {
      return std::string(pair.substr(3));
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  return std::nullopt;
}

Status EndAccess(CommandContext& ctx, Session& s, const AccessTarget& target,
                 std::string_view label, const std::optional<std::string>& grant_id) {
  std::ostream& err = *ctx.env().err;
  bool tty = ctx.env().stderr_is_tty;
  int last_percent = -1;
  LroOptions lro;
  lro.on_status = [&](const json& op) {
    if (!op.is_object() || !op.contains("percentComplete") || !op["percentComplete"].is_number()) {
      return;
    }
    int percent = static_cast<int>(op["percentComplete"].get<double>());
    if (percent == last_percent) {
      return;
    }
    last_percent = percent;
    err << (tty ? "\r\033[K" : "") << label << ": " << percent << "%" << (tty ? "" : "\n")
        << std::flush;
  };
  json body = json::object();
  if (grant_id.has_value()) {
    body["grantId"] = *grant_id;
  }
  Status status =
      s.arm->Post(target.path + "/endGetAccess", target.api_version, body, lro).status();
  if (tty && last_percent >= 0) {
    err << "\n" << std::flush;
  }
  return status;
}

TransferOptions Transfer(CommandContext& ctx, const TransferArgs& args, const std::string& sas,
                         ProgressBar& bar, Direction direction) {
  TransferOptions options;
  options.threads = args.threads;
  options.connect = [&ctx, sas] { return ctx.ConnectBlob(sas); };
  options.on_piece_done = [&bar, direction](uint64_t bytes, uint64_t written) {
    bar.Add(bytes, direction == Direction::kUpload ? written : bytes);
  };
  options.cancel = InterruptScope::Flag();
  options.stop_after_pieces = args.stop_after_pieces;
  return options;
}

void AddDownloadArgs(CLI::App* command, DownloadArgs* args, bool with_lun) {
  command->add_option("-o,--file", args->file, "The file to write")->required();
  AddTransferArgs(command, &args->transfer);
  if (with_lun) {
    command->add_option("--lun", args->lun, "A data disk's lun (default: the OS disk)")
        ->check(CLI::Range(0, std::numeric_limits<int32_t>::max()));
  }
  command->add_option("--subscription", args->common.subscription,
                      "Subscription id or name (default: the profile's current subscription)");
}

Status DownloadThroughGrant(CommandContext& ctx, const DownloadArgs& args,
                            const std::function<AccessTarget(const Session&)>& target_of) {
  GALLERY_RETURN_IF_ERROR(CheckThreads(args.transfer.threads));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(args.common));
  const AccessTarget target = target_of(s);
  json grant = {{"access", "Read"}, {"durationInSeconds", kDefaultAccessSeconds}};
  if (args.lun.has_value()) {
    grant["lun"] = *args.lun;
  }
  GALLERY_ASSIGN_OR_RETURN(std::string sas, BeginAccess(ctx, s, target, grant));
  Status downloaded = DownloadBlob(ctx, sas, args.file, args.transfer);
  // The grant is revoked whatever happened, so no access outlives the command (and a disk does
  // not stay in ActiveSAS). Only this command's grant: other downloads of the same resource
  // hold grants of their own, which go on.
  Status revoked = EndAccess(ctx, s, target, "Revoking access", GrantIdOf(sas));
  GALLERY_RETURN_IF_ERROR(downloaded);
  return revoked;
}

}  // namespace gallery::cli
