#include "service/activity_recorder.h"

#include <chrono>

#include "common/log.h"
#include "domain/activity_action.h"

namespace gallery::service {

namespace {

using domain::ActivityEvent;
using domain::ActivityStatus;

constexpr int64_t kPruneEveryMs = 600 * 1000;
constexpr int kMaxWriteAttempts = 5;
constexpr int64_t kRetryDelayMs = 200;
// How long a request waits for its event to become durable before it is answered anyway.
constexpr int64_t kMaxDurableWaitMs = 5000;
constexpr int kHttpOk = 200;
constexpr int kHttpConflict = 409;
constexpr int kHttpInternalError = 500;
constexpr int kHttpBadRequest = 400;

}  // namespace

ActivityRecorder::ActivityRecorder(metadata::MetadataStore& store, const Clock& clock,
                                   Random& random, ActivityRecorderOptions options)
    : store_(store), clock_(clock), random_(random), options_(options) {}

ActivityRecorder::~ActivityRecorder() { Stop(); }

ActivityEvent ActivityRecorder::NewEvent(const domain::OperationOrigin& who,
                                         std::string subscription, std::string action,
                                         std::string scope, std::string resource_group) const {
  ActivityEvent e;
  e.event_id = NewUuid(random_);
  e.tenant_id = who.tenant_id;
  e.subscription = std::move(subscription);
  e.caller_object_id = who.caller_object_id;
  e.caller_name = who.caller_name;
  e.action = std::move(action);
  e.scope = std::move(scope);
  e.resource_group = std::move(resource_group);
  e.correlation_id = who.correlation_id;
  e.client_request_id = who.client_request_id;
  return e;
}

std::optional<ActivityEvent> ActivityRecorder::EventFor(const RequestContext& ctx,
                                                        const RequestOutcome& outcome) const {
  if (!domain::LeavesActivityEvent(outcome.method, outcome.http_status)) {
    return std::nullopt;
  }
  const domain::ActivityAction what = domain::ActivityActionFor(outcome.method, outcome.segments);
  if (what.subscription.empty()) {
    return std::nullopt;  // the log is kept per subscription: nobody could list it
  }
  ActivityEvent e =
      NewEvent(OriginOf(ctx), what.subscription, what.action, what.scope, what.resource_group);
  e.http_status = outcome.http_status;
  if (outcome.http_status >= kHttpBadRequest) {
    e.status = ActivityStatus::kFailed;
  } else if (!outcome.operation_id.empty()) {
    e.status = ActivityStatus::kStarted;
  } else {
    e.status = ActivityStatus::kSucceeded;
  }
  e.http_method = std::string(outcome.method);
  e.client_address = std::string(outcome.client_address);
  e.operation_id = std::string(outcome.operation_id);
  e.error_code = std::string(outcome.error_code);
  e.error_message = std::string(outcome.error_message);
  e.event_time = clock_.Now();
  return e;
}

ActivityEvent ActivityRecorder::EventFor(const domain::Operation& op) const {
  ActivityEvent e = NewEvent(op.origin, op.subscription, domain::ActivityActionFor(op),
                             op.resource_id.ToString(), op.resource_id.resource_group());
  e.operation_id = op.id;
  switch (op.status) {
    case domain::OperationStatus::kSucceeded:
    case domain::OperationStatus::kInProgress:
      e.status = ActivityStatus::kSucceeded;
      e.http_status = kHttpOk;
      break;
    case domain::OperationStatus::kCanceled:
      e.status = ActivityStatus::kFailed;
      e.http_status = kHttpConflict;
      break;
    case domain::OperationStatus::kFailed:
      e.status = ActivityStatus::kFailed;
      e.http_status = kHttpInternalError;
      break;
  }
  e.error_code = op.error_code;
  e.error_message = op.error_message;
  e.event_time = op.end_time != 0 ? op.end_time : clock_.Now();
  return e;
}

void ActivityRecorder::RecordRequest(const RequestContext& ctx, const RequestOutcome& outcome) {
  if (std::optional<ActivityEvent> e = EventFor(ctx, outcome)) {
    WaitSettled(Enqueue(std::move(*e)));
  }
}

void ActivityRecorder::RecordCompletion(const domain::Operation& operation) {
  WaitSettled(Enqueue(EventFor(operation)));
}

uint64_t ActivityRecorder::Enqueue(ActivityEvent event) {
  uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queued) {
      ++dropped_;
      return 0;  // reported by the writer, so a flood of drops is one log line per batch
    }
    queue_.push_back(std::move(event));
    seq = next_seq_++;
  }
  cv_.notify_one();
  return seq;
}

