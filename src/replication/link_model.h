#pragma once
// LinkModel: the network between regions (sites), as replication experiences it.
//
// Every ordered pair of regions is joined by a Link: a bandwidth and a round-trip latency.
// A pair may be configured; every other pair uses the default link; copies inside one region
// never cross a link and are never throttled. The model is configuration, not measurement:
// LinkThrottle (link_throttle.h) enforces it on the copy workers, PredictSeconds states the
// time it implies.
//
// Configuration: the value of galleryd's key "links" (config/links-example.json). Every key is
// optional; the defaults are an unlimited link with no latency.
//   {"default": {"bandwidthMBps": 0, "latencyMs": 0},
//    "pairs": [{"from": "eastus", "to": "westeurope", "bandwidthMBps": 50, "latencyMs": 80,
//               "symmetric": true}]}
// bandwidthMBps is in MB/s (10^6 bytes per second, 0 = unlimited), latencyMs the round trip in
// milliseconds; "symmetric" (default true) configures to -> from as well. Region names are
// compared as domain::NormalizeRegionName makes them ("East US" == "eastus"). Keys starting
// with "_" are comments and ignored.
//
// Example:
//   GALLERY_ASSIGN_OR_RETURN(LinkModel links, LinkModel::FromJson(config["links"]));
//   Link l = links.For("eastus", "westeurope");  // {50e6 bytes/s, 80 ms}
//
// Immutable after construction; thread-safe to share.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace gallery::replication {

struct Link {
  double bytes_per_second = 0;  // 0 = unlimited
  int64_t latency_ms = 0;       // round trip, paid once per request

  bool unlimited_bandwidth() const { return bytes_per_second <= 0; }
  bool operator==(const Link&) const = default;
};

// The longest latency a configuration may set: a minute. The longest round trip between two
// places on Earth is well under a second (a geostationary satellite hop about 0.6 s); a larger
// figure is a unit mistake (microseconds for milliseconds) that would stall replication.
inline constexpr int64_t kMaxLinkLatencyMs = 60'000;

// The largest bandwidth a configuration may set, in MB/s: a petabyte per second, beyond any
// link, and small enough that a link's bytes per minute stay within 64 bits.
inline constexpr double kMaxLinkBandwidthMBps = 1e9;

class LinkModel {
 public:
  // Every pair unlimited, no latency: what galleryd runs with when "links" is not configured.
  static LinkModel Unlimited();

  // Parses the value of the configuration key "links" (shape above). Returns InvalidArgument
  // with reason "InvalidConfiguration", the key path as target and a message naming the key
  // path and the bad value (`links.pairs[2].bandwidthMBps must be a number >= 0, got -5`) when
  // the value or an entry is not an object, "pairs" is not an array, a key is unknown (and
  // does not start with "_"), "bandwidthMBps" is not a number from 0 to kMaxLinkBandwidthMBps,
  // "latencyMs" is not an integer in [0, kMaxLinkLatencyMs], "from"/"to" is missing or not a
  // non-empty string, "symmetric" is not a boolean, from == to (a region's own copies are never
  // throttled), or an ordered pair is set twice (a symmetric entry sets both directions).
  static Result<LinkModel> FromJson(const nlohmann::json& links);

  // The link from -> to: unlimited with no latency inside one region, the configured pair,
  // else the default. Names are normalized; any name is accepted (the region catalog, not the
  // link model, decides which regions exist).
  Link For(std::string_view from, std::string_view to) const;

  const Link& default_link() const { return default_; }

 private:
  using Pair = std::pair<std::string, std::string>;  // normalized (from, to)

  LinkModel() = default;

  Link default_;
  std::map<Pair, Link> pairs_;
};

}  // namespace gallery::replication
