#pragma once
// EgressMeter: the bytes replication moved between regions, per (source, target) pair.
//
// Egress is what crosses a link: copies inside one region are free and not counted. The
// copy workers Add what they sent; billing reads a Snapshot. In memory only: whoever
// persists the counts reads a Snapshot and keeps it.
//
// Example:
//   meter.Add("eastus", "westeurope", 4 << 20);
//   for (const EgressCount& c : meter.Snapshot()) { ... c.from, c.to, c.bytes ... }
//
// Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gallery::replication {

struct EgressCount {
  std::string from;  // normalized region name (domain::NormalizeRegionName)
  std::string to;
  uint64_t bytes = 0;

  bool operator==(const EgressCount&) const = default;
};

class EgressMeter {
 public:
  // Counts `bytes` sent from -> to. Names are normalized; nothing is counted when they name
  // the same region, or for 0 bytes.
  void Add(std::string_view from, std::string_view to, uint64_t bytes);

  // Every pair with bytes counted, sorted by (from, to).
  std::vector<EgressCount> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> bytes_;
};

}  // namespace gallery::replication
