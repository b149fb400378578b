#include "replication/link_throttle.h"

#include <cmath>

#include "domain/region_catalog.h"

namespace gallery::replication {
namespace {

constexpr double kMsPerSecond = 1000;

}  // namespace

double PredictSeconds(const Link& link, uint64_t bytes, int requests) {
  const double latency = requests * static_cast<double>(link.latency_ms) / kMsPerSecond;
  if (link.unlimited_bandwidth()) {
    return latency;
  }
  return latency + static_cast<double>(bytes) / link.bytes_per_second;
}

LinkThrottle::LinkThrottle(LinkModel model, const MonotonicClock& clock, Sleeper& sleeper)
    : model_(std::move(model)), clock_(clock), sleeper_(sleeper) {}

TokenBucket& LinkThrottle::BucketFor(const std::string& from, const std::string& to,
                                     const Link& link) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<TokenBucket>& bucket = buckets_[{from, to}];
  if (bucket == nullptr) {
    // Why a quarter of a second of credit: a worker pauses between its requests to read,
    // hash and write chunks (tens of milliseconds, more when fsync is slow); credit for
    // those pauses keeps them from counting as link time, so a transfer takes what the model
    // says rather than the model plus the local work. More would let a link that sat idle
    // run that much ahead of its model. There is no floor in bytes (such as one 4 MiB
    // request): a request larger than the credit is granted as debt and simply waits, and a
    // floor would let a slow link run ahead (4 MiB is 4 s of a 1 MB/s link).
    bucket = std::make_unique<TokenBucket>(
        link.bytes_per_second, link.bytes_per_second * kLinkBurstSeconds, clock_, sleeper_);
  }
  return *bucket;
}

Status LinkThrottle::Send(std::string_view from, std::string_view to, uint64_t bytes,
                          const std::atomic<bool>* cancel) {
  const std::string source = domain::NormalizeRegionName(from);
  const std::string target = domain::NormalizeRegionName(to);
  if (source == target) {
    return Status::Ok();
  }
  const Link link = model_.For(source, target);
  if (link.unlimited_bandwidth()) {
    return SleepUntil(clock_.Now() + std::chrono::milliseconds(link.latency_ms), clock_, sleeper_,
                      cancel);
  }
  // The round trip holds the channel like bytes do: as latency * bandwidth bytes of it. Taken
  // with the request's bytes in one reservation, so the request waits once, and a worker
  // cannot use credit earned during its own round trip to skip the next one's.
  const auto latency_bytes = static_cast<uint64_t>(
      std::llround(static_cast<double>(link.latency_ms) * link.bytes_per_second / kMsPerSecond));
  return BucketFor(source, target, link).Acquire(bytes + latency_bytes, cancel);
}

}  // namespace gallery::replication
