#include "cli/replication_wait.h"

#include <algorithm>

namespace gallery::cli {

namespace {

using nlohmann::json;

// "West US 2 (Replicating, 40%)"
std::string Describe(const RegionProgress& r) {
  return r.region + " (" + r.state + ", " + std::to_string(r.progress) + "%)";
}

// `items` joined by `separator`.
std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : std::string(separator)) + item;
  }
  return out;
}

Status Failed(const std::string& version, const std::vector<const RegionProgress*>& failed) {
  std::vector<std::string> parts;
  for (const RegionProgress* r : failed) {
    parts.push_back(r->region + ": " + (r->details.empty() ? "no details given" : r->details));
  }
  return Status::FailedPrecondition("Replication of image version '" + version + "' failed in " +
                                    (failed.size() == 1 ? "region " : "regions ") +
                                    Join(parts, "; "))
      .WithReason("ReplicationFailed");
}

Status NotATarget(const ReplicationWaitOptions& options, const ReplicationReport& report) {
  std::vector<std::string> targets;
  for (const RegionProgress& r : report.regions) {
    targets.push_back(r.region);
  }
  return Status::InvalidArgument(
             "'" + options.region + "' is not a target region of image version '" +
                 options.version + "'; its target regions are " + Join(targets, ", ") + ".",
             "--region")
      .WithReason("InvalidParameter");
}

Status TimedOut(const ReplicationWaitOptions& options, const ReplicationReport& report,
                const std::vector<const RegionProgress*>& pending) {
  std::vector<std::string> parts;
  for (const RegionProgress* r : pending) {
    parts.push_back(Describe(*r));
  }
  if (parts.empty()) {  // every region done, yet the server's aggregate is not
    parts.push_back("aggregated state " + report.aggregated_state);
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
  return Status::Unavailable("Timed out after " + std::to_string(seconds) +
                             " s waiting for the replication of image version '" + options.version +
                             "': " + Join(parts, ", ") +
                             ". Replication goes on; run the command again to keep waiting.")
      .WithReason("Timeout");
}

// The regions the wait is about: `options.region`'s entry, or every region.
Result<std::vector<const RegionProgress*>> Watched(const ReplicationWaitOptions& options,
                                                   const ReplicationReport& report) {
  std::vector<const RegionProgress*> watched;
  if (options.region.empty()) {
    for (const RegionProgress& r : report.regions) {
      watched.push_back(&r);
    }
    return watched;
  }
  const RegionProgress* r = FindRegion(report, options.region);
  if (r == nullptr) {
    return NotATarget(options, report);
  }
  watched.push_back(r);
  return watched;
}

}  // namespace

Result<json> WaitForReplication(const VersionReader& read, const ReplicationWaitOptions& options,
                                const Clock& clock, Sleeper& sleeper, ReplicationDisplay& display) {
  const TimestampMs deadline = clock.Now() + options.timeout.count();
  for (;;) {
    GALLERY_ASSIGN_OR_RETURN(json version, read());
    GALLERY_ASSIGN_OR_RETURN(ReplicationReport report, ParseReplicationStatus(version));
    display.Show(report);
    GALLERY_ASSIGN_OR_RETURN(std::vector<const RegionProgress*> watched, Watched(options, report));
    std::vector<const RegionProgress*> failed;
    std::vector<const RegionProgress*> pending;
    for (const RegionProgress* r : watched) {
      if (r->state == kRegionFailed) {
        failed.push_back(r);
      } else if (r->state != kRegionCompleted) {
        pending.push_back(r);
      }
    }
    if (!failed.empty()) {
      return Failed(options.version, failed);
    }
    // Every region Completed, and (without --region) the server agrees that all is done.
    if (pending.empty() &&
        (!options.region.empty() || report.aggregated_state == kRegionCompleted)) {
      return version;
    }
    const TimestampMs now = clock.Now();
    if (now >= deadline) {
      return TimedOut(options, report, pending);
    }
    sleeper.Sleep(std::min(options.interval, std::chrono::milliseconds(deadline - now)));
  }
}

}  // namespace gallery::cli
