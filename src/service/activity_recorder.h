#pragma once
// ActivityRecorder: the one place that decides what goes into the activity log and writes it.
//
// Two callers feed it: the API layer, around every request it answers (RecordRequest: it sees
// refused requests that never reach the service), and the OperationRunner, when a long-running
// operation completes (RecordCompletion: the operation remembers who asked and the request's
// correlation and client request ids, so its final event pairs with the Started one).
//
// What is recorded (RecordRequest):
//   - every PUT, PATCH, DELETE and POST, whatever its answer: 2xx with a long-running operation
//     is Started (its completion follows), other 2xx Succeeded, 4xx and 5xx Failed;
//   - 401 and 403 answers to any method (refused reads too), Failed;
//   - nothing else: a GET or HEAD that was answered never costs a write, and a request whose
//     path names no subscription has no log to go to.
//
// Recording never fails the request: events go to a bounded in-memory queue that a background
// thread writes in batches (one transaction per batch, so concurrent requests share a commit).
// While that thread runs, RecordRequest and RecordCompletion return only once their event is
// durable (or, if the store cannot take it, once the writer gave up on it, at most
// 5 s): a client never sees an answer whose event a crash could still lose. A
// batch that cannot be written is retried a few times, then dropped; both are logged, as are
// events dropped because the queue is full. Events still queued are written by Stop(). The same
// thread prunes events older than the retention. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/activity_event.h"
#include "domain/operation.h"
#include "metadata/metadata_store.h"
#include "service/request_context.h"

namespace gallery::service {

// How a request was answered, as the API layer saw it. Views into the caller's request and
// answer, valid during RecordRequest only (a request that leaves no event costs no copy).
struct RequestOutcome {
  std::string_view method;                // "PUT", "GET", ...
  std::span<const std::string> segments;  // the decoded path
  int http_status = 0;
  std::string_view error_code;  // of an error answer
  std::string_view error_message;
  std::string_view operation_id;    // of an accepted long-running operation
  std::string_view client_address;  // the peer's address, without the port
};

// What the API layer and the operation runner record through; tests may substitute it.
class ActivitySink {
 public:
  virtual ~ActivitySink() = default;
  virtual void RecordRequest(const RequestContext& ctx, const RequestOutcome& outcome) = 0;
  virtual void RecordCompletion(const domain::Operation& operation) = 0;
};

struct ActivityRecorderOptions {
  int64_t retention_ms = int64_t{90} * 24 * 3600 * 1000;
  size_t max_queued = 10000;  // events beyond this are dropped (and logged)
};

class ActivityRecorder final : public ActivitySink {
 public:
  // The references must outlive the recorder.
  ActivityRecorder(metadata::MetadataStore& store, const Clock& clock, Random& random,
                   ActivityRecorderOptions options = {});
  ~ActivityRecorder() override;

  // The event a request leaves, or nullopt when it leaves none (rules above).
  std::optional<domain::ActivityEvent> EventFor(const RequestContext& ctx,
                                                const RequestOutcome& outcome) const;
  // The event a completed operation leaves: Succeeded (200), or Failed with its error (409
  // when it was canceled, 500 otherwise).
  domain::ActivityEvent EventFor(const domain::Operation& operation) const;

  void RecordRequest(const RequestContext& ctx, const RequestOutcome& outcome) override;
  void RecordCompletion(const domain::Operation& operation) override;

  // Starts the writer thread. Without it, events wait for Flush() or Stop().
  void Start();
  // Stops the thread and writes what is queued.
  void Stop();
  // Writes every queued event now, in the calling thread. Unavailable/Internal from the store
  // (the events stay queued for the next attempt).
  Status Flush();
  // Deletes events older than the retention; returns how many.
  Result<int64_t> Prune();
  // Events waiting to be written.
  size_t queued() const;

 private:
  // An event with a new id, naming who acted, what, and where.
  domain::ActivityEvent NewEvent(const domain::OperationOrigin& who, std::string subscription,
                                 std::string action, std::string scope,
                                 std::string resource_group) const;
  // Queues `event`; returns its sequence number, or 0 when the queue was full.
  uint64_t Enqueue(domain::ActivityEvent event);
  // Waits until event `seq` is written or given up (only while the writer thread runs).
  void WaitSettled(uint64_t seq);
  Status WriteBatch(std::vector<domain::ActivityEvent>& batch);
  // Marks every event up to `upto` as written and wakes their waiters.
  void Settle(uint64_t upto);
  void Loop();

  metadata::MetadataStore& store_;
  const Clock& clock_;
  Random& random_;
  const ActivityRecorderOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable settled_cv_;
  std::deque<domain::ActivityEvent> queue_;
  uint64_t next_seq_ = 1;  // of the next queued event; queue_ holds the newest ones in order
  uint64_t settled_ = 0;   // every event up to this sequence number is written or given up
  size_t dropped_ = 0;     // since the last warning
  bool stop_ = false;
  std::thread thread_;
  std::mutex write_mu_;  // one batch at a time, in queue order
};

}  // namespace gallery::service
