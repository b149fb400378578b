#include "metadata/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "metadata/sqlite_schema.h"
#include "metadata/test_resources.h"

namespace gallery::metadata {
namespace {

namespace fs = std::filesystem;
using fixtures::ExpectSameResource;
using fixtures::GalleryId;
using fixtures::ImageId;
using fixtures::VersionId;

constexpr char kSub[] = "00000000-0000-0000-0000-00000000000a";
constexpr char kOtherSub[] = "00000000-0000-0000-0000-00000000000b";

#define ASSERT_OK(expr)                                                  \
  do {                                                                   \
    const ::gallery::Status assert_ok_status_ = (expr);                  \
    ASSERT_TRUE(assert_ok_status_.ok()) << assert_ok_status_.ToString(); \
  } while (false)

// Unwraps a Result in a test, failing the test (and returning) on error.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                         \
  auto GALLERY_CONCAT(result_, __LINE__) = (expr);              \
  ASSERT_TRUE(GALLERY_CONCAT(result_, __LINE__).ok())           \
      << GALLERY_CONCAT(result_, __LINE__).status().ToString(); \
  lhs = std::move(GALLERY_CONCAT(result_, __LINE__)).value()

domain::Gallery MakeGallery(const std::string& sub, const std::string& rg, const std::string& name,
                            const std::string& location = "eastus") {
  domain::Gallery g;
  g.meta.id = GalleryId(sub, rg, name);
  g.meta.location = location;
  g.meta.provisioning_state = domain::ProvisioningState::kSucceeded;
  g.unique_name = sub + "-" + name;
  return g;
}

domain::GalleryImage MakeImage(const std::string& sub, const std::string& rg,
                               const std::string& gallery, const std::string& name,
                               const std::string& location = "eastus") {
  domain::GalleryImage image;
  image.meta.id = ImageId(sub, rg, gallery, name);
  image.meta.location = location;
  image.identifier = {"p", "o", name};
  return image;
}

domain::GalleryImageVersion MakeVersion(const std::string& sub, const std::string& rg,
                                        const std::string& gallery, const std::string& image,
                                        const std::string& version,
                                        const std::string& location = "eastus") {
  domain::GalleryImageVersion v;
  v.meta.id = VersionId(sub, rg, gallery, image, version);
  v.meta.location = location;
  v.version = *SemVer::Parse(version);
  return v;
}

domain::Operation MakeOperation(const std::string& id, domain::OperationStatus status,
                                TimestampMs start, TimestampMs not_before) {
  domain::Operation op;
  op.id = id;
  op.subscription = kSub;
  op.location = "eastus";
  op.kind = domain::OperationKind::kCreate;
  op.resource_id = GalleryId(kSub, "rg", "g-" + id);
  op.status = status;
  op.start_time = start;
  op.not_before = not_before;
  return op;
}

std::vector<std::string> Names(const std::vector<Resource>& items) {
  std::vector<std::string> names;
  for (const Resource& r : items) {
    names.push_back(Meta(r).id.Name());
  }
  return names;
}

// Runs SQL on the database file through a connection of its own, as another process would.
void ExecRaw(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

int64_t QueryRawInt(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
  int64_t value = -1;
  if (sqlite3_step(st) == SQLITE_ROW) {
    value = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "sqlite_store_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_file_ = dir_ / "data" / "meta" / "metadata.db";
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Reopen(SqliteOptions opts = {}) {
    store_.reset();
    Result<std::unique_ptr<MetadataStore>> opened = OpenSqliteStore(db_file_, opts);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  std::unique_ptr<Transaction> Begin(TxMode mode) {
    Result<std::unique_ptr<Transaction>> tx = store_->Begin(mode);
    EXPECT_TRUE(tx.ok()) << tx.status().ToString();
    return tx.ok() ? std::move(tx).value() : nullptr;
  }

  // Puts each resource in one committed write transaction.
  void PutAll(const std::vector<Resource>& resources) {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_NE(tx, nullptr);
    for (const Resource& r : resources) {
      ASSERT_OK(tx->PutResource(r));
    }
    ASSERT_OK(tx->Commit());
  }

  std::optional<Resource> Get(const ResourceId& id) {
    auto tx = Begin(TxMode::kRead);
    Result<std::optional<Resource>> r = tx->GetResource(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }

  ResourcePage List(const ResourceQuery& q) {
    auto tx = Begin(TxMode::kRead);
    Result<ResourcePage> page = tx->ListResources(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : ResourcePage{};
  }

  fs::path dir_;
  fs::path db_file_;
  std::unique_ptr<MetadataStore> store_;
};

// ---------------------------------------------------------------- opening

TEST_F(SqliteStoreTest, CreatesPrivateFileAndMissingParentDirectories) {
  struct stat st {};
  ASSERT_EQ(::stat(db_file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(db_file_.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((db_file_.string() + "-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreTest, UsesWalAndFullSync) {
  EXPECT_EQ(QueryRawInt(db_file_,
                        "SELECT count(*) FROM pragma_journal_mode WHERE "
                        "journal_mode = 'wal'"),
            1);
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedOnceAcrossReopens) {
  Reopen();
  Reopen();
  EXPECT_EQ(QueryRawInt(db_file_, "SELECT count(*) FROM schema_migrations"),
            SqliteMigrationSteps());
  EXPECT_EQ(QueryRawInt(db_file_, "SELECT max(version) FROM schema_migrations"),
            SqliteSchemaVersion());
  EXPECT_GT(QueryRawInt(db_file_, "SELECT min(applied_at) FROM schema_migrations"), 0);
}

TEST_F(SqliteStoreTest, DatabaseFromANewerBuildIsRefused) {
  store_.reset();
  const int32_t future = SqliteSchemaVersion() + 1;
  ExecRaw(db_file_, "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                        std::to_string(future) + ", 1)");
  Result<std::unique_ptr<MetadataStore>> opened = OpenSqliteStore(db_file_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(opened.status().message(), "database schema version " + std::to_string(future) +
                                           " is newer than this galleryd supports (" +
                                           std::to_string(SqliteSchemaVersion()) + ")");
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsInternal) {
  fs::path junk = dir_ / "junk.db";
  std::ofstream(junk) << std::string(8192, 'x');
  Result<std::unique_ptr<MetadataStore>> opened = OpenSqliteStore(junk);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInternal) << opened.status().ToString();
}

TEST_F(SqliteStoreTest, UncreatableDirectoryIsUnavailable) {
  std::ofstream(dir_ / "plainfile") << "x";
  Result<std::unique_ptr<MetadataStore>> opened =
      OpenSqliteStore(dir_ / "plainfile" / "sub" / "metadata.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable) << opened.status().ToString();
}

TEST_F(SqliteStoreTest, OutOfRangeOptionsAreInvalidArgument) {
  EXPECT_EQ(OpenSqliteStore(dir_ / "a.db", {.busy_timeout_ms = -1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore(dir_ / "b.db", {.read_connections = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- resources

TEST_F(SqliteStoreTest, EveryResourceTypeRoundTripsWithEveryField) {
  PutAll(fixtures::EveryResourceType());
  for (const Resource& original : fixtures::EveryResourceType()) {
    SCOPED_TRACE(TypeOf(original));
    std::optional<Resource> back = Get(Meta(original).id);
    ASSERT_TRUE(back.has_value());
    ExpectSameResource(original, *back);
  }
}

TEST_F(SqliteStoreTest, AbsentResourceIsNullopt) {
  EXPECT_FALSE(Get(GalleryId(kSub, "rg", "nope")).has_value());
}

TEST_F(SqliteStoreTest, IdsCompareCaseInsensitivelyAndKeepTheLatestCasing) {
  PutAll({MakeGallery(kSub, "MyGroup", "MyGallery")});
  std::optional<Resource> found = Get(GalleryId(kSub, "MYGROUP", "mygallery"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(Meta(*found).id.ToString(), GalleryId(kSub, "MyGroup", "MyGallery").ToString());

  domain::Gallery recased = MakeGallery(kSub, "mygroup", "MYGALLERY");
  recased.description = "second";
  PutAll({recased});
  ResourcePage all = List({.subscription = kSub});
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(Meta(all.items[0]).id.ToString(), recased.meta.id.ToString());
  EXPECT_EQ(std::get<domain::Gallery>(all.items[0]).description, "second");
}

std::shared_ptr<const Resource> Find(MetadataStore& store, const ResourceId& id) {
  Result<std::shared_ptr<const Resource>> found = store.FindResource(id);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  return found.ok() ? *found : nullptr;
}

TEST_F(SqliteStoreTest, FindResourceReadsCommittedStateAndSharesUnchangedResources) {
  EXPECT_EQ(Find(*store_, GalleryId(kSub, "rg", "g")), nullptr);
  PutAll({MakeGallery(kSub, "rg", "g")});
  std::shared_ptr<const Resource> first = Find(*store_, GalleryId(kSub, "RG", "G"));
  ASSERT_NE(first, nullptr);
  ExpectSameResource(*first, Resource(MakeGallery(kSub, "rg", "g")));
  // Unchanged: the very same object, so callers may key derived data by its address.
  EXPECT_EQ(Find(*store_, GalleryId(kSub, "rg", "g")).get(), first.get());

  domain::Gallery changed = MakeGallery(kSub, "rg", "g");
  changed.description = "changed";
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutResource(changed));
    // Not committed yet: a point read still sees the committed version.
    EXPECT_EQ(Find(*store_, GalleryId(kSub, "rg", "g")).get(), first.get());
    ASSERT_OK(tx->Commit());
  }
  std::shared_ptr<const Resource> second = Find(*store_, GalleryId(kSub, "rg", "g"));
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second.get(), first.get());
  EXPECT_EQ(std::get<domain::Gallery>(*second).description, "changed");
  EXPECT_EQ(std::get<domain::Gallery>(*first).description, "");  // held copies never change

  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->DeleteResource(GalleryId(kSub, "rg", "g")));
    ASSERT_OK(tx->Commit());
  }
  EXPECT_EQ(Find(*store_, GalleryId(kSub, "rg", "g")), nullptr);
}

TEST_F(SqliteStoreTest, FindResourceNeverReturnsStateOlderThanTheLastCommit) {
  domain::Gallery g = MakeGallery(kSub, "rg", "g");
  g.description = "0";
  PutAll({g});
  std::atomic<int> committed{0};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const int floor = committed.load();
        Result<std::shared_ptr<const Resource>> found =
            store_->FindResource(GalleryId(kSub, "rg", "g"));
        if (!found.ok() || *found == nullptr ||
            std::stoi(std::get<domain::Gallery>(**found).description) < floor) {
          ++stale;
        }
      }
    });
  }
  for (int i = 1; i <= 200; ++i) {
    g.description = std::to_string(i);
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutResource(g));
    ASSERT_OK(tx->Commit());
    committed.store(i);
  }
  done.store(true);
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(stale.load(), 0);
  EXPECT_EQ(std::get<domain::Gallery>(*Find(*store_, g.meta.id)).description, "200");
}

TEST_F(SqliteStoreTest, OnlyCommitsThatChangeResourcesInvalidateFindResource) {
  PutAll({MakeGallery(kSub, "rg", "g"), MakeGallery(kSub, "rg", "other")});
  const ResourceId id = GalleryId(kSub, "rg", "g");
  ASSERT_NE(Find(*store_, id), nullptr);  // remembered
  // A change behind the store's back (never done in production: the store is the only writer)
  // shows what the store answers from memory.
  ExecRaw(db_file_, "UPDATE resources SET body = json_set(body, '$.properties.description', "
                    "'behind') WHERE key = '" + id.Key() + "'");
  {
    auto tx = Begin(TxMode::kWrite);  // a commit that changes no resource
    ASSERT_OK(tx->PutSetting("k", "v"));
    ASSERT_OK(tx->Commit());
  }
  EXPECT_EQ(std::get<domain::Gallery>(*Find(*store_, id)).description, "");
  domain::Gallery other = MakeGallery(kSub, "rg", "other");
  other.description = "changed";
  PutAll({other});  // a commit that changes a resource: every remembered read is dropped
  EXPECT_EQ(std::get<domain::Gallery>(*Find(*store_, id)).description, "behind");
}

TEST_F(SqliteStoreTest, ASecondStoreOnTheSameFileIsRefusedWhileTheFirstIsOpen) {
  Result<std::unique_ptr<MetadataStore>> second = OpenSqliteStore(db_file_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by another process"), std::string::npos)
      << second.status().ToString();
  store_.reset();
  second = OpenSqliteStore(db_file_);
  EXPECT_TRUE(second.ok()) << second.status().ToString();
}

TEST_F(SqliteStoreTest, FindResourceWaitsForAReadConnectionAndGivesItBack) {
  Reopen({.busy_timeout_ms = 50, .read_connections = 1});
  PutAll({MakeGallery(kSub, "rg", "g")});
  {
    auto tx = Begin(TxMode::kRead);  // holds the only read connection
    Result<std::shared_ptr<const Resource>> busy = store_->FindResource(GalleryId(kSub, "rg", "g"));
    EXPECT_EQ(busy.status().code(), StatusCode::kUnavailable) << busy.status().ToString();
  }
  for (int i = 0; i < 3; ++i) {  // each read returns the connection to the pool
    EXPECT_NE(Find(*store_, GalleryId(kSub, "rg", "g")), nullptr);
  }
}

TEST_F(SqliteStoreTest, DeleteRemovesOnlyThatResource) {
  PutAll({MakeGallery(kSub, "rg", "g"), MakeImage(kSub, "rg", "g", "i")});
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->DeleteResource(GalleryId(kSub, "RG", "G")));
    ASSERT_OK(tx->Commit());
  }
  EXPECT_FALSE(Get(GalleryId(kSub, "rg", "g")).has_value());
  EXPECT_TRUE(Get(ImageId(kSub, "rg", "g", "i")).has_value());
}

TEST_F(SqliteStoreTest, DeletingAnAbsentResourceIsNotFound) {
  auto tx = Begin(TxMode::kWrite);
  Status s = tx->DeleteResource(GalleryId(kSub, "rg", "ghost"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
}

TEST_F(SqliteStoreTest, ResourceWhoseIdIsOfAnotherTypeIsInternal) {
  domain::Gallery g = MakeGallery(kSub, "rg", "g");
  g.meta.id = ImageId(kSub, "rg", "g", "i");
  auto tx = Begin(TxMode::kWrite);
  EXPECT_EQ(tx->PutResource(g).code(), StatusCode::kInternal);
}

// ---------------------------------------------------------------- listing and counting

class SqliteStoreListTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    PutAll({
        domain::ResourceGroup{{.id = fixtures::GroupId(kSub, "rg1"), .location = "eastus"}},
        domain::ResourceGroup{{.id = fixtures::GroupId(kSub, "rg2"), .location = "westus"}},
        MakeGallery(kSub, "rg1", "ga", "eastus"),
        MakeGallery(kSub, "rg1", "gb", "westus"),
        MakeGallery(kSub, "RG2", "gc", "EastUS"),
        MakeImage(kSub, "rg1", "ga", "i1"),
        MakeImage(kSub, "rg1", "ga", "i2"),
        MakeImage(kSub, "rg1", "gb", "i3"),
        MakeVersion(kSub, "rg1", "ga", "i1", "1.0.0"),
        MakeVersion(kSub, "rg1", "ga", "i1", "1.0.1", "westus"),
        MakeGallery(kOtherSub, "rg1", "gz"),
    });
  }
};

TEST_F(SqliteStoreListTest, ByParentListsDirectChildrenOnlyInKeyOrder) {
  EXPECT_EQ(Names(List({.subscription = kSub, .parent = GalleryId(kSub, "RG1", "GA")}).items),
            (std::vector<std::string>{"i1", "i2"}));
  EXPECT_EQ(Names(List({.subscription = kSub, .parent = ResourceId::ForSubscription(kSub)}).items),
            (std::vector<std::string>{"rg1", "rg2"}));
}

TEST_F(SqliteStoreListTest, ByGroupAndType) {
  EXPECT_EQ(Names(List({.subscription = kSub,
                        .resource_group = "Rg1",
                        .type = "microsoft.compute/GALLERIES"})
                      .items),
            (std::vector<std::string>{"ga", "gb"}));
  EXPECT_EQ(List({.subscription = kSub, .resource_group = "rg1"}).items.size(), 7u);
}

TEST_F(SqliteStoreListTest, BySubscriptionAndTypeExcludesOtherSubscriptions) {
  EXPECT_EQ(Names(List({.subscription = kSub, .type = domain::Gallery::kType}).items),
            (std::vector<std::string>{"ga", "gb", "gc"}));
  EXPECT_EQ(Names(List({.subscription = ToLower(kOtherSub), .type = domain::Gallery::kType}).items),
            (std::vector<std::string>{"gz"}));
}

TEST_F(SqliteStoreListTest, ByLocationIgnoresCase) {
  EXPECT_EQ(
      Names(
          List({.subscription = kSub, .type = domain::Gallery::kType, .location = "EASTUS"}).items),
      (std::vector<std::string>{"ga", "gc"}));
}

TEST_F(SqliteStoreListTest, CountsBySubscriptionTypeAndLocationForQuotas) {
  auto tx = Begin(TxMode::kRead);
  auto count = [&](ResourceQuery q) {
    Result<int64_t> n = tx->CountResources(q);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(count({.subscription = kSub, .type = domain::Gallery::kType, .location = "eastus"}), 2);
  EXPECT_EQ(
      count(
          {.subscription = kSub, .type = domain::GalleryImageVersion::kType, .location = "westus"}),
      1);
  EXPECT_EQ(count({.subscription = kSub, .type = domain::GalleryImage::kType}), 3);
  // Paging fields are ignored.
  EXPECT_EQ(count({.subscription = kSub,
                   .type = domain::GalleryImage::kType,
                   .after_key = "~",
                   .limit = 1}),
            3);
}

TEST_F(SqliteStoreListTest, QueryWithoutSubscriptionOrWithNegativeLimitIsInvalidArgument) {
  auto tx = Begin(TxMode::kRead);
  EXPECT_EQ(tx->ListResources({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tx->CountResources({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tx->ListResources({.subscription = kSub, .limit = -1}).status().code(),
            StatusCode::kInvalidArgument);
}

std::string VersionName(int i) { return "1.0." + std::to_string(i); }

TEST_F(SqliteStoreTest, PagingOver250WithLimit100Gives100Then100Then50) {
  std::vector<Resource> versions;
  for (int i = 0; i < 250; ++i) {
    versions.push_back(MakeVersion(kSub, "rg", "g", "img", VersionName(i)));
  }
  PutAll(versions);
  ResourceQuery q{.subscription = kSub, .parent = ImageId(kSub, "rg", "g", "img"), .limit = 100};
  std::set<std::string> seen;
  std::vector<size_t> sizes;
  std::string last_key;
  do {
    ResourcePage page = List(q);
    sizes.push_back(page.items.size());
    for (const Resource& r : page.items) {
      EXPECT_GT(Meta(r).id.Key(), last_key) << "pages must be ordered by key";
      last_key = Meta(r).id.Key();
      EXPECT_TRUE(seen.insert(Meta(r).id.Name()).second) << "duplicate " << Meta(r).id.Name();
    }
    q.after_key = page.next_key;
  } while (!q.after_key.empty() && sizes.size() < 10);
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(seen.size(), 250u);
}

TEST_F(SqliteStoreTest, ExactlyOneFullPageHasNoNextKey) {
  PutAll({MakeGallery(kSub, "rg", "a"), MakeGallery(kSub, "rg", "b")});
  ResourcePage page = List({.subscription = kSub, .limit = 2});
  EXPECT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.next_key, "");
}

TEST_F(SqliteStoreTest, PagingHasNoDuplicatesOrGapsWhileItemsAreInserted) {
  // Even names are there from the start; odd names arrive between pages, on both sides of
  // the cursor. Every original item must be listed exactly once.
  auto name = [](int i) {
    std::string n = std::to_string(i);
    return "g" + std::string(4 - n.size(), '0') + n;
  };
  std::vector<Resource> initial;
  for (int i = 0; i < 250; ++i) {
    initial.push_back(MakeGallery(kSub, "rg", name(2 * i)));
  }
  PutAll(initial);
  ResourceQuery q{.subscription = kSub, .type = domain::Gallery::kType, .limit = 100};
  std::vector<std::string> listed;
  int next_odd = 0;
  for (int round = 0; round < 20; ++round) {
    ResourcePage page = List(q);
    for (const std::string& n : Names(page.items)) {
      listed.push_back(n);
    }
    if (page.next_key.empty()) {
      break;
    }
    q.after_key = page.next_key;
    std::vector<Resource> inserted;
    for (int k = 0; k < 30; ++k, next_odd += 17) {
      inserted.push_back(MakeGallery(kSub, "rg", name(2 * (next_odd % 250) + 1)));
    }
    PutAll(inserted);
  }
  std::set<std::string> unique(listed.begin(), listed.end());
  EXPECT_EQ(unique.size(), listed.size()) << "a page repeated an item";
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  for (int i = 0; i < 250; ++i) {
    EXPECT_EQ(unique.count(name(2 * i)), 1u) << "gap at " << name(2 * i);
  }
}

// ---------------------------------------------------------------- transactions

TEST_F(SqliteStoreTest, DestroyedWriteTransactionRollsBackAndFreesTheWriter) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutResource(MakeGallery(kSub, "rg", "lost")));
  }
  EXPECT_FALSE(Get(GalleryId(kSub, "rg", "lost")).has_value());
  PutAll({MakeGallery(kSub, "rg", "kept")});  // the writer is free again
  EXPECT_TRUE(Get(GalleryId(kSub, "rg", "kept")).has_value());
}

TEST_F(SqliteStoreTest, ReadTransactionSeesTheSnapshotOfItsBegin) {
  auto before = Begin(TxMode::kRead);
  PutAll({MakeGallery(kSub, "rg", "new")});
  auto after = Begin(TxMode::kRead);
  const ResourceId id = GalleryId(kSub, "rg", "new");
  EXPECT_FALSE(before->GetResource(id)->has_value());
  EXPECT_EQ(*before->CountResources({.subscription = kSub}), 0);
  EXPECT_TRUE(after->GetResource(id)->has_value());
  ASSERT_OK(before->Commit());
  ASSERT_OK(after->Commit());
}

TEST_F(SqliteStoreTest, UncommittedWritesAreInvisibleToReadersAndVisibleToTheirWriter) {
  auto writer = Begin(TxMode::kWrite);
  ASSERT_OK(writer->PutResource(MakeGallery(kSub, "rg", "pending")));
  EXPECT_TRUE(writer->GetResource(GalleryId(kSub, "rg", "pending"))->has_value());
  EXPECT_FALSE(Get(GalleryId(kSub, "rg", "pending")).has_value());
  ASSERT_OK(writer->Commit());
  EXPECT_TRUE(Get(GalleryId(kSub, "rg", "pending")).has_value());
}

TEST_F(SqliteStoreTest, WritingInAReadTransactionIsFailedPrecondition) {
  auto tx = Begin(TxMode::kRead);
  EXPECT_EQ(tx->PutResource(MakeGallery(kSub, "rg", "g")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(tx->DeleteResource(GalleryId(kSub, "rg", "g")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(tx->PutTenant({.id = "t"}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(tx->PruneOperations(0).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, UsingATransactionAfterCommitIsFailedPrecondition) {
  auto tx = Begin(TxMode::kWrite);
  ASSERT_OK(tx->Commit());
  EXPECT_EQ(tx->GetResource(GalleryId(kSub, "rg", "g")).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(tx->Commit().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, SecondWriterWaitsThenGetsUnavailable) {
  Reopen({.busy_timeout_ms = 50});
  auto first = Begin(TxMode::kWrite);
  Result<std::unique_ptr<Transaction>> second = store_->Begin(TxMode::kWrite);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  // Readers are not blocked by the writer.
  EXPECT_NE(Begin(TxMode::kRead), nullptr);
}

TEST_F(SqliteStoreTest, ExhaustedReadPoolIsUnavailable) {
  Reopen({.busy_timeout_ms = 50, .read_connections = 1});
  auto first = Begin(TxMode::kRead);
  Result<std::unique_ptr<Transaction>> second = store_->Begin(TxMode::kRead);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  first.reset();
  EXPECT_NE(Begin(TxMode::kRead), nullptr);  // the connection went back to the pool
}

TEST_F(SqliteStoreTest, DatabaseLockedByAnotherProcessIsUnavailable) {
  Reopen({.busy_timeout_ms = 50});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_file_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Result<std::unique_ptr<Transaction>> tx = store_->Begin(TxMode::kWrite);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.status().code(), StatusCode::kUnavailable) << tx.status().ToString();
  EXPECT_NE(Begin(TxMode::kWrite), nullptr);  // the failed Begin released the writer
}

TEST_F(SqliteStoreTest, ConcurrentWritersAndReadersAllLand) {
  constexpr int kWriters = 4;
  constexpr int kWritesEach = 500;
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (writing) {
        Result<std::unique_ptr<Transaction>> tx = store_->Begin(TxMode::kRead);
        if (!tx.ok() || !(*tx)->CountResources({.subscription = kSub}).ok() ||
            !(*tx)->GetResource(GalleryId(kSub, "rg0", "g0")).ok()) {
          ++failures;
        }
        ++reads;
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        Result<std::unique_ptr<Transaction>> tx = store_->Begin(TxMode::kWrite);
        if (!tx.ok() ||
            !(*tx)
                 ->PutResource(MakeGallery(kSub, "rg" + std::to_string(w), "g" + std::to_string(i)))
                 .ok() ||
            !(*tx)->Commit().ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : writers) {
    t.join();
  }
  writing = false;
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(reads, 0);
  auto tx = Begin(TxMode::kRead);
  EXPECT_EQ(*tx->CountResources({.subscription = kSub}), kWriters * kWritesEach);
}

TEST_F(SqliteStoreTest, EverythingIsStillThereAfterReopening) {
  PutAll(fixtures::EveryResourceType());
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutTenant({.id = "t1", .display_name = "Contoso", .created_at = 1}));
    ASSERT_OK(tx->PutOperation(MakeOperation("op1", domain::OperationStatus::kInProgress, 1, 2)));
    ASSERT_OK(tx->Commit());
  }
  Reopen();
  for (const Resource& original : fixtures::EveryResourceType()) {
    std::optional<Resource> back = Get(Meta(original).id);
    ASSERT_TRUE(back.has_value()) << TypeOf(original);
    ExpectSameResource(original, *back);
  }
  auto tx = Begin(TxMode::kRead);
  EXPECT_TRUE(tx->GetTenant("t1")->has_value());
  EXPECT_TRUE(tx->GetOperation("op1")->has_value());
}

// ---------------------------------------------------------------- corrupt rows

TEST_F(SqliteStoreTest, CorruptBodyIsInternalNamingTheResource) {
  const domain::Gallery bad = MakeGallery(kSub, "rg", "bad");
  const domain::Gallery odd = MakeGallery(kSub, "rg", "odd");
  PutAll({bad, odd, MakeGallery(kSub, "rg", "good")});
  ExecRaw(db_file_,
          "UPDATE resources SET body = '{not json' WHERE key = '" + bad.meta.id.Key() + "'");
  ExecRaw(db_file_,
          "UPDATE resources SET body = json_set(body, '$.created_at', 'x') "
          "WHERE key = '" +
              odd.meta.id.Key() + "'");
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<Resource>> got = tx->GetResource(bad.meta.id);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);
  EXPECT_NE(got.status().message().find(bad.meta.id.ToString()), std::string::npos);
  got = tx->GetResource(odd.meta.id);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);
  EXPECT_NE(got.status().message().find("created_at"), std::string::npos);
  EXPECT_EQ(tx->ListResources({.subscription = kSub}).status().code(), StatusCode::kInternal);
  EXPECT_TRUE(tx->GetResource(GalleryId(kSub, "rg", "good"))->has_value());
}

TEST_F(SqliteStoreTest, RowChangedBehindTheStoreIsReadAfresh) {
  PutAll({MakeGallery(kSub, "rg", "g")});
  ASSERT_TRUE(Get(GalleryId(kSub, "rg", "g")).has_value());  // decoded and remembered
  ExecRaw(db_file_,
          "UPDATE resources SET body = json_set(body, '$.properties.description', "
          "'changed elsewhere')");
  std::optional<Resource> again = Get(GalleryId(kSub, "rg", "g"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(std::get<domain::Gallery>(*again).description, "changed elsewhere");
}

TEST_F(SqliteStoreTest, ReadsAreTheSameWithoutTheMemo) {
  Reopen({.memo_bytes = 0});
  PutAll(fixtures::EveryResourceType());
  for (const Resource& original : fixtures::EveryResourceType()) {
    for (int pass = 0; pass < 2; ++pass) {
      std::optional<Resource> back = Get(Meta(original).id);
      ASSERT_TRUE(back.has_value()) << TypeOf(original);
      ExpectSameResource(original, *back);
    }
  }
}

TEST_F(SqliteStoreTest, UnknownStoredTypeIsInternal) {
  PutAll({MakeGallery(kSub, "rg", "g")});
  ExecRaw(db_file_, "UPDATE resources SET type = 'microsoft.compute/disks'");
  auto tx = Begin(TxMode::kRead);
  EXPECT_EQ(tx->GetResource(GalleryId(kSub, "rg", "g")).status().code(), StatusCode::kInternal);
}

TEST_F(SqliteStoreTest, CorruptOperationRowIsInternal) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutOperation(MakeOperation("op", domain::OperationStatus::kInProgress, 1, 1)));
    ASSERT_OK(tx->Commit());
  }
  ExecRaw(db_file_, "UPDATE operations SET kind = 'Explode'");
  auto tx = Begin(TxMode::kRead);
  EXPECT_EQ(tx->GetOperation("op").status().code(), StatusCode::kInternal);
  EXPECT_EQ(tx->ListRunnableOperations(10, 10).status().code(), StatusCode::kInternal);
}

// ---------------------------------------------------------------- directory

TEST_F(SqliteStoreTest, TenantsAndSubscriptionsRoundTripAndMatchIdsCaseInsensitively) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutTenant({.id = "AAAA-1", .display_name = "Contoso", .created_at = 7}));
    ASSERT_OK(tx->PutSubscription({.id = "SUB-B",
                                   .tenant_id = "AAAA-1",
                                   .display_name = "Two",
                                   .state = "Disabled",
                                   .created_at = 8}));
    ASSERT_OK(tx->PutSubscription(
        {.id = "sub-a", .tenant_id = "AAAA-1", .display_name = "One", .created_at = 9}));
    ASSERT_OK(tx->Commit());
  }
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<domain::Tenant>> tenant = tx->GetTenant("aaaa-1");
  ASSERT_TRUE(tenant.ok() && tenant->has_value());
  EXPECT_EQ((*tenant)->id, "AAAA-1");
  EXPECT_EQ((*tenant)->display_name, "Contoso");
  EXPECT_EQ((*tenant)->created_at, 7);
  EXPECT_FALSE(tx->GetTenant("other")->has_value());
  Result<std::optional<domain::Subscription>> sub = tx->GetSubscription("sub-b");
  ASSERT_TRUE(sub.ok() && sub->has_value());
  EXPECT_EQ((*sub)->tenant_id, "AAAA-1");
  EXPECT_EQ((*sub)->display_name, "Two");
  EXPECT_EQ((*sub)->state, "Disabled");
  EXPECT_EQ((*sub)->created_at, 8);
  Result<std::vector<domain::Subscription>> all = tx->ListSubscriptions();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "sub-a");
  EXPECT_EQ((*all)[0].state, "Enabled");
  EXPECT_EQ((*all)[1].id, "SUB-B");
}

domain::Principal ServicePrincipal(const std::string& object_id, const std::string& app_id) {
  return {.object_id = object_id,
          .tenant_id = "t",
          .kind = domain::PrincipalKind::kServicePrincipal,
          .display_name = "ci",
          .app_id = app_id,
          .secret_hash = "pbkdf2-sha256$1$s$h",
          .created_at = 3};
}

TEST_F(SqliteStoreTest, PrincipalsAreFoundByAppIdCaseInsensitively) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutPrincipal(ServicePrincipal("obj-1", "App-ABC")));
    ASSERT_OK(tx->PutPrincipal({.object_id = "obj-2",
                                .tenant_id = "t",
                                .kind = domain::PrincipalKind::kUser,
                                .user_principal_name = "alice@contoso.example"}));
    ASSERT_OK(tx->PutPrincipal({.object_id = "obj-3", .kind = domain::PrincipalKind::kGroup}));
    ASSERT_OK(tx->Commit());
  }
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<domain::Principal>> sp = tx->FindPrincipalByAppId("app-abc");
  ASSERT_TRUE(sp.ok() && sp->has_value()) << sp.status().ToString();
  EXPECT_EQ((*sp)->object_id, "obj-1");
  EXPECT_EQ((*sp)->kind, domain::PrincipalKind::kServicePrincipal);
  EXPECT_EQ((*sp)->app_id, "App-ABC");
  EXPECT_EQ((*sp)->secret_hash, "pbkdf2-sha256$1$s$h");
  EXPECT_EQ((*sp)->created_at, 3);
  EXPECT_FALSE(tx->FindPrincipalByAppId("app-xyz")->has_value());
  EXPECT_FALSE(tx->FindPrincipalByAppId("")->has_value());  // users have no app id
  Result<std::optional<domain::Principal>> user = tx->GetPrincipal("OBJ-2");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->kind, domain::PrincipalKind::kUser);
  EXPECT_EQ((*user)->user_principal_name, "alice@contoso.example");
  EXPECT_EQ((*tx->GetPrincipal("obj-3"))->kind, domain::PrincipalKind::kGroup);
}

TEST_F(SqliteStoreTest, TwoPrincipalsWithOneAppIdIsInternal) {
  auto tx = Begin(TxMode::kWrite);
  ASSERT_OK(tx->PutPrincipal(ServicePrincipal("obj-1", "app")));
  Status s = tx->PutPrincipal(ServicePrincipal("obj-2", "APP"));
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
  ASSERT_OK(tx->Commit());  // a failed statement does not end the transaction
}

// ---------------------------------------------------------------- operations

TEST_F(SqliteStoreTest, OperationRoundTripsEveryField) {
  domain::Operation op = MakeOperation("Op-1", domain::OperationStatus::kFailed, 10, 20);
  op.kind = domain::OperationKind::kDelete;
  op.end_time = 30;
  op.error_code = "QuotaExceeded";
  op.error_message = "too many";
  op.attempts = 4;
  domain::Operation bare = MakeOperation("op-2", domain::OperationStatus::kCanceled, 1, 1);
  bare.resource_id = ResourceId();
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutOperation(op));
    ASSERT_OK(tx->PutOperation(bare));
    ASSERT_OK(tx->Commit());
  }
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<domain::Operation>> back = tx->GetOperation("op-1");
  ASSERT_TRUE(back.ok() && back->has_value()) << back.status().ToString();
  const domain::Operation& b = **back;
  EXPECT_EQ(b.id, "Op-1");
  EXPECT_EQ(b.subscription, op.subscription);
  EXPECT_EQ(b.location, "eastus");
  EXPECT_EQ(b.kind, domain::OperationKind::kDelete);
  EXPECT_EQ(b.resource_id.ToString(), op.resource_id.ToString());
  EXPECT_EQ(b.status, domain::OperationStatus::kFailed);
  EXPECT_EQ(b.start_time, 10);
  EXPECT_EQ(b.end_time, 30);
  EXPECT_EQ(b.not_before, 20);
  EXPECT_EQ(b.error_code, "QuotaExceeded");
  EXPECT_EQ(b.error_message, "too many");
  EXPECT_EQ(b.attempts, 4);
  Result<std::optional<domain::Operation>> bare_back = tx->GetOperation("op-2");
  ASSERT_TRUE(bare_back.ok() && bare_back->has_value()) << bare_back.status().ToString();
  EXPECT_TRUE((*bare_back)->resource_id.subscription().empty());
  EXPECT_FALSE(tx->GetOperation("op-3")->has_value());
}

TEST_F(SqliteStoreTest, RunnableOperationsAreInProgressAndDueOldestFirst) {
  using domain::OperationStatus;
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutOperation(MakeOperation("late", OperationStatus::kInProgress, 50, 500)));
    ASSERT_OK(tx->PutOperation(MakeOperation("b", OperationStatus::kInProgress, 30, 100)));
    ASSERT_OK(tx->PutOperation(MakeOperation("a", OperationStatus::kInProgress, 20, 150)));
    ASSERT_OK(tx->PutOperation(MakeOperation("c", OperationStatus::kInProgress, 40, 40)));
    ASSERT_OK(tx->PutOperation(MakeOperation("done", OperationStatus::kSucceeded, 1, 1)));
    ASSERT_OK(tx->PutOperation(MakeOperation("fail", OperationStatus::kFailed, 2, 2)));
    ASSERT_OK(tx->Commit());
  }
  auto tx = Begin(TxMode::kRead);
  auto ids = [&](TimestampMs now, int32_t limit) {
    std::vector<std::string> out;
    Result<std::vector<domain::Operation>> ops = tx->ListRunnableOperations(now, limit);
    EXPECT_TRUE(ops.ok()) << ops.status().ToString();
    for (const domain::Operation& op : *ops) {
      out.push_back(op.id);
    }
    return out;
  };
  EXPECT_EQ(ids(150, 10), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ids(149, 10), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ids(150, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids(39, 10), std::vector<std::string>{});
  EXPECT_EQ(tx->ListRunnableOperations(150, 0).status().code(), StatusCode::kInvalidArgument);
  Result<std::optional<TimestampMs>> due = tx->NextOperationDue();
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, std::optional<TimestampMs>(40));
}

TEST_F(SqliteStoreTest, NoOperationDueWhenNoneRuns) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutOperation(MakeOperation("x", domain::OperationStatus::kSucceeded, 1, 1)));
    ASSERT_OK(tx->Commit());
  }
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<TimestampMs>> due = tx->NextOperationDue();
  ASSERT_TRUE(due.ok());
  EXPECT_FALSE(due->has_value());
}

