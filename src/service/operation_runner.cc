#include "service/operation_runner.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "domain/gallery_image_version_rules.h"
#include "service/image_data.h"

namespace gallery::service {

using domain::OperationKind;
using domain::OperationStatus;
using domain::ProvisioningState;
using metadata::Resource;
using metadata::TxMode;

namespace {
constexpr int32_t kBatch = 64;
constexpr int64_t kMaxSleepMs = 1000;
constexpr int64_t kPruneEveryMs = 600 * 1000;
constexpr int32_t kMaxAttempts = 10;
constexpr int64_t kMaxBackoffMs = 30 * 1000;
constexpr int64_t kWorkLeaseMs = 5 * 1000;
}  // namespace

OperationRunner::OperationRunner(metadata::MetadataStore& store, const Clock& clock,
                                 int64_t retention_ms, ActivitySink* activity)
    : store_(store), clock_(clock), retention_ms_(retention_ms), activity_(activity) {}

void OperationRunner::Completed(const domain::Operation& op) {
  if (activity_ != nullptr) {
    activity_->RecordCompletion(op);
  }
}

OperationRunner::~OperationRunner() { Stop(); }

void OperationRunner::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  pending_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void OperationRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void OperationRunner::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

void OperationRunner::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) {
        return;
      }
      pending_ = false;
    }
    Result<int> done = RunOnce();
    if (!done.ok()) {
      GLOG_WARN("operation runner: {}", done.status().ToString());
    }
    int64_t sleep_ms = kMaxSleepMs;
    if (auto tx = store_.Begin(TxMode::kRead); tx.ok()) {
      if (auto due = (*tx)->NextOperationDue(); due.ok() && due->has_value()) {
        sleep_ms = std::clamp<int64_t>(**due - clock_.Now(), 0, kMaxSleepMs);
      }
    }
    if (done.ok() && *done == kBatch) {
      sleep_ms = 0;  // more may be due
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [this] { return stop_ || pending_; });
  }
}

Result<int> OperationRunner::RunOnce() {
  std::vector<domain::Operation> due;
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(due, tx->ListRunnableOperations(clock_.Now(), kBatch));
  }
  int completed = 0;
  for (const domain::Operation& op : due) {
    Status s = Complete(op);
    if (s.ok()) {
      ++completed;
      continue;
    }
    GLOG_WARN("operation {} on {} not completed (attempt {}): {}", op.id,
              op.resource_id.ToString(), op.attempts + 1, s.ToString());
    Status recorded = RecordFailedAttempt(op, s);
    if (!recorded.ok()) {
      GLOG_WARN("operation {}: cannot record the failed attempt: {}", op.id, recorded.ToString());
    }
  }
  const TimestampMs now = clock_.Now();
  if (now - last_prune_ > kPruneEveryMs) {
    last_prune_ = now;
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
    GALLERY_ASSIGN_OR_RETURN(int64_t pruned, tx->PruneOperations(now - retention_ms_));
    GALLERY_RETURN_IF_ERROR(tx->Commit());
    if (pruned > 0) {
      GLOG_INFO("pruned {} finished operations", pruned);
    }
  }
  return completed;
}

Status OperationRunner::RecordFailedAttempt(const domain::Operation& due, const Status& error) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> current, tx->GetOperation(due.id));
  if (!current.has_value() || current->terminal()) {
    return Status::Ok();
  }
  domain::Operation op = *current;
  ++op.attempts;
  const TimestampMs now = clock_.Now();
  if (op.attempts >= kMaxAttempts) {
    // Given up for good: the client sees why, and the queue moves on.
    op.status = OperationStatus::kFailed;
    op.end_time = now;
    op.error_code = "OperationFailed";
    op.error_message = "The operation failed after " + std::to_string(op.attempts) +
                       " attempts: " + error.message();
  } else {
    // Capped exponential backoff, so a stuck operation neither spins nor blocks newer ones.
    const int64_t backoff = std::min<int64_t>(kMaxBackoffMs, int64_t{100} << op.attempts);
    op.not_before = now + backoff;
  }
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  if (op.terminal()) {
    Completed(op);
  }
  return Status::Ok();
}

