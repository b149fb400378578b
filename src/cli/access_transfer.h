#pragma once
// Access transfers: moving a resource's bytes through the signed URL of its beginGetAccess,
// what `gallery disk upload|download`, `gallery image download` and
// `gallery sig image-version download` share.
//
//   GALLERY_RETURN_IF_ERROR(DownloadThroughGrant(ctx, args, [&](const Session& s) {
//     return AccessTarget{DiskPath(s.subscription, "rg1", "d1"), api::kDisks, "disk 'd1'"};
//   }));

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cli/context.h"
#include "cli/piece_transfer.h"
#include "cli/progress_bar.h"

namespace gallery::cli {

// Connections of a transfer. A sparse disk's 4 MiB pieces split into several small writes
// (one per run of non-zero blocks), each waiting for the server's answer: 8 keep the server
// busy where 4 left it idle half the time (a 2 GiB VHD with 25% data: 3.9 s against 6.5 s).
inline constexpr int kDefaultTransferThreads = 8;
inline constexpr int kDefaultAccessSeconds = 3600;

// A resource with beginGetAccess and endGetAccess actions.
struct AccessTarget {
  std::string path;  // its ARM path
  std::string_view api_version;
  std::string description;  // "disk 'd1'", for messages
};

// --threads, --format vhd|raw and the hidden test hook --stop-after-pieces.
struct TransferArgs {
  int threads = kDefaultTransferThreads;
  std::string format = "vhd";
  int64_t stop_after_pieces = -1;
};
void AddTransferArgs(CLI::App* command, TransferArgs* args);
// A usage error unless `threads` >= 1.
Status CheckThreads(int threads);

// Catches SIGINT while alive: the flag is set and workers finish their pieces and stop, so an
// upload is left resumable and its progress reported. A second Ctrl-C ends the program.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
  // Set by SIGINT since the last InterruptScope began.
  static const std::atomic<bool>* Flag();

 private:
  struct sigaction previous_ {};
};

// beginGetAccess with `grant` as body, followed to its end: the signed URL (accessSAS).
// Internal (InvalidResponse) when the result has none.
Result<std::string> BeginAccess(CommandContext& ctx, Session& s, const AccessTarget& target,
                                const nlohmann::json& grant);
// endGetAccess, polled to the end; the operation's percentComplete is shown on stderr after
// `label`. Ends every grant of the resource, or with `grant_id` only that one (the body
// {"grantId": id}), so that other readers of the resource keep theirs.
Status EndAccess(CommandContext& ctx, Session& s, const AccessTarget& target,
                 std::string_view label, const std::optional<std::string>& grant_id = std::nullopt);

// The grant id of a signed URL (its `si` query value); nullopt when it has none.
std::optional<std::string> GrantIdOf(std::string_view sas);

// Which way a transfer goes: an upload skips zeros without sending them, a download reads
// every byte (and skips only writing zeros).
enum class Direction { kUpload, kDownload };

// The options of a transfer through `sas`: threads, one connection per worker, progress on
// `bar` (its rate counting the bytes that cross the network), stopped by Ctrl-C
// (InterruptScope).
TransferOptions Transfer(CommandContext& ctx, const TransferArgs& args, const std::string& sas,
                         ProgressBar& bar, Direction direction);

// What a download command takes: -o/--file, the transfer flags, --subscription (a download's
// -o is its file, so it has no output format) and, for images and versions, --lun.
struct DownloadArgs {
  std::string file;
  TransferArgs transfer;
  std::optional<int32_t> lun;  // a data disk; the OS disk without it
  CommonOptions common;
};
void AddDownloadArgs(CLI::App* command, DownloadArgs* args, bool with_lun);

// Connects, asks for Read access to the resource `target_of` names (with args.lun when set),
// writes the fixed VHD (or, with format "raw", the disk without its footer) into args.file by
// parallel ranged reads (DownloadToFile: sparse, zero pieces are holes) and revokes the access
// whatever happened. A usage error for --threads < 1 (nothing is sent); FailedPrecondition
// (DownloadInterrupted) after Ctrl-C; the server's and the transfer's errors as they are.
Status DownloadThroughGrant(CommandContext& ctx, const DownloadArgs& args,
                            const std::function<AccessTarget(const Session&)>& target_of);

}  // namespace gallery::cli
