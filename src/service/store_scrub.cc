#include "service/store_scrub.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/log.h"
#include "service/manifest_chunks.h"

namespace gallery::service {

StoreScrub::StoreScrub(metadata::MetadataStore& metadata, StoreForRegion stores,
                       std::function<std::vector<std::string>()> store_names, const Clock& clock,
                       StoreScrubOptions options)
    : metadata_(metadata),
      stores_(std::move(stores)),
      store_names_(std::move(store_names)),
      clock_(clock),
      options_(std::move(options)) {
  options_.scrub.cancel = &cancel_;
}

StoreScrub::~StoreScrub() { Stop(); }

void StoreScrub::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  cancel_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void StoreScrub::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cancel_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void StoreScrub::Loop() {
  using Steady = std::chrono::steady_clock;
  const bool periodic = options_.interval_ms > 0;
  Steady::time_point due = Steady::now() + std::chrono::milliseconds(options_.interval_ms);
  std::unique_lock lock(mu_);
  while (true) {
    auto asked = [this] { return stop_ || pending_id_ != 0; };
    if (periodic) {
      cv_.wait_until(lock, due, asked);
    } else {
      cv_.wait(lock, asked);
    }
    if (stop_) {
      if (const uint64_t pending = std::exchange(pending_id_, 0); pending != 0) {
        lock.unlock();
        Finish(pending, Status::Unavailable("the scrub was stopped before it started"));
      }
      return;
    }
    uint64_t id = pending_id_;
    if (id == 0) {
      // The timer: unless a pass (RunOnce's) is running already, which counts as this one.
      due = Steady::now() + std::chrono::milliseconds(options_.interval_ms);
      if (running_id_ != 0) {
        continue;
      }
      id = StartPassLocked();
    }
    pending_id_ = 0;
    lock.unlock();
    Finish(id, Scrub());
    lock.lock();
    due = Steady::now() + std::chrono::milliseconds(options_.interval_ms);
  }
}

uint64_t StoreScrub::StartPassLocked() {
  const uint64_t id = next_id_++;
  ScrubPass& pass = passes_[id];
  pass.id = id;
  pass.started_at = clock_.Now();
  running_id_ = id;
  return id;
}

void StoreScrub::Finish(uint64_t id, Result<std::vector<StoreScrubReport>> reports) {
  if (!reports.ok()) {
    GLOG_WARN("scrub pass {} stopped: {}", id, reports.status().ToString());
  }
  {
    std::lock_guard lock(mu_);
    ScrubPass& pass = passes_[id];
    pass.done = true;
    pass.finished_at = clock_.Now();
    if (reports.ok()) {
      pass.reports = std::move(*reports);
    } else {
      pass.status = reports.status();
    }
    running_id_ = 0;
    // Only finished passes are forgotten, the oldest first (ids grow with time).
    while (passes_.size() > std::max<size_t>(options_.kept_passes, 1)) {
      passes_.erase(passes_.begin());
    }
  }
  cv_.notify_all();
}

Result<std::vector<StoreScrubReport>> StoreScrub::RunOnce() {
  std::unique_lock lock(mu_);
  uint64_t id = running_id_;
  if (id == 0) {
    id = StartPassLocked();
    lock.unlock();
    Finish(id, Scrub());
    lock.lock();
  }
  cv_.wait(lock, [&] {
    auto it = passes_.find(id);
    return it == passes_.end() || it->second.done;
  });
  auto it = passes_.find(id);
  if (it == passes_.end()) {
    return Status::Unavailable("the scrub pass finished, but its result is no longer kept");
  }
  GALLERY_RETURN_IF_ERROR(it->second.status);
  return it->second.reports;
}

Result<uint64_t> StoreScrub::Begin() {
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable() || stop_) {
      return Status::FailedPrecondition("the scrub's background thread is not running");
    }
    if (running_id_ != 0) {
      return running_id_;
    }
    id = StartPassLocked();
    pending_id_ = id;
  }
  cv_.notify_all();
  return id;
}

Result<ScrubPass> StoreScrub::Pass(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = passes_.find(id);
  if (it == passes_.end()) {
    return Status::NotFound("There is no scrub pass " + std::to_string(id) +
                            " (only the most recent ones are kept).");
  }
  return it->second;
}

namespace {

void LogReport(const StoreScrubReport& r) {
  const storage::ScrubReport& s = r.report;
  if (s.corrupt + s.missing == 0) {
    GLOG_INFO("scrub of store {}: {} chunks ({} bytes) verified, no problem", r.store,
              s.chunks_checked, s.bytes_checked);
    return;
  }
  GLOG_WARN(
      "scrub of store {}: {} chunks checked, {} corrupt, {} missing, {} repaired, {} "
      "unrepairable",
      r.store, s.chunks_checked, s.corrupt, s.missing, s.repaired, s.unrepairable);
  for (const storage::ScrubProblem& p : s.problems) {
    GLOG_WARN("scrub of store {}: chunk {} {}, {}: {}", r.store, storage::ToHex(p.digest),
              storage::ScrubProblemName(p.kind), p.repaired ? "repaired" : "NOT repaired",
              p.detail);
  }
}

}  // namespace

Result<std::vector<StoreScrubReport>> StoreScrub::Scrub() {
  // What each store must hold, from one read of the manifests.
  std::map<std::string, std::vector<storage::ChunkDigest>> expected;
  for (const std::string& name : store_names_()) {
    expected[name];
  }
  {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<metadata::Transaction> tx,
                             metadata_.Begin(metadata::TxMode::kRead));
    GALLERY_RETURN_IF_ERROR(ForEachManifestChunk(
        *tx, "", [&](const metadata::ManifestRecord& record, const storage::ChunkDigest& chunk) {
          expected[record.store].push_back(chunk);
        }));
  }
  // A store that cannot be opened is reported, not scrubbed: the others are still checked.
  std::map<std::string, storage::ChunkStore*> opened;
  std::vector<storage::ChunkStore*> all;
  std::vector<StoreScrubReport> out;
  for (const auto& [name, chunks] : expected) {
    Result<storage::ChunkStore*> store = stores_(name);
    if (!store.ok()) {
      GLOG_WARN("scrub of store {}: cannot open it: {}", name, store.status().ToString());
      out.push_back({.store = name, .unavailable = store.status().message()});
      continue;
    }
    opened[name] = *store;
    all.push_back(*store);
  }
  for (auto& [name, chunks] : expected) {
    if (!opened.contains(name)) {
      continue;
    }
    // ScrubStore skips the scrubbed store among the sources.
    GALLERY_ASSIGN_OR_RETURN(storage::ScrubReport report,
                             storage::ScrubStore(*opened[name], chunks, all, options_.scrub));
    chunks = {};  // the digests are not needed any more
    out.push_back({name, std::move(report)});
    LogReport(out.back());
  }
  std::sort(out.begin(), out.end(),
            [](const StoreScrubReport& a, const StoreScrubReport& b) { return a.store < b.store; });
  return out;
}

}  // namespace gallery::service