TEST_F(SqliteStoreTest, PruneDeletesOnlyTerminalOperationsEndedBeforeTheCutoff) {
  using domain::OperationStatus;
  auto ended = [](const std::string& id, OperationStatus status, TimestampMs end) {
    domain::Operation op = MakeOperation(id, status, 1, 1);
    op.end_time = end;
    return op;
  };
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutOperation(ended("old-ok", OperationStatus::kSucceeded, 10)));
    ASSERT_OK(tx->PutOperation(ended("old-failed", OperationStatus::kFailed, 99)));
    ASSERT_OK(tx->PutOperation(ended("at-cutoff", OperationStatus::kCanceled, 100)));
    ASSERT_OK(tx->PutOperation(ended("running", OperationStatus::kInProgress, 0)));
    Result<int64_t> pruned = tx->PruneOperations(100);
    ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
    EXPECT_EQ(*pruned, 2);
    ASSERT_OK(tx->Commit());
  }
  auto tx = Begin(TxMode::kRead);
  EXPECT_FALSE(tx->GetOperation("old-ok")->has_value());
  EXPECT_FALSE(tx->GetOperation("old-failed")->has_value());
  EXPECT_TRUE(tx->GetOperation("at-cutoff")->has_value());
  EXPECT_TRUE(tx->GetOperation("running")->has_value());
}

