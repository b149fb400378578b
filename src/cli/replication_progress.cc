#include "cli/replication_progress.h"

#include <algorithm>
#include <cctype>

#include "cli/progress_bar.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

// "Replicating", the longest state: the states' column is this wide.
constexpr size_t kStateWidth = 11;
constexpr double kPercent = 100.0;
// DECAWM: the terminal's automatic wrap at the right margin.
constexpr std::string_view kWrapOff = "\033[?7l";
constexpr std::string_view kWrapOn = "\033[?7h";

Status InvalidResponse(std::string message) {
  return Status::Internal("the server's replicationStatus " + std::move(message))
      .WithReason("InvalidResponse");
}

std::optional<int64_t> OptionalInt(const json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_number()) {
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::string OptionalString(const json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<RegionProgress> ParseRegion(const json& entry) {
  if (!entry.is_object() || !entry.contains("region") || !entry["region"].is_string() ||
      !entry.contains("state") || !entry["state"].is_string()) {
    return InvalidResponse("has a summary entry without 'region' and 'state': " + entry.dump());
  }
  RegionProgress r;
  r.region = entry["region"].get<std::string>();
  r.state = entry["state"].get<std::string>();
  r.details = OptionalString(entry, "details");
  r.progress = static_cast<int32_t>(std::clamp<int64_t>(OptionalInt(entry, "progress").value_or(0),
                                                        0, static_cast<int64_t>(kPercent)));
  r.replicas_done = OptionalInt(entry, "replicasCompleted");
  r.replicas_total = OptionalInt(entry, "replicasTotal");
  r.bytes_done = OptionalInt(entry, "bytesDone");
  r.bytes_total = OptionalInt(entry, "bytesTotal");
  r.bytes_per_second = OptionalInt(entry, "bytesPerSecond");
  r.eta_seconds = OptionalInt(entry, "etaSeconds");
  return r;
}

// "West US 2" -> "westus2": how ARM compares region names.
std::string RegionKey(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (!std::isspace(c)) {
      out += static_cast<char>(std::tolower(c));
    }
  }
  return out;
}

std::string Pad(std::string text, size_t width) {
  if (text.size() < width) {
    text.append(width - text.size(), ' ');
  }
  return text;
}

// What a log line of `r` shows apart from bytes, rate and ETA, which change at every poll.
std::string ChangeKey(const RegionProgress& r) {
  return r.state + "|" + std::to_string(r.progress) + "|" +
         std::to_string(r.replicas_done.value_or(-1)) + "/" +
         std::to_string(r.replicas_total.value_or(-1)) + "|" + r.details;
}

size_t NameWidth(const ReplicationReport& report) {
  size_t width = 0;
  for (const RegionProgress& r : report.regions) {
    width = std::max(width, r.region.size());
  }
  return width;
}

}  // namespace

Result<ReplicationReport> ParseReplicationStatus(const json& version) {
  static const json::json_pointer kStatus("/properties/replicationStatus");
  if (!version.is_object() || !version.contains(kStatus) || !version[kStatus].is_object()) {
    return InvalidResponse("is missing: the version was read without it");
  }
  const json& status = version[kStatus];
  ReplicationReport report;
  report.aggregated_state = OptionalString(status, "aggregatedState");
  if (report.aggregated_state.empty()) {
    return InvalidResponse("has no 'aggregatedState'");
  }
  auto summary = status.find("summary");
  if (summary == status.end() || !summary->is_array()) {
    return InvalidResponse("has no 'summary' list");
  }
  for (const json& entry : *summary) {
    GALLERY_ASSIGN_OR_RETURN(RegionProgress r, ParseRegion(entry));
    report.regions.push_back(std::move(r));
  }
  return report;
}

const RegionProgress* FindRegion(const ReplicationReport& report, std::string_view region) {
  const std::string key = RegionKey(region);
  for (const RegionProgress& r : report.regions) {
    if (RegionKey(r.region) == key) {
      return &r;
    }
  }
  return nullptr;
}

std::string FormatRegionLine(const RegionProgress& r, size_t name_width) {
  std::string line = Pad(r.region, name_width) + "  " + Pad(r.state, kStateWidth) + "  " +
                     FormatBar(r.progress / kPercent);
  if (r.replicas_total.has_value()) {
    line += "  replicas " + std::to_string(r.replicas_done.value_or(0)) + "/" +
            std::to_string(*r.replicas_total);
  }
  if (r.bytes_total.has_value()) {
    line += "  " +
            FormatBytes(static_cast<uint64_t>(std::max<int64_t>(0, r.bytes_done.value_or(0)))) +
            "/" + FormatBytes(static_cast<uint64_t>(std::max<int64_t>(0, *r.bytes_total)));
    const int64_t rate = r.bytes_per_second.value_or(0);
    line += rate > 0 ? "  " + FormatRate(static_cast<double>(rate)) : "  -- MB/s";
    line +=
        " ETA " + FormatEta(r.eta_seconds.has_value() ? static_cast<double>(*r.eta_seconds) : -1.0);
  }
  if (!r.details.empty()) {
    line += "  " + r.details;
  }
  return line;
}

ReplicationDisplay::ReplicationDisplay(std::ostream& out, bool tty) : out_(out), tty_(tty) {}

void ReplicationDisplay::Show(const ReplicationReport& report) {
  const size_t width = NameWidth(report);
  if (tty_) {
    if (lines_drawn_ > 0) {
      // Back to the first line of the previous drawing, then erase it to the end of the screen.
      out_ << "\033[" << lines_drawn_ << "A\r\033[J";
    }
    // Auto-wrap off while drawing: a line wider than the terminal is cut at its edge instead
    // of taking two rows, so the next redraw moves up exactly one row per region.
    out_ << kWrapOff;
    for (const RegionProgress& r : report.regions) {
      out_ << FormatRegionLine(r, width) << "\n";
    }
    out_ << kWrapOn << std::flush;
    lines_drawn_ = report.regions.size();
    return;
  }
  for (const RegionProgress& r : report.regions) {
    std::string key = ChangeKey(r);
    auto [it, inserted] = written_.try_emplace(r.region, key);
    if (!inserted && it->second == key) {
      continue;
    }
    it->second = std::move(key);
    out_ << FormatRegionLine(r, width) << "\n";
  }
  out_ << std::flush;
}

}  // namespace gallery::cli
