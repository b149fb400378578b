// Parallel clients against the real galleryd: concurrent version creates all succeed, and the
// quota count stays exact (no lost or double-counted creates, no quota overrun).

#include <atomic>
#include <mutex>

#include "arm_test_fixture.h"

namespace gallery::testing {
namespace {

class ConcurrencyTest : public ArmFixture {
 protected:
  // Creates versions 1.0.<i> for i in [0, threads * per_thread) from `threads` threads, each
  // with its own HTTPS connection; returns the HTTP status of every PUT by version name.
  std::map<std::string, HttpResult> CreateInParallel(int threads, int per_thread) {
    std::map<std::string, HttpResult> results;
    std::mutex mu;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::unique_ptr<HttpsTransport> client = server_->Client();
        for (int k = 0; k < per_thread; ++k) {
          const std::string v = "1.0." + std::to_string(t * per_thread + k);
          HttpCall call{"PUT", Q(VerPath(v), kVersionApi), {{"Content-Type", "application/json"}},
                        VersionBody().dump()};
          Result<HttpResult> r = client->Send(call);
          std::lock_guard<std::mutex> lock(mu);
          results[v] = r.ok() ? *r : HttpResult{};
        }
      });
    }
    for (std::thread& w : workers) {
      w.join();
    }
    return results;
  }
  int VersionUsage() {
    json all = Body(Call("GET", Q(Sub() + "/providers/Microsoft.Compute/locations/southcentralus/usages",
                                  kImageApi)));
    for (const json& u : all["value"]) {
      if (u["name"]["value"] == "galleryImageVersions") {
        return u["currentValue"].get<int>();
      }
    }
    return -1;
  }
};

TEST_F(ConcurrencyTest, EightThreadsCreatingVersionsAllSucceedAndTheQuotaCountIsExact) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  std::map<std::string, HttpResult> results = CreateInParallel(8, 4);
  ASSERT_EQ(results.size(), 32u);
  for (const auto& [v, r] : results) {
    EXPECT_EQ(r.status, 201) << v << ": " << r.body;
  }
  for (const auto& [v, r] : results) {
    WaitSucceeded(VerPath(v), kVersionApi);
  }
  EXPECT_EQ(VersionUsage(), 32);
  json list = Body(Call("GET", Q(DefPath("def1") + "/versions", kVersionApi)));
  EXPECT_EQ(list["value"].size(), 32u);
}

TEST_F(ConcurrencyTest, ParallelCreatesNeverOverrunTheQuota) {
  ASSERT_NO_FATAL_FAILURE(StartServer(R"({"quotas": {"imageVersions": 5}})"));
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  std::map<std::string, HttpResult> results = CreateInParallel(8, 1);
  int created = 0;
  int refused = 0;
  for (const auto& [v, r] : results) {
    if (r.status == 201) {
      ++created;
    } else {
      ++refused;
      ExpectError(r, 409, "GalleryImageVersionQuotaExceeded", {"Limit: 5", "current usage: 5"});
      ExpectAbsent(VerPath(v), kVersionApi);
    }
  }
  EXPECT_EQ(created, 5);
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(VersionUsage(), 5);
}

}  // namespace
}  // namespace gallery::testing
