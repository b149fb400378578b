#pragma once
// StoreScrub: checks the integrity of every chunk store and repairs what it can, in the
// background every `interval_ms` and on demand.
//
// A pass reads every manifest once; the chunks a store must hold are those of the manifests
// recorded for it. Each store is checked with storage::ScrubStore, with every other store as a
// repair source (a chunk is found by its digest, whichever store holds it). The stores checked
// are those `store_names` lists plus any a manifest names. Each store's report is logged (a
// warning naming each problem when there are any). A manifest that does not decode, or a store
// that cannot be opened or read, stops the pass with that error (repairs made until then stay).
//
// One pass at a time: a pass asked for while one runs (by RunOnce, Begin or the timer) does not
// start another; the caller gets the running pass and its result. That pass may have checked a
// chunk before the caller's reason to ask arose; asking again after it finishes starts a fresh
// one.
//
//   StoreScrub scrub(metadata, store_for, list_stores, clock, {.interval_ms = 24 * kHourMs});
//   scrub.Start();                       // first periodic pass one interval from now
//   GALLERY_ASSIGN_OR_RETURN(uint64_t id, scrub.Begin());  // on demand, in the background
//   GALLERY_ASSIGN_OR_RETURN(ScrubPass pass, scrub.Pass(id));  // pass.done, pass.reports
//
// A chunk freed by a garbage collection during a pass (its manifest deleted after the pass read
// the manifests) is reported missing and restored from another store; the next collection
// frees it again. Thread-safe. Stop() (or the destructor) cancels a pass in progress.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "metadata/metadata_store.h"
#include "service/image_data.h"
#include "storage/scrub.h"

namespace gallery::service {

inline constexpr int64_t kDefaultScrubIntervalMs = int64_t{24} * 3600 * 1000;

struct StoreScrubOptions {
  // Time between periodic passes, the first one interval after Start(); 0: none (on-demand
  // passes only).
  int64_t interval_ms = kDefaultScrubIntervalMs;
  // Threads and the bound of the problem list of each store (`cancel` is StoreScrub's own).
  storage::ScrubOptions scrub;
  // Finished passes that Pass() still answers for (the most recent ones).
  size_t kept_passes = 16;
};

struct StoreScrubReport {
  std::string store;
  storage::ScrubReport report;
  // Why the store could not be scrubbed at all (it cannot be opened: its disk is not mounted,
  // say); empty when it was. Such a store is neither checked nor used as a repair source.
  std::string unavailable;
};

// A pass, running or finished.
struct ScrubPass {
  uint64_t id = 0;
  TimestampMs started_at = 0;
  bool done = false;
  TimestampMs finished_at = 0;            // when done
  Status status;                          // when done: Ok, or the error that stopped the pass
  std::vector<StoreScrubReport> reports;  // when done and Ok: one per store, in name order
};

class StoreScrub {
 public:
  // `store_names` lists the stores that exist. All must outlive this object.
  StoreScrub(metadata::MetadataStore& metadata, StoreForRegion stores,
             std::function<std::vector<std::string>()> store_names, const Clock& clock,
             StoreScrubOptions options);
  ~StoreScrub();

  // Starts the background thread that runs periodic passes and those Begin() asks for.
  void Start();
  // Cancels a pass in progress (it ends with Unavailable) and joins the thread.
  void Stop();

  // Runs a pass on the calling thread and returns its reports; while another pass runs, waits
  // for that one and returns its result instead. Errors: the pass's (see above).
  Result<std::vector<StoreScrubReport>> RunOnce();

  // Asks the background thread for a pass and returns its id at once; while a pass runs,
  // returns the id of that one. FailedPrecondition when the thread is not started.
  Result<uint64_t> Begin();

  // The pass `id`. NotFound when there is none (never begun, or forgotten: see kept_passes).
  Result<ScrubPass> Pass(uint64_t id);

 private:
  void Loop();
  // Under mu_: records a new running pass and returns its id.
  uint64_t StartPassLocked();
  // Records the end of the running pass `id` and wakes its waiters.
  void Finish(uint64_t id, Result<std::vector<StoreScrubReport>> reports);
  Result<std::vector<StoreScrubReport>> Scrub();

  metadata::MetadataStore& metadata_;
  StoreForRegion stores_;
  std::function<std::vector<std::string>()> store_names_;
  const Clock& clock_;
  StoreScrubOptions options_;
  std::atomic<bool> cancel_{false};

  std::mutex mu_;
  std::condition_variable cv_;  // a pass finished, a pass was asked for, or stop
  bool stop_ = false;
  uint64_t next_id_ = 1;
  uint64_t running_id_ = 0;  // 0: none
  uint64_t pending_id_ = 0;  // begun, for the thread to run; 0: none
  std::map<uint64_t, ScrubPass> passes_;
  std::thread thread_;
};

}  // namespace gallery::service
