// ActivityRecorder: which requests leave events, what completions record, batching, failures.

#include "service/activity_recorder.h"

#include <atomic>
#include <thread>
#include <vector>

#include "domain/activity_action.h"
#include "service/activity_test_fixture.h"

namespace gallery::service {
namespace {

using domain::ActivityEvent;
using domain::ActivityStatus;

class ActivityRecorderTest : public ServiceFixture {
 protected:
  std::optional<ActivityEvent> EventFor(const std::string& method, const std::string& path,
                                        int status, const std::string& op = "") {
    const std::vector<std::string> segments = domain::PathSegments(path);
    RequestOutcome outcome;
    outcome.method = method;
    outcome.segments = segments;
    outcome.http_status = status;
    outcome.operation_id = op;
    outcome.client_address = "10.1.2.3";
    if (status >= 400) {
      outcome.error_code = "SomeCode";
      outcome.error_message = "some message";
    }
    return recorder_->EventFor(ctx_, outcome);
  }
  std::string GalleryPath() const { return GalleryId().ToString(); }
};

TEST_F(ActivityRecorderTest, AnsweredReadsLeaveNoEvent) {
  EXPECT_FALSE(EventFor("GET", GalleryPath(), 200).has_value());
  EXPECT_FALSE(EventFor("GET", GalleryPath(), 404).has_value());
  EXPECT_FALSE(EventFor("HEAD", Group().ToString(), 204).has_value());
  EXPECT_FALSE(EventFor("GET", GalleryPath(), 400).has_value());
}

TEST_F(ActivityRecorderTest, RefusedRequestsLeaveAFailedEventWhateverTheMethod) {
  for (int status : {401, 403}) {
    for (const char* method : {"GET", "PUT", "DELETE"}) {
      std::optional<ActivityEvent> e = EventFor(method, GalleryPath(), status);
      ASSERT_TRUE(e.has_value()) << method << " " << status;
      EXPECT_EQ(e->status, ActivityStatus::kFailed);
      EXPECT_EQ(e->http_status, status);
      EXPECT_EQ(e->error_code, "SomeCode");
      EXPECT_EQ(e->error_message, "some message");
    }
  }
  EXPECT_EQ(EventFor("GET", GalleryPath(), 403)->action, "Microsoft.Compute/galleries/read");
}

TEST_F(ActivityRecorderTest, WritesRecordWhoWhatWhereWhenAndTheResult) {
  clock_.Advance(1234);
  std::optional<ActivityEvent> e = EventFor("PUT", GalleryPath(), 201, "op-1");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->status, ActivityStatus::kStarted);  // the operation's completion follows
  EXPECT_EQ(e->http_status, 201);
  EXPECT_EQ(e->operation_id, "op-1");
  EXPECT_EQ(e->action, "Microsoft.Compute/galleries/write");
  EXPECT_EQ(e->scope, GalleryPath());
  EXPECT_EQ(e->subscription, boot_.subscription_id);
  EXPECT_EQ(e->resource_group, "rg1");
  EXPECT_EQ(e->tenant_id, boot_.tenant_id);
  EXPECT_EQ(e->caller_object_id, boot_.object_id);
  EXPECT_EQ(e->caller_name, "admin");
  EXPECT_EQ(e->correlation_id, "corr-1");
  EXPECT_EQ(e->client_request_id, "client-1");
  EXPECT_EQ(e->http_method, "PUT");
  EXPECT_EQ(e->client_address, "10.1.2.3");
  EXPECT_EQ(e->event_time, kStart + 1234);
  EXPECT_FALSE(e->event_id.empty());
  EXPECT_EQ(EventFor("PUT", Group().ToString(), 200)->status, ActivityStatus::kSucceeded);
  EXPECT_EQ(EventFor("DELETE", GalleryPath(), 204)->status, ActivityStatus::kSucceeded);
  EXPECT_EQ(EventFor("DELETE", GalleryPath(), 409)->status, ActivityStatus::kFailed);
  EXPECT_EQ(EventFor("POST", Group().ToString() + "/moveResources", 409)->action,
            "Microsoft.Resources/subscriptions/resourceGroups/moveResources/action");
  EXPECT_EQ(EventFor("PATCH", GalleryPath(), 500)->status, ActivityStatus::kFailed);
}

TEST_F(ActivityRecorderTest, RoleAssignmentRoutesAreRecordedByMethodAndPath) {
  const std::string path =
      GalleryPath() + "/providers/Microsoft.Authorization/roleAssignments/a1b2";
  std::optional<ActivityEvent> put = EventFor("PUT", path, 201);
  ASSERT_TRUE(put.has_value());
  EXPECT_EQ(put->action, "Microsoft.Authorization/roleAssignments/write");
  EXPECT_EQ(put->scope, path);
  EXPECT_EQ(EventFor("DELETE", path, 200)->action,
            "Microsoft.Authorization/roleAssignments/delete");
}

TEST_F(ActivityRecorderTest, NothingIsWrittenUntilFlushThenEventsListNewestFirst) {
  recorder_->RecordRequest(ctx_, RequestOutcome{"PUT", {}, 400});
  clock_.Advance(10);
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  recorder_->RecordRequest(ctx_, RequestOutcome{"DELETE", segments, 204});
  EXPECT_EQ(recorder_->queued(), 1u);           // the first names no subscription: no log to go to
  EXPECT_TRUE(ListAll(Today(), ctx_).empty());  // not flushed: nothing stored yet
  std::vector<ActivityEvent> events = ListAll();
  EXPECT_EQ(recorder_->queued(), 0u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "Microsoft.Compute/galleries/delete");
  EXPECT_EQ(events[0].submission_time, kStart + 10);
}

TEST_F(ActivityRecorderTest, ALongRunningOperationsCompletionPairsWithItsStart) {
  ASSERT_TRUE(MakeGroup().ok());
  auto accepted = MakeGallery();
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  recorder_->RecordRequest(ctx_,
                           RequestOutcome{"PUT", segments, 201, "", "", accepted->operation.id});
  clock_.Advance(50);
  ASSERT_TRUE(runner_->RunOnce().ok());
  std::vector<ActivityEvent> events = ListAll();
  ASSERT_EQ(events.size(), 2u);
  const ActivityEvent& done = events[0];
  const ActivityEvent& started = events[1];
  EXPECT_EQ(started.status, ActivityStatus::kStarted);
  EXPECT_EQ(done.status, ActivityStatus::kSucceeded);
  EXPECT_EQ(done.http_status, 200);
  EXPECT_EQ(done.operation_id, accepted->operation.id);
  EXPECT_EQ(done.correlation_id, started.correlation_id);
  EXPECT_EQ(done.client_request_id, "client-1");
  EXPECT_EQ(done.caller_object_id, boot_.object_id);
  EXPECT_EQ(done.caller_name, "admin");
  EXPECT_EQ(done.tenant_id, boot_.tenant_id);
  EXPECT_EQ(done.action, "Microsoft.Compute/galleries/write");
  EXPECT_EQ(done.scope, GalleryPath());
  EXPECT_EQ(done.event_time, kStart + 50);
  EXPECT_TRUE(done.http_method.empty());
}

TEST_F(ActivityRecorderTest, ACanceledOperationCompletesFailed) {
  domain::Operation op;
  op.id = "op-x";
  op.subscription = boot_.subscription_id;
  op.kind = domain::OperationKind::kDelete;
  op.resource_id = GalleryId();
  op.status = domain::OperationStatus::kCanceled;
  op.error_code = "ResourceDeleted";
  op.error_message = "gone";
  op.end_time = kStart + 7;
  ActivityEvent e = recorder_->EventFor(op);
  EXPECT_EQ(e.status, ActivityStatus::kFailed);
  EXPECT_EQ(e.http_status, 409);
  EXPECT_EQ(e.action, "Microsoft.Compute/galleries/delete");
  EXPECT_EQ(e.error_code, "ResourceDeleted");
  EXPECT_EQ(e.event_time, kStart + 7);
  op.status = domain::OperationStatus::kFailed;
  EXPECT_EQ(recorder_->EventFor(op).http_status, 500);
}

TEST_F(ActivityRecorderTest, ARefusedRequestTakesItsTenantFromTheSubscription) {
  RequestContext anonymous;
  anonymous.correlation_id = "c";
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  recorder_->RecordRequest(anonymous, RequestOutcome{"PUT", segments, 401});
  std::vector<ActivityEvent> events = ListAll();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].tenant_id, boot_.tenant_id);
  EXPECT_TRUE(events[0].caller_object_id.empty());
}

