#pragma once
// The replication status of an image version as the server reports it
// (`GET ...versions/{v}?$expand=ReplicationStatus`), and its display on stderr while
// `gallery sig image-version wait` polls it: one line per target region.
//
//   GALLERY_ASSIGN_OR_RETURN(ReplicationReport report, ParseReplicationStatus(version));
//   ReplicationDisplay display(err, /*tty=*/true);
//   display.Show(report);  // after every poll
//
// A line reads
//   West US 2         Replicating  [########            ]  40%  replicas 0/1  6.4 MiB/16.0 MiB
//   1.0 MB/s ETA 0:10
// (on one line); bytes, rate and ETA appear only while the server reports a copy running in
// that region, and the region's `details` (why an attempt failed, what is retried) follow.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::cli {

// One entry of `replicationStatus.summary`. Gallery's additions to Azure's four fields are
// optional, so the status of any ARM server can be shown.
struct RegionProgress {
  std::string region;  // as the server names it, e.g. "West US 2"
  std::string state;   // Queued, Replicating, Completed or Failed
  std::string details;
  int32_t progress = 0;  // 0..100
  std::optional<int64_t> replicas_done;
  std::optional<int64_t> replicas_total;
  std::optional<int64_t> bytes_done;
  std::optional<int64_t> bytes_total;
  std::optional<int64_t> bytes_per_second;
  std::optional<int64_t> eta_seconds;
};

struct ReplicationReport {
  std::string aggregated_state;  // InProgress, Completed or Failed
  std::vector<RegionProgress> regions;
};

inline constexpr std::string_view kRegionCompleted = "Completed";
inline constexpr std::string_view kRegionFailed = "Failed";

// Reads `properties.replicationStatus` of a version's ARM JSON. Internal (reason
// "InvalidResponse") when it is absent or its `aggregatedState` or `summary` entries lack
// their required fields.
Result<ReplicationReport> ParseReplicationStatus(const nlohmann::json& version);

// The entry of `region` as a user names it: a name ("westus2") or a display name
// ("West US 2"), compared without case and spaces. nullptr when the report has none.
const RegionProgress* FindRegion(const ReplicationReport& report, std::string_view region);

// The display line of `r`, its region name padded to `name_width` characters.
std::string FormatRegionLine(const RegionProgress& r, size_t name_width);

// Shows successive reports on `out`. On a terminal every region's line is redrawn in place
// (the cursor moves back up over the previous drawing, which is erased first, so a region
// added meanwhile is simply one more line); otherwise the line of a region is written when
// its state, progress, replica counts or details changed since it was last written, so a log
// gets one line per change rather than one per poll. Not thread-safe; `out` must outlive it.
class ReplicationDisplay {
 public:
  ReplicationDisplay(std::ostream& out, bool tty);

  void Show(const ReplicationReport& report);

 private:
  std::ostream& out_;
  const bool tty_;
  size_t lines_drawn_ = 0;                      // terminal: lines of the last drawing
  std::map<std::string, std::string> written_;  // log: region -> what its last line showed
};

}  // namespace gallery::cli