TEST_F(SqliteStoreTest, SettingsPersistAndReplace) {
  {
    auto tx = Begin(TxMode::kRead);
    auto absent = tx->GetSetting("bootstrap");
    ASSERT_TRUE(absent.ok());
    EXPECT_FALSE(absent->has_value());
    EXPECT_EQ(tx->PutSetting("bootstrap", "x").code(), StatusCode::kFailedPrecondition);
  }
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutSetting("bootstrap", "{\"a\":1}"));
    ASSERT_OK(tx->PutSetting("bootstrap", "{\"a\":2}"));
    ASSERT_OK(tx->Commit());
  }
  Reopen();
  auto tx = Begin(TxMode::kRead);
  auto value = tx->GetSetting("bootstrap");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), "{\"a\":2}");
}

TEST_F(SqliteStoreTest, ManifestsRoundTripBinaryBodiesAndAreListedAndDeleted) {
  const std::string binary("\0\x01\xfe\xff body", 9);
  const ManifestRecord a{"m-a", "westus", binary, 100};
  const ManifestRecord b{"m-b", "eastus", "second", 200};
  {
    auto tx = Begin(TxMode::kRead);
    EXPECT_FALSE(tx->GetManifest("m-a")->has_value());
    EXPECT_EQ(tx->PutManifest(a).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(tx->PutManifestCopy("m-b", "m-c", "westus", 1).code(),
              StatusCode::kFailedPrecondition);
  }
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutManifest(b));
    ASSERT_OK(tx->PutManifest(ManifestRecord{"m-a", "x", "old", 1}));
    ASSERT_OK(tx->PutManifest(a));  // replaces
    ASSERT_OK(tx->Commit());
  }
  Reopen();
  {
    auto tx = Begin(TxMode::kRead);
    Result<std::optional<ManifestRecord>> back = tx->GetManifest("m-a");
    ASSERT_TRUE(back.ok() && back->has_value()) << back.status().ToString();
    EXPECT_EQ(**back, a);
    std::vector<ManifestRecord> all;
    ASSERT_OK(tx->ForEachManifest([&](const ManifestRecord& m) {
      all.push_back(m);
      return Status::Ok();
    }));
    EXPECT_EQ(all, (std::vector<ManifestRecord>{a, b}));
    int seen = 0;
    Status stopped = tx->ForEachManifest([&](const ManifestRecord&) {
      ++seen;
      return Status::Unavailable("stop");
    });
    EXPECT_EQ(stopped.code(), StatusCode::kUnavailable);
    EXPECT_EQ(seen, 1);
  }
  auto tx = Begin(TxMode::kWrite);
  ASSERT_OK(tx->DeleteManifest("m-a"));
  EXPECT_EQ(tx->DeleteManifest("m-a").code(), StatusCode::kNotFound);
  ASSERT_OK(tx->Commit());
  auto read = Begin(TxMode::kRead);
  EXPECT_FALSE(read->GetManifest("m-a")->has_value());
  EXPECT_TRUE(read->GetManifest("m-b")->has_value());
}

