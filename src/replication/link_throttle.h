#pragma once
// LinkThrottle: makes transfers between regions take the time the LinkModel says.
//
// The model (PredictSeconds computes it): a link is one channel from one region to another,
// like one connection used request after request. A request holds the channel for one round
// trip (the latency) and then for its bytes at the link's bandwidth, so N requests carrying
// B bytes in all take
//     N * latency + B / bandwidth
// however many workers share the link: they queue for it, first come, first served. Each
// ordered pair is its own channel (links are full duplex; eastus -> westeurope does not slow
// westeurope -> eastus), and so is every pair to or from the same region (a region's uplink
// is not modeled). Time a channel sits idle is credited up to a quarter of a second of its
// bandwidth, so a worker's own pauses between requests (reading, hashing, writing chunks)
// do not count as link time. A link with unlimited bandwidth only delays each request by its
// latency, and such delays overlap. Copies inside a region are not throttled.
//
// Example:
//   SteadyTime time;
//   LinkThrottle throttle(links, time, time);
//   GALLERY_RETURN_IF_ERROR(throttle.Send("eastus", "westeurope", batch_bytes, &cancel));

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "replication/link_model.h"
#include "replication/token_bucket.h"

namespace gallery::replication {

// The seconds `requests` requests carrying `bytes` in all take on `link` by the model above:
// requests * latency + bytes / bandwidth (no bandwidth term when it is unlimited). For a
// link whose channel was idle before, the time measured can be shorter by up to
// kLinkBurstSeconds (the credit the idle time earned).
double PredictSeconds(const Link& link, uint64_t bytes, int requests);

// The idle credit of a link's channel, in seconds of its bandwidth.
inline constexpr double kLinkBurstSeconds = 0.25;

class LinkThrottle {
 public:
  // `clock` and `sleeper` must outlive the throttle.
  LinkThrottle(LinkModel model, const MonotonicClock& clock, Sleeper& sleeper);

  LinkThrottle(const LinkThrottle&) = delete;
  LinkThrottle& operator=(const LinkThrottle&) = delete;

  // Waits the time one request of `bytes` takes on the link from -> to: its latency and its
  // bytes at the link's bandwidth, behind the requests already queued on that link. Returns OK
  // at once when from and to name the same region (normalized). Returns
  // TransferCancelledStatus() (storage::IsCancelled) within kMaxSleepSlice of `*cancel` (may be
  // null) becoming true; a cancelled request frees its place on the link. Thread-safe.
  Status Send(std::string_view from, std::string_view to, uint64_t bytes,
              const std::atomic<bool>* cancel);

  const LinkModel& model() const { return model_; }

 private:
  // The channel of a limited link, created on first use. The pointer stays valid for the life
  // of the throttle.
  TokenBucket& BucketFor(const std::string& from, const std::string& to, const Link& link);

  const LinkModel model_;
  const MonotonicClock& clock_;
  Sleeper& sleeper_;

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<TokenBucket>> buckets_;
};

}  // namespace gallery::replication
