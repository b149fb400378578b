#include "replication/egress_meter.h"

#include "domain/region_catalog.h"

namespace gallery::replication {

void EgressMeter::Add(std::string_view from, std::string_view to, uint64_t bytes) {
  std::pair<std::string, std::string> pair{domain::NormalizeRegionName(from),
                                           domain::NormalizeRegionName(to)};
  if (bytes == 0 || pair.first == pair.second) {
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  bytes_[std::move(pair)] += bytes;
}

std::vector<EgressCount> EgressMeter::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EgressCount> counts;
  counts.reserve(bytes_.size());
  for (const auto& [pair, bytes] : bytes_) {
    counts.push_back({pair.first, pair.second, bytes});
  }
  return counts;
}

}  // namespace gallery::replication
