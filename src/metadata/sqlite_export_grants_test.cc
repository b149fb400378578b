// Export grants in the SQLite store: kept across reopening, found by id, revoked per resource
// whatever the id's casing, pruned once expired.

#include <gtest/gtest.h>

#include "metadata/sqlite_store.h"
#include "metadata/test_store.h"

namespace gallery::metadata {
namespace {

ResourceId Image(const std::string& name) {
  return ResourceId::Parse(
             "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/"
             "images/" +
             name)
      .value();
}

class SqliteExportGrantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::FreshTestDir("sqlite-export-grants");
    ASSERT_NO_FATAL_FAILURE(test_support::OpenTestStore(dir_, store_));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Transaction> Tx(TxMode mode) { return std::move(store_->Begin(mode)).value(); }
  void Put(const domain::ExportGrant& grant) {
    auto tx = Tx(TxMode::kWrite);
    ASSERT_TRUE(tx->PutExportGrant(grant).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  std::optional<domain::ExportGrant> Get(const std::string& id) {
    return Tx(TxMode::kRead)->GetExportGrant(id).value();
  }

  std::filesystem::path dir_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(SqliteExportGrantsTest, AGrantIsKeptAcrossReopeningTheStore) {
  const domain::ExportGrant grant{"g1", Image("Img1"), "m1", 1000, 5000};
  Put(grant);
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(test_support::OpenTestStore(dir_, store_));
  std::optional<domain::ExportGrant> found = Get("g1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, grant);
  EXPECT_EQ(found->resource.ToString(), Image("Img1").ToString());  // casing kept
  EXPECT_FALSE(Get("g2").has_value());
}

TEST_F(SqliteExportGrantsTest, RevokingAResourceDeletesOnlyItsGrantsWhateverTheCasing) {
  Put({"g1", Image("img1"), "m1", 1000, 5000});
  Put({"g2", Image("img1"), "m2", 1000, 5000});
  Put({"g3", Image("img2"), "m3", 1000, 5000});
  {
    auto tx = Tx(TxMode::kWrite);
    EXPECT_EQ(tx->DeleteExportGrantsOf(Image("IMG1")).value(), 2);
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_FALSE(Get("g1").has_value());
  EXPECT_FALSE(Get("g2").has_value());
  EXPECT_TRUE(Get("g3").has_value());
}

TEST_F(SqliteExportGrantsTest, EndingOneGrantDeletesOnlyItAndOnlyOnItsResource) {
  Put({"g1", Image("img1"), "m1", 1000, 5000});
  Put({"g2", Image("img1"), "m1", 1000, 5000});
  {
    auto tx = Tx(TxMode::kWrite);
    EXPECT_EQ(tx->DeleteExportGrant(Image("img2"), "g1").value(), 0);  // not img2's grant
    EXPECT_EQ(tx->DeleteExportGrant(Image("IMG1"), "g1").value(), 1);
    EXPECT_EQ(tx->DeleteExportGrant(Image("img1"), "g1").value(), 0);
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_FALSE(Get("g1").has_value());
  EXPECT_TRUE(Get("g2").has_value());
}

TEST_F(SqliteExportGrantsTest, PruningDeletesOnlyExpiredGrants) {
  Put({"old", Image("img1"), "m1", 1000, 2000});
  Put({"live", Image("img1"), "m1", 1000, 9000});
  {
    auto tx = Tx(TxMode::kWrite);
    EXPECT_EQ(tx->PruneExportGrants(3000).value(), 1);
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_FALSE(Get("old").has_value());
  EXPECT_TRUE(Get("live").has_value());
}

TEST_F(SqliteExportGrantsTest, AReadTransactionCannotWriteGrants) {
  auto tx = Tx(TxMode::kRead);
  EXPECT_EQ(tx->PutExportGrant({"g1", Image("img1"), "m1", 1, 2}).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(tx->DeleteExportGrantsOf(Image("img1")).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gallery::metadata
