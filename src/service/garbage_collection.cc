#include "service/garbage_collection.h"

#include <chrono>

#include "common/log.h"
#include "service/manifest_chunks.h"

namespace gallery::service {

GarbageCollection::GarbageCollection(metadata::MetadataStore& store, StoreForRegion stores,
                                     std::function<std::vector<std::string>()> regions,
                                     const Clock& clock, GarbageCollectionOptions options)
    : store_(store),
      stores_(std::move(stores)),
      regions_(std::move(regions)),
      clock_(clock),
      options_(options) {}

GarbageCollection::~GarbageCollection() { Stop(); }

void GarbageCollection::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void GarbageCollection::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void GarbageCollection::Loop() {
  while (true) {
    Result<std::vector<std::pair<std::string, storage::GcReport>>> reports = RunOnce();
    if (!reports.ok()) {
      GLOG_WARN("garbage collection: {}", reports.status().ToString());
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [this] { return stop_; })) {
      return;
    }
  }
}

Result<std::vector<std::pair<std::string, storage::GcReport>>> GarbageCollection::RunOnce() {
  std::vector<std::pair<std::string, storage::GcReport>> out;
  for (const std::string& region : regions_()) {
    GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * chunks, stores_(region));
    // The referenced set is read at the time CollectGarbage asks for it (after it listed the
    // candidates), as its safety argument requires.
    auto referenced = [&](const std::function<void(const storage::ChunkDigest&)>& visit) {
      GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<metadata::Transaction> tx,
                               store_.Begin(metadata::TxMode::kRead));
      return ForEachManifestChunk(
          *tx, region, [&](const metadata::ManifestRecord&, const storage::ChunkDigest& chunk) {
            visit(chunk);
          });
    };
    GALLERY_ASSIGN_OR_RETURN(
        storage::GcReport report,
        storage::CollectGarbage(*chunks, referenced, clock_.Now() - options_.grace_ms));
    GLOG_INFO("garbage collection in {}: {} chunks examined, {} deleted, {} bytes freed", region,
              report.examined, report.deleted, report.bytes_freed);
    out.emplace_back(region, report);
  }
  return out;
}

}  // namespace gallery::service