TEST_F(ActivityRecorderTest, AFullQueueDropsNewEventsInsteadOfBlocking) {
  max_queued_ = 2;
  Build();
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  for (int i = 0; i < 5; ++i) {
    recorder_->RecordRequest(ctx_, RequestOutcome{"PUT", segments, 400});
  }
  EXPECT_EQ(recorder_->queued(), 2u);
  EXPECT_EQ(ListAll().size(), 2u);
}

// A store that refuses every write transaction.
class ReadOnlyStore final : public metadata::MetadataStore {
 public:
  Result<std::unique_ptr<metadata::Transaction>> Begin(metadata::TxMode mode) override {
    if (mode == metadata::TxMode::kWrite) {
      return Status::Unavailable("the metadata database is busy");
    }
    return Status::Unavailable("no reads either");
  }
  Result<std::shared_ptr<const metadata::Resource>> FindResource(const ResourceId&) override {
    return Status::Unavailable("no reads either");
  }
  uint64_t RoleGeneration() const override { return 0; }
};

TEST_F(ActivityRecorderTest, AFailedWriteKeepsTheEventsQueuedAndNeverThrows) {
  ReadOnlyStore broken;
  ActivityRecorder recorder(broken, clock_, *random_);
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  recorder.RecordRequest(ctx_, RequestOutcome{"PUT", segments, 400});
  recorder.RecordCompletion(domain::Operation{});
  Status flushed = recorder.Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kUnavailable);
  EXPECT_EQ(recorder.queued(), 2u);
  EXPECT_EQ(recorder.Prune().status().code(), StatusCode::kUnavailable);
}

