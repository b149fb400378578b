#pragma once
// WaitForReplication: polls an image version's replication status until a region (or every
// target region) is Completed, showing the progress of every region meanwhile. The engine of
// `gallery sig image-version wait`.
//
//   ReplicationDisplay display(err, tty);
//   GALLERY_ASSIGN_OR_RETURN(
//       nlohmann::json version,
//       WaitForReplication([&] { return arm.Get(path, api, {{"$expand", "ReplicationStatus"}}); },
//                          {.version = "1.0.0", .region = "westus2"}, clock, sleeper, display));

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/replication_progress.h"
#include "client/sleeper.h"
#include "common/result.h"
#include "common/time.h"

namespace gallery::cli {

struct ReplicationWaitOptions {
  std::string version;  // the version's name, for messages
  // A region ("westus2" or "West US 2"); empty: wait for every target region.
  std::string region;
  std::chrono::milliseconds timeout{std::chrono::hours(1)};
  std::chrono::milliseconds interval{std::chrono::seconds(2)};
};

// Reads the version with `$expand=ReplicationStatus`.
using VersionReader = std::function<Result<nlohmann::json>()>;

// Calls `read` now and then every `interval` (the last wait cut short at the deadline, where
// one more read happens), shows each answer on `display`, and returns the last answer once
// `options.region` (without it: the aggregated state) is Completed. Errors:
//  - any error of `read`, unchanged (a version deleted meanwhile is NotFound);
//  - InvalidArgument (reason InvalidParameter, target "--region") when the region is not one
//    of the version's target regions, naming those;
//  - FailedPrecondition (reason ReplicationFailed) when the region (without one: any region)
//    is Failed, with the region's details;
//  - Unavailable (reason Timeout) when `timeout` has passed since the first read, naming the
//    regions still under way;
//  - Internal (reason InvalidResponse) when an answer carries no usable replicationStatus.
// `clock` and `sleeper` are the outside world's time, faked in tests.
Result<nlohmann::json> WaitForReplication(const VersionReader& read,
                                          const ReplicationWaitOptions& options, const Clock& clock,
                                          Sleeper& sleeper, ReplicationDisplay& display);

}  // namespace gallery::cli
