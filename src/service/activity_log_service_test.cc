// ActivityLogService: paging, filters, tenant isolation and the visibility predicate.

#include "service/activity_log_service.h"

#include "metadata/sqlite_store.h"

#include "service/activity_test_fixture.h"

namespace gallery::service {
namespace {

class ActivityLogServiceTest : public ServiceFixture {
 protected:
  // One refused PUT on gallery `g` in `rg`, recorded at the current time.
  void Record(const std::string& g, const std::string& rg = "rg1", int status = 400) {
    const std::vector<std::string> segments = {
        "subscriptions", boot_.subscription_id, "resourceGroups", rg,
        "providers",     "Microsoft.Compute",   "galleries",      g};
    recorder_->RecordRequest(ctx_, RequestOutcome{"PUT", segments, status});
    ASSERT_TRUE(recorder_->Flush().ok());
    clock_.Advance(1);
  }
  static std::vector<std::string> Names(const std::vector<domain::ActivityEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      out.push_back(e.scope.substr(e.scope.rfind('/') + 1));
    }
    return out;
  }
};

// Access checks read the store themselves (the role index is built on first use): no read
// transaction may be held while they run, or requests that each hold a connection and wait
// for another exhaust the pool. With a pool of one, every read path must still answer.
TEST_F(ActivityLogServiceTest, ReadsNeverWaitForASecondReadConnection) {
  Destroy();
  store_.reset();
  metadata::SqliteOptions options;
  options.read_connections = 1;
  options.busy_timeout_ms = 300;
  auto opened = metadata::OpenSqliteStore(dir_ / "gallery.db", options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(*opened);
  Build();  // a new authorizer: its index is read from the store on first use
  Result<domain::Subscription> sub = service_->GetSubscription(ctx_, boot_.subscription_id);
  EXPECT_TRUE(sub.ok()) << sub.status().ToString();
  Build();
  auto subs = service_->ListSubscriptions(ctx_);
  ASSERT_TRUE(subs.ok()) << subs.status().ToString();
  EXPECT_EQ(subs->size(), 1u);
  Build();
  auto page = activity_log_->List(ctx_, boot_.subscription_id, Today(), "");
  EXPECT_TRUE(page.ok()) << page.status().ToString();
}

TEST_F(ActivityLogServiceTest, PagesWalkTheLogNewestFirst) {
  config_.limits.list_page_size = 2;
  Build();
  for (const char* g : {"a", "b", "c", "d", "e"}) {
    Record(g);
  }
  auto first = activity_log_->List(ctx_, boot_.subscription_id, Today(), "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(Names(first->items), (std::vector<std::string>{"e", "d"}));
  EXPECT_FALSE(first->next_token.empty());
  EXPECT_EQ(Names(ListAll()), (std::vector<std::string>{"e", "d", "c", "b", "a"}));
}

TEST_F(ActivityLogServiceTest, FiltersNarrowByTimeGroupStatusAndCaller) {
  Record("a", "rg1", 400);
  const TimestampMs middle = clock_.Now();
  Record("b", "rg2", 403);
  Record("c", "rg1", 409);
  domain::ActivityFilter f = Today();
  f.from = middle;
  EXPECT_EQ(Names(ListAll(f, ctx_)), (std::vector<std::string>{"c", "b"}));
  f = Today();
  f.resource_group = "RG1";
  EXPECT_EQ(Names(ListAll(f, ctx_)), (std::vector<std::string>{"c", "a"}));
  f = Today();
  f.caller = "nobody";
  EXPECT_TRUE(ListAll(f, ctx_).empty());
  f.caller = "admin";
  EXPECT_EQ(ListAll(f, ctx_).size(), 3u);
}

TEST_F(ActivityLogServiceTest, ThePredicateHidesScopesTheCallerMayNotRead) {
  config_.limits.list_page_size = 2;
  std::vector<std::string> asked;
  Build([&asked](const domain::Caller& caller, std::string_view scope) {
    asked.emplace_back(caller.object_id);
    return scope.find("/galleries/secret") == std::string_view::npos;
  });
  for (const char* g : {"a", "secret1", "secret2", "secret3", "b"}) {
    Record(g);
  }
  EXPECT_EQ(Names(ListAll()), (std::vector<std::string>{"b", "a"}));
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.front(), boot_.object_id);
}

TEST_F(ActivityLogServiceTest, AnotherTenantsSubscriptionDoesNotExistForTheCaller) {
  Record("a");
  RequestContext stranger = ctx_;
  stranger.caller.tenant_id = "another-tenant";
  auto page = activity_log_->List(stranger, boot_.subscription_id, Today(), "");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(page.status().reason(), "SubscriptionNotFound");
}

TEST_F(ActivityLogServiceTest, ATokenThatIsNotOneOfOursIsInvalidSkipToken) {
  for (const char* token : {"%%%", "bm9rZXk"}) {  // not base64; base64 of "nokey"
    auto page = activity_log_->List(ctx_, boot_.subscription_id, Today(), token);
    ASSERT_FALSE(page.ok()) << token;
    EXPECT_EQ(page.status().reason(), "InvalidSkipToken") << token;
  }
}

}  // namespace
}  // namespace gallery::service
