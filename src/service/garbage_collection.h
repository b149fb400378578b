#pragma once
// GarbageCollection: frees the chunks no manifest refers to, in every region store, in the
// background: one pass at Start() and then every `interval_ms`.
//
// A pass runs storage::CollectGarbage on each region store with the chunks of every manifest
// recorded for that region as the referenced set, and a cutoff of now - grace (an hour), which
// keeps the chunks of ingests still running (see storage/garbage_collector.h for why that is
// safe). Each region's result is logged: chunks examined, deleted and bytes freed. A manifest
// that does not decode stops that region's pass (nothing is deleted on a partial view).
//
// Thread-safe. Stop() (or the destructor) waits for a pass in progress.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "metadata/metadata_store.h"
#include "service/image_data.h"
#include "storage/garbage_collector.h"

namespace gallery::service {

struct GarbageCollectionOptions {
  int64_t interval_ms = int64_t{3600} * 1000;
  int64_t grace_ms = storage::kGcGraceMs;
};

class GarbageCollection {
 public:
  // `regions` lists the regions that have a store. All must outlive this object.
  GarbageCollection(metadata::MetadataStore& store, StoreForRegion stores,
                    std::function<std::vector<std::string>()> regions, const Clock& clock,
                    GarbageCollectionOptions options);
  ~GarbageCollection();

  void Start();
  void Stop();

  // One pass over every region; the report of each, in order. The first error stops the pass.
  Result<std::vector<std::pair<std::string, storage::GcReport>>> RunOnce();

 private:
  void Loop();

  metadata::MetadataStore& store_;
  StoreForRegion stores_;
  std::function<std::vector<std::string>()> regions_;
  const Clock& clock_;
  GarbageCollectionOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gallery::service
