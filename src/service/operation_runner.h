#pragma once
// OperationRunner: completes long-running operations on the server, by itself.
//
// Every accepted PUT/PATCH/DELETE leaves an InProgress Operation in the metadata store. The
// runner's thread completes each one once it is due (not_before): a create or update sets the
// resource Succeeded (a version's target regions Completed), a delete removes the resource (a
// resource group with everything in it), the manifests it owns (image data) and the role
// assignments at and below it. An operation whose resource still needs work (operation_work.h)
// is handed to that work and looked at again after a lease. Because
// operations are durable, a galleryd restarted after kill -9 finishes what was in flight: Start()
// runs everything due at once. An operation whose resource was taken over by a later request
// finishes Succeeded (its change was applied) or, when the resource was deleted meanwhile,
// Canceled. A completion that fails (the store is unavailable) is retried with capped backoff and,
// after ten attempts, the operation is Failed with the reason. Thread-safe. Stop() (or the
// destructor) joins the thread.

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "metadata/metadata_store.h"
#include "service/activity_recorder.h"
#include "service/gallery_service.h"
#include "service/operation_work.h"

namespace gallery::service {

class OperationRunner final : public OperationSignal {
 public:
  // `activity`, when set, records each operation's completion (activity_recorder.h); it must
  // outlive the runner.
  OperationRunner(metadata::MetadataStore& store, const Clock& clock, int64_t retention_ms,
                  ActivitySink* activity = nullptr);

  // Work some operations need before they complete (operation_work.h), e.g. ingesting an
  // image's blobs, replicating a version. `work` must outlive the runner; added before Start().
  void AddWork(OperationWork* work) { work_.push_back(work); }
  ~OperationRunner() override;

  void Start();
  void Stop();
  void Notify() override;
  void Ended(const domain::Operation& op) override { Completed(op); }

  // Completes every operation due now; returns how many it completed. Called by the thread;
  // tests call it directly.
  Result<int> RunOnce();

 private:
  Status Complete(const domain::Operation& due);
  // The first work `op` still needs for `resource`, or null.
  OperationWork* NeededWork(const domain::Operation& op, const metadata::Resource& resource) const;
  // Tells the activity log that `op` ended (when there is one).
  void Completed(const domain::Operation& op);
  // After a failed completion: retry later with capped backoff, or fail the operation after
  // kMaxAttempts (its error says why).
  Status RecordFailedAttempt(const domain::Operation& due, const Status& error);
  void Loop();

  metadata::MetadataStore& store_;
  const Clock& clock_;
  int64_t retention_ms_;
  ActivitySink* activity_;
  std::vector<OperationWork*> work_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool pending_ = false;
  std::thread thread_;
  TimestampMs last_prune_ = 0;
};

}  // namespace gallery::service