TEST_F(SqliteStoreTest, ManifestCopiesShareOneBodyUntilTheLastOneGoes) {
  auto body_count = [&] { return QueryRawInt(db_file_, "SELECT count(*) FROM manifest_bodies"); };
  auto body_of = [&](const std::string& id) -> std::string {
    auto tx = Begin(TxMode::kRead);
    Result<std::optional<ManifestRecord>> m = tx->GetManifest(id);
    return m.ok() && m->has_value() ? (*m)->body : "<none>";
  };
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(tx->PutManifest({"m-a", "westus", "chunk list", 100}));
    ASSERT_OK(tx->PutManifestCopy("m-a", "m-b", "eastus", 200));
    ASSERT_OK(tx->PutManifestCopy("m-a", "m-c", "eastus-2", 300));
    Status missing = tx->PutManifestCopy("m-none", "m-d", "eastus", 400);
    EXPECT_EQ(missing.code(), StatusCode::kNotFound);
    EXPECT_EQ(missing.message(), "manifest 'm-none' not found");
    ASSERT_OK(tx->Commit());
  }
  EXPECT_EQ(body_count(), 1);
  {
    auto tx = Begin(TxMode::kRead);
    Result<std::optional<ManifestRecord>> b = tx->GetManifest("m-b");
    ASSERT_TRUE(b.ok() && b->has_value());
    EXPECT_EQ(**b, (ManifestRecord{"m-b", "eastus", "chunk list", 200}));
    EXPECT_FALSE(tx->GetManifest("m-d")->has_value());
  }
  auto write = [&](const std::function<Status(Transaction&)>& fn) {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_OK(fn(*tx));
    ASSERT_OK(tx->Commit());
  };
  // The first manifest goes; its copies keep the body.
  write([](Transaction& tx) { return tx.DeleteManifest("m-a"); });
  EXPECT_EQ(body_count(), 1);
  EXPECT_EQ(body_of("m-b"), "chunk list");
  // A copy replaced by a new body leaves the old one to the other copy.
  write([](Transaction& tx) { return tx.PutManifest({"m-b", "eastus", "next list", 500}); });
  EXPECT_EQ(body_count(), 2);
  EXPECT_EQ(body_of("m-b"), "next list");
  EXPECT_EQ(body_of("m-c"), "chunk list");
  // The last manifest naming a body is replaced by a copy of another: the body goes.
  write([](Transaction& tx) { return tx.PutManifestCopy("m-b", "m-c", "eastus-2", 600); });
  EXPECT_EQ(body_count(), 1);
  EXPECT_EQ(body_of("m-c"), "next list");
  write([](Transaction& tx) { return tx.DeleteManifest("m-b"); });
  write([](Transaction& tx) { return tx.DeleteManifest("m-c"); });
  EXPECT_EQ(body_count(), 0);
}