TEST_F(ActivityRecorderTest, WithTheWriterThreadAnEventIsDurableWhenRecordReturns) {
  recorder_->Start();
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  // Requests from several threads share batches; each returns only once its event is written.
  std::vector<std::thread> callers;
  std::atomic<int> missing{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        RequestContext ctx = ctx_;
        ctx.correlation_id = "c" + std::to_string(t) + "-" + std::to_string(i);
        recorder_->RecordRequest(ctx, RequestOutcome{"PUT", segments, 400});
        domain::ActivityFilter f = Today();
        f.correlation_id = ctx.correlation_id;
        // No Flush(): read what is in the store right now.
        if (ListAll(f, ctx_).size() != 1u) {
          ++missing;
        }
      }
    });
  }
  for (std::thread& c : callers) {
    c.join();
  }
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(recorder_->queued(), 0u);
  EXPECT_EQ(ListAll(Today(), ctx_).size(), 20u);
  recorder_->Stop();
}

TEST_F(ActivityRecorderTest, WithoutTheWriterThreadRecordingDoesNotWait) {
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  recorder_->RecordRequest(ctx_, RequestOutcome{"PUT", segments, 400});
  EXPECT_EQ(recorder_->queued(), 1u);  // Flush() or Stop() writes it
  EXPECT_EQ(ListAll(Today(), ctx_).size(), 0u);
  ASSERT_TRUE(recorder_->Flush().ok());
  EXPECT_EQ(ListAll(Today(), ctx_).size(), 1u);
}

TEST_F(ActivityRecorderTest, PruneRemovesEventsOlderThanTheRetention) {
  config_.activity_retention_ms = 1000;
  Build();
  const std::vector<std::string> segments = domain::PathSegments(GalleryPath());
  recorder_->RecordRequest(ctx_, RequestOutcome{"PUT", segments, 400});
  ASSERT_TRUE(recorder_->Flush().ok());
  clock_.Advance(999);
  recorder_->RecordRequest(ctx_, RequestOutcome{"PUT", segments, 409});
  ASSERT_TRUE(recorder_->Flush().ok());
  clock_.Advance(2);  // the first is now 1001 ms old, the second 2 ms
  Result<int64_t> pruned = recorder_->Prune();
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  std::vector<ActivityEvent> left = ListAll();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].http_status, 409);
}

}  // namespace
}  // namespace gallery::service
