// The activity log, provider/feature registrations and operation origins in the SQLite store.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <string>

#include "metadata/sqlite_store.h"
#include "metadata/test_store.h"

namespace gallery::metadata {
namespace {

namespace fs = std::filesystem;

constexpr char kSub[] = "00000000-0000-0000-0000-00000000000a";
constexpr char kOtherSub[] = "00000000-0000-0000-0000-00000000000b";

std::string ToUpper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

class SqliteActivityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "sqlite_activity.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    ASSERT_NO_FATAL_FAILURE(test_support::OpenTestStore(dir_, store_));
  }
  std::unique_ptr<Transaction> Tx(TxMode mode) {
    auto tx = store_->Begin(mode);
    EXPECT_TRUE(tx.ok()) << tx.status().ToString();
    return std::move(*tx);
  }

  static domain::ActivityEvent Event(const std::string& id, TimestampMs time,
                                     const std::string& sub = kSub, const std::string& rg = "rg1") {
    domain::ActivityEvent e;
    e.event_id = id;
    e.subscription = sub;
    e.event_time = time;
    e.submission_time = time + 5;
    e.tenant_id = "t1";
    e.caller_object_id = "oid";
    e.caller_name = "alice";
    e.action = "Microsoft.Compute/galleries/write";
    e.scope = "/subscriptions/" + sub + "/resourceGroups/" + rg +
              "/providers/Microsoft.Compute/galleries/" + id;
    e.resource_group = rg;
    e.status = domain::ActivityStatus::kFailed;
    e.http_status = 409;
    e.correlation_id = "corr-" + id;
    e.client_request_id = "client-" + id;
    e.http_method = "PUT";
    e.client_address = "127.0.0.1";
    e.operation_id = "op-" + id;
    e.error_code = "Conflict";
    e.error_message = "no";
    return e;
  }
  void Append(const std::vector<domain::ActivityEvent>& events) {
    auto tx = Tx(TxMode::kWrite);
    for (const auto& e : events) {
      ASSERT_TRUE(tx->AppendActivityEvent(e).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  ActivityPage List(ActivityQuery q) {
    auto tx = Tx(TxMode::kRead);
    auto page = tx->ListActivityEvents(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : ActivityPage{};
  }
  static ActivityQuery All(TimestampMs from = 0, TimestampMs to = 1'000'000) {
    ActivityQuery q;
    q.subscription = kSub;
    q.from = from;
    q.to = to;
    return q;
  }
  static std::vector<std::string> Ids(const ActivityPage& page) {
    std::vector<std::string> out;
    for (const auto& e : page.items) {
      out.push_back(e.event_id);
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(SqliteActivityTest, EventsRoundTripEveryFieldAndSurviveReopening) {
  const domain::ActivityEvent e = Event("e1", 100);
  Append({e});
  Reopen();
  ActivityPage page = List(All());
  ASSERT_EQ(page.items.size(), 1u);
  const domain::ActivityEvent& got = page.items[0];
  EXPECT_EQ(got.event_id, "e1");
  EXPECT_EQ(got.subscription, ToLower(kSub));
  EXPECT_EQ(got.event_time, 100);
  EXPECT_EQ(got.submission_time, 105);
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.caller_object_id, "oid");
  EXPECT_EQ(got.caller_name, "alice");
  EXPECT_EQ(got.action, e.action);
  EXPECT_EQ(got.scope, e.scope);
  EXPECT_EQ(got.resource_group, "rg1");
  EXPECT_EQ(got.status, domain::ActivityStatus::kFailed);
  EXPECT_EQ(got.http_status, 409);
  EXPECT_EQ(got.correlation_id, "corr-e1");
  EXPECT_EQ(got.client_request_id, "client-e1");
  EXPECT_EQ(got.http_method, "PUT");
  EXPECT_EQ(got.client_address, "127.0.0.1");
  EXPECT_EQ(got.operation_id, "op-e1");
  EXPECT_EQ(got.error_code, "Conflict");
  EXPECT_EQ(got.error_message, "no");
}

TEST_F(SqliteActivityTest, ListsNewestFirstWithinTheInclusiveTimeRangeOfOneSubscription) {
  Append(
      {Event("a", 10), Event("b", 20), Event("c", 30), Event("d", 40), Event("x", 25, kOtherSub)});
  EXPECT_EQ(Ids(List(All())), (std::vector<std::string>{"d", "c", "b", "a"}));
  EXPECT_EQ(Ids(List(All(20, 30))), (std::vector<std::string>{"c", "b"}));
  ActivityQuery other = All();
  other.subscription = ToUpper(kOtherSub);
  EXPECT_EQ(Ids(List(other)), (std::vector<std::string>{"x"}));
}

TEST_F(SqliteActivityTest, PagesFollowTheKeyIncludingEventsOfTheSameMillisecond) {
  Append({Event("a", 10), Event("b", 20), Event("c", 20), Event("d", 20), Event("e", 30)});
  ActivityQuery q = All();
  q.limit = 2;
  std::vector<std::string> seen;
  int pages = 0;
  do {
    ActivityPage page = List(q);
    for (const auto& id : Ids(page)) {
      seen.push_back(id);
    }
    q.after_key = page.next_key;
    ++pages;
  } while (!q.after_key.empty() && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(SqliteActivityTest, NarrowsByGroupResourceAndCorrelationIgnoringCase) {
  Append({Event("a", 10, kSub, "RG1"), Event("b", 20, kSub, "rg2"), Event("c", 30)});
  ActivityQuery q = All();
  q.resource_group = "rg1";
  EXPECT_EQ(Ids(List(q)), (std::vector<std::string>{"c", "a"}));
  q = All();
  q.resource_id = ToUpper(Event("b", 0, kSub, "rg2").scope);
  EXPECT_EQ(Ids(List(q)), (std::vector<std::string>{"b"}));
  q = All();
  q.correlation_id = "corr-c";
  EXPECT_EQ(Ids(List(q)), (std::vector<std::string>{"c"}));
}

TEST_F(SqliteActivityTest, BadQueriesAreInvalidArgument) {
  auto tx = Tx(TxMode::kRead);
  ActivityQuery q = All();
  q.subscription.clear();
  EXPECT_EQ(tx->ListActivityEvents(q).status().code(), StatusCode::kInvalidArgument);
  q = All();
  q.limit = -1;
  EXPECT_EQ(tx->ListActivityEvents(q).status().code(), StatusCode::kInvalidArgument);
  for (const char* key : {"nokey", "/x", "12/", "abc/x", "99999999999999999999999/x"}) {
    q = All();
    q.after_key = key;
    EXPECT_EQ(tx->ListActivityEvents(q).status().code(), StatusCode::kInvalidArgument) << key;
  }
}

TEST_F(SqliteActivityTest, AnEventIdIsWrittenOnceAndReadTransactionsCannotAppend) {
  Append({Event("a", 10)});
  auto tx = Tx(TxMode::kWrite);
  EXPECT_FALSE(tx->AppendActivityEvent(Event("a", 11)).ok());
  tx.reset();
  auto read = Tx(TxMode::kRead);
  EXPECT_EQ(read->AppendActivityEvent(Event("b", 11)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(read->PruneActivityEvents(100).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(read->PutRegistration({}).code(), StatusCode::kFailedPrecondition);
}

TEST_F(SqliteActivityTest, PruneDeletesEventsOlderThanTheCutoff) {
  Append({Event("a", 10), Event("b", 20), Event("c", 30)});
  auto tx = Tx(TxMode::kWrite);
  auto pruned = tx->PruneActivityEvents(20);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(Ids(List(All())), (std::vector<std::string>{"c", "b"}));
}

TEST_F(SqliteActivityTest, RegistrationsAreKeptPerSubscriptionAndReplacedByName) {
  {
    auto tx = Tx(TxMode::kWrite);
    domain::Registration r{kSub, domain::RegistrationKind::kFeature,
                           "Microsoft.Compute/GalleryPreview",
                           domain::RegistrationState::kRegistering, 100};
    ASSERT_TRUE(tx->PutRegistration(r).ok());
    r.name = "microsoft.compute/gallerypreview";  // the same one, another casing
    r.state = domain::RegistrationState::kUnregistering;
    r.changed_at = 200;
    ASSERT_TRUE(tx->PutRegistration(r).ok());
    ASSERT_TRUE(tx->PutRegistration({kSub, domain::RegistrationKind::kProvider, "Microsoft.Compute",
                                     domain::RegistrationState::kRegistering, 300})
                    .ok());
    ASSERT_TRUE(
        tx->PutRegistration({kOtherSub, domain::RegistrationKind::kProvider, "Microsoft.Compute",
                             domain::RegistrationState::kRegistering, 400})
            .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  auto tx = Tx(TxMode::kRead);
  auto regs = tx->ListRegistrations(ToUpper(kSub));
  ASSERT_TRUE(regs.ok()) << regs.status().ToString();
  ASSERT_EQ(regs->size(), 2u);
  const domain::Registration& feature = (*regs)[0];
  EXPECT_EQ(feature.kind, domain::RegistrationKind::kFeature);
  EXPECT_EQ(feature.name, "microsoft.compute/gallerypreview");
  EXPECT_EQ(feature.state, domain::RegistrationState::kUnregistering);
  EXPECT_EQ(feature.changed_at, 200);
  EXPECT_EQ((*regs)[1].kind, domain::RegistrationKind::kProvider);
  EXPECT_EQ((*regs)[1].changed_at, 300);
}

TEST_F(SqliteActivityTest, OperationsKeepWhoAskedForThem) {
  domain::Operation op;
  op.id = "op1";
  op.subscription = kSub;
  op.location = "eastus";
  op.resource_id = ResourceId::ForResourceGroup(kSub, "rg1");
  op.origin = {"tenant", "oid", "alice", "corr", "client"};
  {
    auto tx = Tx(TxMode::kWrite);
    ASSERT_TRUE(tx->PutOperation(op).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  auto tx = Tx(TxMode::kRead);
  auto got = tx->GetOperation("op1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->origin.tenant_id, "tenant");
  EXPECT_EQ((*got)->origin.caller_object_id, "oid");
  EXPECT_EQ((*got)->origin.caller_name, "alice");
  EXPECT_EQ((*got)->origin.correlation_id, "corr");
  EXPECT_EQ((*got)->origin.client_request_id, "client");
}

}  // namespace
}  // namespace gallery::metadata
