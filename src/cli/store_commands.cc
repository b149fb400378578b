// `gallery store scrub`: an integrity check of every chunk store of the server, which repairs
// damaged chunks from other stores (POST /providers/Gallery.Storage/scrub, a long-running
// operation polled to its report). For directory administrators of the installation.

#include <map>
#include <string>

#include "cli/context.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kScrubPath = "/providers/Gallery.Storage/scrub";
constexpr std::string_view kStoreAdminApi = "2024-01-01";

// What a scrub problem's "notRepaired" cause means, for the error message.
std::string CauseText(const std::string& cause) {
  if (cause == "writeFailed") {
    return "with a good copy elsewhere that could not be written into this store";
  }
  if (cause == "doesNotVerify") {
    return "rewritten from a good copy but still not read back verified";
  }
  return "with no good copy in any other store";
}

uint64_t Count(const json& store, const char* key) {
  const json& v = store.contains(key) ? store[key] : json();
  return v.is_number_unsigned() ? v.get<uint64_t>() : 0;
}

Status Scrub(CommandContext& ctx, const CommonOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o));
  GALLERY_ASSIGN_OR_RETURN(json report,
                           s.arm->Post(kScrubPath, kStoreAdminApi, json::object(), ctx.Lro(false)));
  if (!report.is_object() || !report.contains("stores") || !report["stores"].is_array()) {
    return Status::Internal("the server's scrub report has no 'stores' list: " + report.dump());
  }
  // JSON prints the whole report; table and tsv one row per store.
  GALLERY_ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(o.output));
  const json& rows = format == OutputFormat::kJson ? report : report["stores"];
  GALLERY_RETURN_IF_ERROR(
      ctx.Print(o, rows,
                {FieldColumn("Name", "name"), FieldColumn("ChunksChecked", "chunksChecked"),
                 FieldColumn("BytesChecked", "bytesChecked"), FieldColumn("Corrupt", "corrupt"),
                 FieldColumn("Missing", "missing"), FieldColumn("Repaired", "repaired"),
                 FieldColumn("Unrepairable", "unrepairable")}));
  uint64_t unrepairable = 0;
  std::string where;
  std::string unavailable;
  bool write_failed = false;  // some repair found a good copy but could not write it
  for (const json& store : report["stores"]) {
    if (!store.is_object()) {
      continue;
    }
    if (store.contains("unavailable") && store["unavailable"].is_string()) {
      unavailable += (unavailable.empty() ? "" : " ") + store["unavailable"].get<std::string>();
    }
    const uint64_t n = Count(store, "unrepairable");
    if (n == 0) {
      continue;
    }
    unrepairable += n;
    std::map<std::string, int> causes;  // listed problems by cause
    if (store.contains("problems") && store["problems"].is_array()) {
      for (const json& p : store["problems"]) {
        if (p.is_object() && p.value("repaired", true) == false) {
          ++causes[p.value("notRepaired", std::string("noGoodCopy"))];
        }
      }
    }
    std::string why;
    for (const auto& [cause, count] : causes) {
      why += (why.empty() ? "" : ", ") + std::to_string(count) + " " + CauseText(cause);
      write_failed = write_failed || cause != "noGoodCopy";
    }
    where += (where.empty() ? "" : "; ") + store.value("name", std::string("?")) + " (" +
             std::to_string(n) + (why.empty() ? "" : ": " + why) + ")";
  }
  if (!unavailable.empty()) {
    return Status::Unavailable("some stores could not be scrubbed: " + unavailable);
  }
  if (unrepairable > 0) {
    return Status::DataLoss(
        std::to_string(unrepairable) + " damaged chunk(s) could not be repaired. Stores: " + where +
        "." +
        (write_failed ? " Where a good copy exists, check that the store named can be written "
                        "(the server log has the error)."
                      : ""));
  }
  return Status::Ok();
}

}  // namespace

void RegisterStoreCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* store = root.add_subcommand(
      "store", "The server's chunk stores (for directory administrators of the installation)");
  store->require_subcommand(1);
  auto opts = std::make_shared<CommonOptions>();
  CLI::App* scrub = store->add_subcommand(
      "scrub",
      "Re-hash every stored chunk and repair damaged or missing ones from other stores; prints "
      "what was found and fixed, and exits non-zero when something could not be repaired");
  AddOutputOption(scrub, opts.get());
  OnRun(scrub, ctx, [&ctx, opts] { return Scrub(ctx, *opts); });
}

}  // namespace gallery::cli
