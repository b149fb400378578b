#include "common/random.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "common/file_util.h"

namespace gallery {
namespace {

TEST(RandomTest, UuidsAreVersion4AndDistinct) {
  auto random = NewSystemRandom();
  std::set<std::string> seen;
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) {
    std::string u = NewUuid(*random);
    EXPECT_TRUE(std::regex_match(u, uuid)) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomTest, LabelUuidsAreVersion4AndDistinctAcrossThreads) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::vector<std::string> made[2];
  std::thread a([&] { for (int i = 0; i < 500; ++i) made[0].push_back(NewLabelUuid()); });
  std::thread b([&] { for (int i = 0; i < 500; ++i) made[1].push_back(NewLabelUuid()); });
  a.join();
  b.join();
  std::set<std::string> seen;
  for (const auto& list : made) {
    for (const std::string& u : list) {
      EXPECT_TRUE(std::regex_match(u, uuid)) << u;
      seen.insert(u);
    }
  }
  EXPECT_EQ(seen.size(), 1000u);  // each thread seeds its own generator independently
}

// Returns `first` once, then what the system returns.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::string first) : first_(std::move(first)) {}
  std::string Bytes(size_t n) override {
    if (!first_.empty()) {
      std::string out = first_;
      first_.clear();
      out.resize(n, '\0');
      return out;
    }
    return system_->Bytes(n);
  }

 private:
  std::string first_;
  std::unique_ptr<Random> system_ = NewSystemRandom();
};

TEST(RandomTest, ClientSecretsNeverStartWithADash) {
  // 0xF8 encodes to '-' first in URL-safe base64: that draw is discarded.
  const std::string dash_first(1, static_cast<char>(0xF8));
  ScriptedRandom probe(dash_first);
  ASSERT_EQ(RandomToken(probe, 30)[0], '-');
  ScriptedRandom random(dash_first);
  const std::string secret = NewClientSecret(random, 30);
  EXPECT_EQ(secret.size(), 40u);
  EXPECT_NE(secret[0], '-');
}

TEST(RandomTest, TokensAreUrlSafe) {
  auto random = NewSystemRandom();
  std::string t = RandomToken(*random, 30);
  EXPECT_EQ(t.size(), 40u);
  EXPECT_EQ(t.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(FileUtilTest, AtomicWriteReplacesAndSetsMode) {
  auto dir = std::filesystem::temp_directory_path() / ("gallery-fileutil-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "secret.json";
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  EXPECT_EQ(*ReadFile(path), "two");
  auto perms = std::filesystem::status(path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_EQ(ReadFile(dir / "absent").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(WriteFileAtomic(dir / "no-such-dir" / "f", "x").code(), StatusCode::kUnavailable);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gallery