void ActivityRecorder::WaitSettled(uint64_t seq) {
  std::unique_lock<std::mutex> lock(mu_);
  if (seq == 0 || !thread_.joinable()) {
    return;  // dropped, or no writer thread: Flush() or Stop() writes it
  }
  if (!settled_cv_.wait_for(lock, std::chrono::milliseconds(kMaxDurableWaitMs),
                            [&] { return settled_ >= seq || stop_; })) {
    GLOG_WARN("activity log: event {} not written within {} ms; answering anyway", seq,
              kMaxDurableWaitMs);
  }
}

size_t ActivityRecorder::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

Status ActivityRecorder::WriteBatch(std::vector<ActivityEvent>& batch) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  const TimestampMs now = clock_.Now();
  for (ActivityEvent& e : batch) {
    e.submission_time = now;
    if (e.tenant_id.empty() && !e.subscription.empty()) {
      // A refused request has no authenticated caller; its subscription names the tenant.
      GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Subscription> sub,
                               tx->GetSubscription(e.subscription));
      if (sub.has_value()) {
        e.tenant_id = sub->tenant_id;
      }
    }
    GALLERY_RETURN_IF_ERROR(tx->AppendActivityEvent(e));
  }
  return tx->Commit();
}

Status ActivityRecorder::Flush() {
  std::lock_guard<std::mutex> writing(write_mu_);
  std::vector<ActivityEvent> batch;
  size_t dropped = 0;
  uint64_t upto = 0;  // the batch is every queued event: all of them up to this one
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    dropped = dropped_;
    dropped_ = 0;
    upto = next_seq_ - 1;
  }
  if (dropped > 0) {
    GLOG_ERROR("activity log: {} events dropped, the queue was full ({} events)", dropped,
               options_.max_queued);
  }
  if (batch.empty()) {
    return Status::Ok();
  }
  Status written = WriteBatch(batch);
  if (!written.ok()) {
    // Back to the front, in order, so the next attempt writes them first.
    std::lock_guard<std::mutex> lock(mu_);
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    return written;
  }
  Settle(upto);
  return written;
}

Result<int64_t> ActivityRecorder::Prune() {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(int64_t pruned,
                           tx->PruneActivityEvents(clock_.Now() - options_.retention_ms));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  return pruned;
}

void ActivityRecorder::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ActivityRecorder::Settle(uint64_t upto) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    settled_ = std::max(settled_, upto);
  }
  settled_cv_.notify_all();
}

void ActivityRecorder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  settled_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  Status flushed = Flush();
  if (!flushed.ok()) {
    GLOG_ERROR("activity log: {} events not written at shutdown: {}", queued(), flushed.ToString());
  }
}

void ActivityRecorder::Loop() {
  TimestampMs last_prune = 0;
  bool first = true;
  int failures = 0;
  while (true) {
    const TimestampMs now = clock_.Now();
    if (first || now - last_prune >= kPruneEveryMs) {
      first = false;
      last_prune = now;
      Result<int64_t> pruned = Prune();
      if (!pruned.ok()) {
        GLOG_WARN("activity log: pruning failed: {}", pruned.status().ToString());
      } else if (*pruned > 0) {
        GLOG_INFO("activity log: pruned {} events older than the retention", *pruned);
      }
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto wait = std::chrono::milliseconds(failures > 0 ? kRetryDelayMs : kPruneEveryMs);
      cv_.wait_for(lock, wait, [this, failures] {
        return stop_ || (failures == 0 && (!queue_.empty() || dropped_ > 0));
      });
      if (stop_) {
        return;  // Stop() writes what is left
      }
    }
    Status written = Flush();
    if (written.ok()) {
      failures = 0;
    } else if (++failures >= kMaxWriteAttempts) {
      std::lock_guard<std::mutex> lock(mu_);
      GLOG_ERROR("activity log: {} events dropped after {} failed writes: {}", queue_.size(),
                 failures, written.ToString());
      queue_.clear();
      settled_ = next_seq_ - 1;  // given up: nobody waits for them any longer
      settled_cv_.notify_all();
      failures = 0;
    } else {
      GLOG_WARN("activity log: write failed (attempt {}), retrying: {}", failures,
                written.ToString());
    }
  }
}

}  // namespace gallery::service