OperationWork* OperationRunner::NeededWork(const domain::Operation& op,
                                           const Resource& resource) const {
  for (OperationWork* work : work_) {
    if (work->Needs(op, resource)) {
      return work;
    }
  }
  return nullptr;
}

Status OperationRunner::Complete(const domain::Operation& due) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> current, tx->GetOperation(due.id));
  if (!current.has_value() || current->terminal()) {
    return Status::Ok();  // another runner finished it
  }
  domain::Operation op = *current;
  GALLERY_ASSIGN_OR_RETURN(std::optional<Resource> resource, tx->GetResource(op.resource_id));
  op.status = OperationStatus::kSucceeded;
  if (op.kind == OperationKind::kDelete) {
    if (resource.has_value() && metadata::Meta(*resource).operation_id == op.id) {
      if (op.resource_id.IsResourceGroup()) {
        // Everything in the group goes with it, deepest first (keys sort parents first).
        metadata::ResourceQuery contents;
        contents.subscription = op.resource_id.subscription();
        contents.resource_group = op.resource_id.resource_group();
        GALLERY_ASSIGN_OR_RETURN(metadata::ResourcePage page, tx->ListResources(contents));
        for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) {
          const ResourceId& id = metadata::Meta(*it).id;
          if (!id.IsResourceGroup()) {
            // Its bytes go with it (a disk's staging blob is swept by the disk service).
            GALLERY_RETURN_IF_ERROR(DeleteManifestsOf(*tx, *it));
            GALLERY_RETURN_IF_ERROR(tx->DeleteResource(id));
          }
        }
      }
      GALLERY_RETURN_IF_ERROR(DeleteManifestsOf(*tx, *resource));
      GALLERY_RETURN_IF_ERROR(tx->DeleteResource(op.resource_id));
      // What was shared goes with the resource: a later resource of the same name starts
      // with no one's access.
      GALLERY_ASSIGN_OR_RETURN(int64_t revoked, tx->DeleteRoleAssignmentsWithin(op.resource_id));
      if (revoked > 0) {
        GLOG_INFO("deleted {} role assignments at and below {}", revoked,
                  op.resource_id.ToString());
      }
    }
  } else if (!resource.has_value() ||
             (metadata::Meta(*resource).operation_id != op.id &&
              metadata::Meta(*resource).provisioning_state == ProvisioningState::kDeleting)) {
    // Deleted, or being deleted by a later request: a client polling this create or update
    // must not read "Succeeded" and then find no resource.
    op.status = OperationStatus::kCanceled;
    op.error_code = "ResourceDeleted";
    op.error_message = "The resource '" + op.resource_id.ToString() + "' was " +
                       (resource.has_value() ? "being " : "") +
                       "deleted before this operation completed.";
  } else if (OperationWork* work = metadata::Meta(*resource).operation_id == op.id
                                        ? NeededWork(op, *resource)
                                        : nullptr;
             work != nullptr) {
    // Not yet: the work runs elsewhere and makes the operation due when it is done; until
    // then the lease keeps this loop from spinning, and a restart starts the work again.
    work->Start(op);
    op.status = domain::OperationStatus::kInProgress;
    op.not_before = clock_.Now() + kWorkLeaseMs;
    GALLERY_RETURN_IF_ERROR(tx->PutOperation(op));
    return tx->Commit();
  } else if (metadata::Meta(*resource).operation_id == op.id) {
    domain::TrackedResource& meta = metadata::Meta(*resource);
    meta.provisioning_state = ProvisioningState::kSucceeded;
    meta.operation_id.clear();
    GALLERY_RETURN_IF_ERROR(tx->PutResource(*resource));
  }
  op.end_time = clock_.Now();
  ++op.attempts;
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  Completed(op);
  return Status::Ok();
}

}  // namespace gallery::service