TEST_F(SqliteStoreTest, MigrationGivesEachExistingManifestABodyOfItsOwn) {
  // Manifests as step 8 stored them, each row with its body.
  store_.reset();
  ExecRaw(db_file_,
          "DROP TABLE manifests; DROP TABLE manifest_bodies; DELETE FROM schema_migrations "
          "WHERE version >= 9; CREATE TABLE manifests (id TEXT PRIMARY KEY NOT NULL, store TEXT "
          "NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL); INSERT INTO manifests "
          "VALUES ('m-a', 'westus', x'00ff01', 5), ('m-b', 'eastus', x'00ff01', 6)");
  Reopen();
  EXPECT_EQ(QueryRawInt(db_file_, "SELECT count(*) FROM manifest_bodies"), 2);
  const std::string body("\0\xff\x01", 3);
  {
    auto tx = Begin(TxMode::kRead);
    EXPECT_EQ(*tx->GetManifest("m-a").value(), (ManifestRecord{"m-a", "westus", body, 5}));
    EXPECT_EQ(*tx->GetManifest("m-b").value(), (ManifestRecord{"m-b", "eastus", body, 6}));
  }
  auto tx = Begin(TxMode::kWrite);
  ASSERT_OK(tx->DeleteManifest("m-a"));
  ASSERT_OK(tx->Commit());
  EXPECT_EQ(QueryRawInt(db_file_, "SELECT count(*) FROM manifest_bodies"), 1);
  EXPECT_EQ(QueryRawInt(db_file_, "SELECT count(*) FROM manifests"), 1);
}

TEST_F(SqliteStoreTest, DiskAccessOperationKindsRoundTrip) {
  for (domain::OperationKind kind :
       {domain::OperationKind::kBeginGetAccess, domain::OperationKind::kEndGetAccess}) {
    domain::Operation op = MakeOperation("op-k", domain::OperationStatus::kInProgress, 1, 1);
    op.kind = kind;
    {
      auto tx = Begin(TxMode::kWrite);
      ASSERT_OK(tx->PutOperation(op));
      ASSERT_OK(tx->Commit());
    }
    auto tx = Begin(TxMode::kRead);
    EXPECT_EQ((*tx->GetOperation("op-k"))->kind, kind);
  }
}

}  // namespace
}  // namespace gallery::metadata
