#include "storage/ingest.h"

#include <mutex>
#include <thread>
#include <vector>

namespace gallery::storage {

namespace {

constexpr uint32_t kMinChunkSize = 4u << 10;
constexpr uint32_t kMaxChunkSize = 64u << 20;
constexpr std::string_view kCancelledReason = "Cancelled";

Status ValidateOptions(const IngestOptions& options) {
  GALLERY_RETURN_IF_ERROR(CheckChunkSize(options.chunk_size));
  if (options.threads < 1) {
    return Status::InvalidArgument("ingest needs at least one thread, not " +
                                   std::to_string(options.threads));
  }
  return Status::Ok();
}

// The state the workers share. Each worker writes only the manifest entries of the indexes it
// took, so the entries need no lock.
class IngestRun {
 public:
  IngestRun(const VirtualDisk& disk, ChunkStore& store, const IngestOptions& options)
      : disk_(disk), store_(store), options_(options), batch_(store.BeginBatch()) {
    manifest_.virtual_size = disk.size();
    manifest_.chunk_size = options.chunk_size;
    manifest_.chunks.resize(ChunkCount(manifest_.virtual_size, manifest_.chunk_size));
  }

  Result<Manifest> Run() {
    const uint64_t count = manifest_.chunks.size();
    const auto extra = static_cast<uint64_t>(options_.threads - 1);
    std::vector<std::thread> helpers;
    for (uint64_t t = 0; t < extra && t + 1 < count; ++t) {
      helpers.emplace_back([this] { Work(); });
    }
    Work();
    for (std::thread& helper : helpers) {
      helper.join();
    }
    if (!error_.ok()) {
      return error_;  // batch_ goes with *this: staged chunks are removed
    }
    GALLERY_RETURN_IF_ERROR(batch_->Commit());
    return std::move(manifest_);
  }

 private:
  void Work() {
    std::vector<uint8_t> buffer(options_.chunk_size);
    while (!stop_.load()) {
      if (options_.cancel != nullptr && options_.cancel->load()) {
        Fail(CancelledStatus());
        return;
      }
      const uint64_t index = next_.fetch_add(1);
      if (index >= manifest_.chunks.size()) {
        return;
      }
      const uint32_t length = ChunkLength(manifest_, index);
      Status s = IngestChunk(index, std::span<uint8_t>(buffer.data(), length));
      if (!s.ok()) {
        Fail(std::move(s));
        return;
      }
      ReportProgress(length);
    }
  }

  Status IngestChunk(uint64_t index, std::span<uint8_t> buffer) {
    const uint64_t offset = index * manifest_.chunk_size;
    if (disk_.KnownZero(offset, buffer.size())) {
      return Status::Ok();
    }
    // A chunk hashed when it was uploaded and in the store already is neither read nor written.
    if (std::optional<ChunkDigest> known = disk_.KnownDigest(offset, buffer.size())) {
      GALLERY_ASSIGN_OR_RETURN(bool present, store_.Contains(*known));
      if (present) {
        manifest_.chunks[index] = *known;
        return Status::Ok();
      }
    }
    GALLERY_RETURN_IF_ERROR(disk_.ReadAt(offset, buffer));
    if (IsAllZero(buffer)) {
      return Status::Ok();
    }
    const ChunkDigest digest = DigestOf(buffer);
    manifest_.chunks[index] = digest;
    GALLERY_ASSIGN_OR_RETURN(bool present, store_.Contains(digest));
    if (present) {
      return Status::Ok();
    }
    GALLERY_RETURN_IF_ERROR(batch_->Add(digest, buffer));
    return MaybeCommit(buffer.size());
  }

  // Commits once enough new bytes are staged, so temporary space stays bounded; other
  // workers keep adding meanwhile (their chunks go to the next commit).
  Status MaybeCommit(uint64_t added) {
    if (uncommitted_.fetch_add(added) + added < options_.commit_every_bytes) {
      return Status::Ok();
    }
    std::unique_lock lock(commit_mu_, std::try_to_lock);
    if (!lock.owns_lock()) {
      return Status::Ok();
    }
    uncommitted_.store(0);
    return batch_->Commit();
  }

  void ReportProgress(uint64_t length) {
    if (!options_.progress) {
      return;
    }
    std::lock_guard lock(progress_mu_);
    done_ += length;
    options_.progress(done_, manifest_.virtual_size);
  }

  void Fail(Status status) {
    std::lock_guard lock(error_mu_);
    if (error_.ok()) {
      error_ = std::move(status);
    }
    stop_.store(true);
  }

  const VirtualDisk& disk_;
  ChunkStore& store_;
  const IngestOptions& options_;
  std::unique_ptr<ChunkBatch> batch_;
  Manifest manifest_;
  std::atomic<uint64_t> next_{0};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> uncommitted_{0};
  std::mutex commit_mu_;
  std::mutex progress_mu_;
  uint64_t done_ = 0;
  std::mutex error_mu_;
  Status error_;
};

}  // namespace

Result<Manifest> Ingest(const VirtualDisk& disk, ChunkStore& store, const IngestOptions& options) {
  GALLERY_RETURN_IF_ERROR(ValidateOptions(options));
  IngestRun run(disk, store, options);
  return run.Run();
}

Status CheckChunkSize(uint32_t size) {
  if (size < kMinChunkSize || size > kMaxChunkSize || (size & (size - 1)) != 0) {
    return Status::InvalidArgument("chunk size " + std::to_string(size) +
                                   " must be a power of two between 4 KiB and 64 MiB");
  }
  return Status::Ok();
}

Status CancelledStatus() {
  return Status::Unavailable("ingest cancelled").WithReason(std::string(kCancelledReason));
}

bool IsCancelled(const Status& status) {
  return status.code() == StatusCode::kUnavailable && status.reason() == kCancelledReason;
}

}  // namespace gallery::storage
