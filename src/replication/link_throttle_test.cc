#include "replication/link_throttle.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "storage/ingest.h"

namespace gallery::replication {
namespace {

using std::chrono::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint64_t kMB = 1'000'000;

LinkModel Model(const std::string& text) {
  Result<LinkModel> model = LinkModel::FromJson(nlohmann::json::parse(text));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : LinkModel::Unlimited();
}

// 100 MB/s with an 80 ms round trip between a and b (both ways); unlimited elsewhere.
LinkModel Transatlantic() {
  return Model(R"({"pairs": [{"from": "a", "to": "b", "bandwidthMBps": 100, "latencyMs": 80}]})");
}

double Seconds(Nanos t) { return duration<double>(t).count(); }

// Runs `during` once, at the first sleep, then sleeps on `time`: a request that arrives while
// another one waits, made deterministic.
class InterleavingSleeper final : public Sleeper {
 public:
  explicit InterleavingSleeper(FakeTime& time) : time_(time) {}
  void SleepFor(Nanos d) override {
    if (during_) {
      std::function<void()> run = std::move(during_);
      during_ = nullptr;
      run();
    }
    time_.SleepFor(d);
  }
  std::function<void()> during_;

 private:
  FakeTime& time_;
};

TEST(PredictSeconds, IsRequestsTimesLatencyPlusBytesOverBandwidth) {
  EXPECT_DOUBLE_EQ(PredictSeconds(Link{100e6, 80}, 1000 * kMB, 10), 10.8);
  EXPECT_DOUBLE_EQ(PredictSeconds(Link{100e6, 0}, 250 * kMB, 3), 2.5);
  EXPECT_DOUBLE_EQ(PredictSeconds(Link{0, 30}, 1000 * kMB, 4), 0.12);
  EXPECT_DOUBLE_EQ(PredictSeconds(Link{}, 1000 * kMB, 4), 0);
}

TEST(LinkThrottle, CopiesInsideARegionReturnAtOnce) {
  FakeTime time;
  LinkThrottle throttle(Model(R"({"default": {"bandwidthMBps": 1, "latencyMs": 500}})"), time,
                        time);
  EXPECT_TRUE(throttle.Send("eastus", "eastus", 1000 * kMB, nullptr).ok());
  EXPECT_TRUE(throttle.Send("East US", "eastus", 1000 * kMB, nullptr).ok());
  EXPECT_TRUE(time.sleeps().empty());
}

TEST(LinkThrottle, AnUnlimitedLinkWithoutLatencyNeverWaits) {
  FakeTime time;
  LinkThrottle throttle(LinkModel::Unlimited(), time, time);
  EXPECT_TRUE(throttle.Send("eastus", "westeurope", 1000 * kMB, nullptr).ok());
  EXPECT_TRUE(time.sleeps().empty());
}

TEST(LinkThrottle, AnUnlimitedLinkWaitsOnlyItsLatency) {
  FakeTime time;
  LinkThrottle throttle(Model(R"({"default": {"latencyMs": 30}})"), time, time);
  ASSERT_TRUE(throttle.Send("eastus", "westeurope", 1000 * kMB, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(30));
}

TEST(LinkThrottle, ARequestTakesItsRoundTripPlusItsBytesAtTheBandwidth) {
  FakeTime time;
  LinkThrottle throttle(Transatlantic(), time, time);
  ASSERT_TRUE(throttle.Send("a", "b", 100 * kMB, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(1080));
  ASSERT_TRUE(throttle.Send("b", "a", 0, nullptr).ok());  // a request without bytes: one trip
  EXPECT_EQ(time.Now(), milliseconds(1160));
}

TEST(LinkThrottle, RequestsOneAfterAnotherTakeThePrediction) {
  FakeTime time;
  LinkThrottle throttle(Transatlantic(), time, time);
  const std::vector<uint64_t> sizes = {4 * kMB, 123'456, 64 * kMB, 1, 7'777'777, 32 * kMB};
  uint64_t total = 0;
  for (uint64_t bytes : sizes) {
    ASSERT_TRUE(throttle.Send("a", "b", bytes, nullptr).ok());
    total += bytes;
  }
  const Link link = throttle.model().For("a", "b");
  EXPECT_NEAR(Seconds(time.Now()), PredictSeconds(link, total, static_cast<int>(sizes.size())),
              1e-6);
}

TEST(LinkThrottle, PausesBetweenRequestsAreCreditedUpToAQuarterSecond) {
  FakeTime time;
  LinkThrottle throttle(Transatlantic(), time, time);
  ASSERT_TRUE(throttle.Send("a", "b", 10 * kMB, nullptr).ok());  // 80 + 100 ms
  EXPECT_EQ(time.Now(), milliseconds(180));
  // 50 ms of local work between two requests is not link time: the pair still takes the
  // prediction for two requests.
  time.Advance(milliseconds(50));
  ASSERT_TRUE(throttle.Send("a", "b", 10 * kMB, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(360));
  // A long idle earns at most 1/4 s (25 MB): a request worth 180 ms goes out at once, the
  // next one pays the rest of its time.
  time.Advance(seconds(10));
  const Nanos idle_end = time.Now();
  ASSERT_TRUE(throttle.Send("a", "b", 10 * kMB, nullptr).ok());
  EXPECT_EQ(time.Now(), idle_end);
  ASSERT_TRUE(throttle.Send("a", "b", 10 * kMB, nullptr).ok());
  EXPECT_EQ(time.Now(), idle_end + milliseconds(110));
}

TEST(LinkThrottle, ARequestArrivingDuringAnotherQueuesBehindItOnTheSamePair) {
  FakeTime time;
  InterleavingSleeper sleeper(time);
  LinkThrottle throttle(Transatlantic(), time, sleeper);
  Nanos second_done{0};
  sleeper.during_ = [&] {
    EXPECT_TRUE(throttle.Send("a", "b", 50 * kMB, nullptr).ok());
    second_done = time.Now();
  };
  ASSERT_TRUE(throttle.Send("a", "b", 100 * kMB, nullptr).ok());
  // First 80 + 1000 ms, then 80 + 500 ms.
  EXPECT_EQ(second_done, milliseconds(1660));
}

TEST(LinkThrottle, EachDirectionAndEachPairIsItsOwnChannel) {
  FakeTime time;
  InterleavingSleeper sleeper(time);
  LinkThrottle throttle(Model(R"({"default": {"bandwidthMBps": 100, "latencyMs": 80}})"), time,
                        sleeper);
  Nanos reverse_done{0};
  Nanos other_done{0};
  sleeper.during_ = [&] {
    EXPECT_TRUE(throttle.Send("b", "a", 50 * kMB, nullptr).ok());
    reverse_done = time.Now();
    EXPECT_TRUE(throttle.Send("a", "c", 50 * kMB, nullptr).ok());
    other_done = time.Now();
  };
  ASSERT_TRUE(throttle.Send("a", "b", 100 * kMB, nullptr).ok());
  // Neither waited for a -> b's 1080 ms.
  EXPECT_EQ(reverse_done, milliseconds(580));
  EXPECT_EQ(other_done, milliseconds(1160));
}

TEST(LinkThrottle, ACancelledRequestReturnsCancelledAndFreesItsPlace) {
  FakeTime time;
  LinkThrottle throttle(Transatlantic(), time, time);
  std::atomic<bool> cancel{true};
  const Status status = throttle.Send("a", "b", 100 * kMB, &cancel);
  EXPECT_TRUE(storage::IsCancelled(status)) << status.ToString();
  EXPECT_TRUE(time.sleeps().empty());
  ASSERT_TRUE(throttle.Send("a", "b", 100 * kMB, nullptr).ok());
  EXPECT_EQ(time.Now(), milliseconds(1080));
}

TEST(LinkThrottle, TheLatencyOfAnUnlimitedLinkCanBeCancelled) {
  FakeTime time;
  LinkThrottle throttle(Model(R"({"default": {"latencyMs": 1000}})"), time, time);
  std::atomic<bool> cancel{true};
  EXPECT_TRUE(storage::IsCancelled(throttle.Send("a", "b", 1, &cancel)));
  EXPECT_EQ(time.Now(), Nanos(0));
}

// Real time: workers on one pair share it. Lower bound only (a busy machine only adds time).
TEST(LinkThrottle, ConcurrentWorkersOnOnePairShareItsBandwidth) {
  SteadyTime time;
  LinkThrottle throttle(
      Model(R"({"pairs": [{"from": "a", "to": "b", "bandwidthMBps": 5, "latencyMs": 10}]})"), time,
      time);
  constexpr int kWorkers = 3;
  constexpr int kRequests = 4;
  constexpr uint64_t kBytes = 100'000;  // 12 requests: 12 * 10 ms + 1.2 MB / 5 MB/s = 0.36 s
  const Nanos start = time.Now();
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (int i = 0; i < kRequests; ++i) {
        if (!throttle.Send("a", "b", kBytes, nullptr).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  const double elapsed = Seconds(time.Now() - start);
  EXPECT_EQ(failures.load(), 0);
  const double predicted = PredictSeconds(throttle.model().For("a", "b"),
                                          kWorkers * kRequests * kBytes, kWorkers * kRequests);
  EXPECT_GE(elapsed, predicted - 0.001);
  EXPECT_LT(elapsed, predicted + 10);
}

}  // namespace
}  // namespace gallery::replication
