// ManifestReader over a real SQLite store and real region stores: manifests opened as disks,
// the refusals, and the bounded cache of decoded manifests.

#include "service/manifest_reader.h"

#include <gtest/gtest.h>

#include "service/service_test_base.h"
#include "storage/manifest.h"

namespace gallery::service {
namespace {

constexpr uint64_t kDiskBytes = uint64_t{4} << 20;
constexpr uint32_t kChunk = 128u << 10;

class ManifestReaderTest : public test_support::ServiceTestBase {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("manifest-reader-test");
    ASSERT_NO_FATAL_FAILURE(OpenServices());
  }
  void TearDown() override {
    CloseServices();
    std::filesystem::remove_all(dir_);
  }

  // Records manifest `id`: a disk of zeros (no chunk is needed to read it).
  void PutManifest(const std::string& id, const std::string& body) {
    auto tx = std::move(store_->Begin(metadata::TxMode::kWrite)).value();
    ASSERT_TRUE(tx->PutManifest({id, "westus", body, kStartTime}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  std::string ZeroDisk() {
    storage::Manifest manifest{kDiskBytes, kChunk, {}};
    manifest.chunks.resize(kDiskBytes / kChunk);
    return storage::EncodeManifest(manifest);
  }
  void DeleteManifest(const std::string& id) {
    auto tx = std::move(store_->Begin(metadata::TxMode::kWrite)).value();
    ASSERT_TRUE(tx->DeleteManifest(id).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
};

TEST_F(ManifestReaderTest, OpensAManifestAsTheDiskItDescribes) {
  ASSERT_NO_FATAL_FAILURE(PutManifest("m1", ZeroDisk()));
  ManifestReader reader(*store_, *stores_);
  auto disk = reader.Open("m1", "disk 'd1'");
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  EXPECT_EQ((*disk)->size(), kDiskBytes);
  EXPECT_TRUE((*disk)->KnownZero(0, kDiskBytes));
  std::vector<uint8_t> out(4096, 1);
  ASSERT_TRUE((*disk)->ReadAt(kDiskBytes - 4096, out).ok());
  EXPECT_EQ(out, std::vector<uint8_t>(4096, 0));
}

TEST_F(ManifestReaderTest, AMissingOrUndecodableManifestIsDataLossNamingItsOwner) {
  ASSERT_NO_FATAL_FAILURE(PutManifest("bad", "not a manifest"));
  ManifestReader reader(*store_, *stores_);
  Status missing = reader.Open("nope", "disk 'd1'").status();
  EXPECT_EQ(missing.code(), StatusCode::kDataLoss);
  EXPECT_NE(missing.message().find("disk 'd1'"), std::string::npos) << missing.message();
  EXPECT_EQ(reader.Open("bad", "disk 'd1'").status().code(), StatusCode::kDataLoss);
}

TEST_F(ManifestReaderTest, DecodedManifestsAreKeptUpToTheCacheSize) {
  ASSERT_NO_FATAL_FAILURE(PutManifest("m1", ZeroDisk()));
  ASSERT_NO_FATAL_FAILURE(PutManifest("m2", ZeroDisk()));
  ManifestReader reader(*store_, *stores_, /*cached=*/1);
  ASSERT_TRUE(reader.Open("m1", "a").ok());
  // Kept: a second open reads no metadata (the row is gone and it still opens).
  ASSERT_NO_FATAL_FAILURE(DeleteManifest("m1"));
  EXPECT_TRUE(reader.Open("m1", "a").ok());
  // Opening another pushes it out; then it is read again, and found missing.
  ASSERT_TRUE(reader.Open("m2", "b").ok());
  EXPECT_EQ(reader.Open("m1", "a").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace gallery::service
