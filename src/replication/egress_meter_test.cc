#include "replication/egress_meter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gallery::replication {
namespace {

TEST(EgressMeter, StartsEmpty) { EXPECT_TRUE(EgressMeter().Snapshot().empty()); }

TEST(EgressMeter, CountsBytesPerOrderedPairSorted) {
  EgressMeter meter;
  meter.Add("westeurope", "eastus", 7);
  meter.Add("eastus", "westeurope", 100);
  meter.Add("eastus", "southindia", 5);
  meter.Add("eastus", "westeurope", 23);
  const std::vector<EgressCount> expected = {
      {"eastus", "southindia", 5}, {"eastus", "westeurope", 123}, {"westeurope", "eastus", 7}};
  EXPECT_EQ(meter.Snapshot(), expected);
}

TEST(EgressMeter, CopiesInsideARegionAndEmptyCopiesAreNotCounted) {
  EgressMeter meter;
  meter.Add("eastus", "eastus", 100);
  meter.Add("East US", "eastus", 100);
  meter.Add("eastus", "westus", 0);
  EXPECT_TRUE(meter.Snapshot().empty());
}

TEST(EgressMeter, RegionNamesAreNormalized) {
  EgressMeter meter;
  meter.Add("East US", "West Europe", 1);
  meter.Add("eastus", "westeurope", 2);
  const std::vector<EgressCount> expected = {{"eastus", "westeurope", 3}};
  EXPECT_EQ(meter.Snapshot(), expected);
}

TEST(EgressMeter, ConcurrentAddsAreAllCounted) {
  EgressMeter meter;
  constexpr int kThreads = 4;
  constexpr int kAdds = 10'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&meter, t] {
      for (int i = 0; i < kAdds; ++i) {
        meter.Add("eastus", t % 2 == 0 ? "westus" : "westeurope", 3);
        if (i % 1000 == 0) {
          (void)meter.Snapshot();  // reading while others add is safe
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const std::vector<EgressCount> expected = {{"eastus", "westeurope", 2 * kAdds * 3},
                                             {"eastus", "westus", 2 * kAdds * 3}};
  EXPECT_EQ(meter.Snapshot(), expected);
}

}  // namespace
}  // namespace gallery::replication
