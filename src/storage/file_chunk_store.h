#pragma once
// FileChunkStore: the embedded ChunkStore, a folder on a local file system.
//
//   {root}/chunks/ab/ab12...(64 hex)   one file per chunk, 256 fan-out folders by first byte
//   {root}/tmp/{batch}/                a batch's files not yet committed; emptied at Open
//   {root}/staged/{name}/ab12...       a staged batch's chunks (a hard link to the stored file
//                                      when the store had the chunk already); kept until
//                                      committed or discarded
//   {root}/LOCK                        held (flock) while the store is open
//   {root}/STORE                       the store's identity marker ("gallery chunk store" and
//                                      its name), written when the store is initialised
//
// A raw chunk's file is its content alone: a 128 KiB chunk is 32 whole blocks, written with
// one request to the disk. A compressed chunk's file is a 16-byte header (magic, format
// version, encoding, content length) and the zstd frame; raw chunks written by earlier versions
// have that header too, with encoding raw. All kinds coexist, so `compress` can be switched at
// any time; a file is read as raw when it has no header or when its whole content matches the
// digest. The digest is always over the uncompressed content. A chunk's last-used time is its
// file's modification time.
//
//   GALLERY_ASSIGN_OR_RETURN(auto store, FileChunkStore::Open(data_dir / "stores" / region));
//
// Errors: every I/O failure is Unavailable naming the store (ChunkStoreOptions::name) and
// the OS error; a full disk is ResourceExhausted. Messages never name a path, as they reach
// clients (replication details, failed operations); the path of a failure is logged instead.
// Thread-safe.

#include <array>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/time.h"
#include "storage/chunk_store.h"
#include "storage/store_folder.h"

struct stat;

namespace gallery::storage {

class FileChunkStore final : public ChunkStore {
 public:
  // Opens the store at `root`, creating its folders if needed, and removes leftovers of batches
  // a crash interrupted. One FileChunkStore per root at a time: FailedPrecondition when the
  // root is open elsewhere (this process or another), or when its STORE marker names another
  // store. Unavailable on I/O errors, and when the folder has neither a marker nor chunks
  // while options.holds_data says the store holds data (nothing is written then). A folder
  // without a marker that is new, or holds chunks (a store of an earlier version), gets one.
  static Result<std::unique_ptr<FileChunkStore>> Open(const std::filesystem::path& root,
                                                      ChunkStoreOptions options = {});
  ~FileChunkStore() override;

  Result<bool> Contains(const ChunkDigest& digest) override;
  Result<bool> ContainsWhole(const ChunkDigest& digest, uint64_t length) override;
  Result<std::vector<uint8_t>> Read(const ChunkDigest& digest) override;
  std::unique_ptr<ChunkBatch> BeginBatch() override;
  Result<std::unique_ptr<StagedBatch>> OpenStagedBatch(const std::string& name) override;
  Status DiscardStagedBatch(const std::string& name) override;
  Result<std::vector<std::string>> ListStagedBatches() override;
  Status Remove(const ChunkDigest& digest) override;
  Result<std::optional<uint64_t>> RemoveIfUnused(const ChunkDigest& digest,
                                                 TimestampMs used_before) override;
  Status ForEach(
      const std::function<void(const ChunkDigest& digest, TimestampMs last_used)>& fn) override;
  Result<StoreUsage> Usage() override;

  // Where the chunk's file is (whether or not it exists): for tools and tests.
  std::filesystem::path ChunkPath(const ChunkDigest& digest) const;
  const std::filesystem::path& root() const { return root_; }
  // Background flushes done so far (for tests and reports).
  uint64_t background_flushes() const { return background_flushes_.load(); }

 private:
  class Batch;
  class Staged;
  FileChunkStore(std::filesystem::path root, ChunkStoreOptions options, StoreFolder folder);

  // How errors name the store: options_.name, or root_ when it has none (tools and tests).
  std::string ShownName() const;
  std::filesystem::path FanOutDir(uint8_t first_byte) const;
  // Serializes, per digest, the operations that must not interleave: Contains (refresh),
  // renames into place, removals.
  std::mutex& Stripe(const ChunkDigest& digest);
  // Writes header and content (compressed if configured) to a new file at `path`, its time
  // set to now. Removes the file on error.
  Status WriteChunkFile(const std::filesystem::path& path, std::span<const uint8_t> bytes);
  // The verified content of the chunk file at `path`, which should hold `digest`.
  Result<std::vector<uint8_t>> ReadChunkFile(const std::filesystem::path& path,
                                             const ChunkDigest& digest);
  // A chunk file waiting to be published; `path` is cleared once it is. `maybe_link`: the file
  // may be a hard link of the stored chunk (false only for a file known to be written anew).
  struct StagedFile {
    ChunkDigest digest;
    std::filesystem::path path;
    bool maybe_link = true;
  };
  // Makes the files durable (syncfs), renames each to its chunk's name, and makes the names
  // durable (syncfs). A file that is a hard link of the stored chunk leaves no name behind.
  Status Publish(std::vector<StagedFile>& files);
  Status FlushFileSystem();
  // Counts `bytes` written to new chunk files (WriteChunkFile) and, every
  // options_.background_flush_bytes, asks the flusher thread (started on first use) to flush
  // the file system: a commit's flush then finds most of the files' metadata written already,
  // and the writes overlap the transfer instead of following it. At most one background flush
  // runs; requests meanwhile make one more.
  void CountWritten(uint64_t bytes);
  void FlushLoop();
  // Calls fn for each chunk file with its stat.
  Status Walk(const std::function<void(const ChunkDigest& digest, const struct stat& st)>& fn);

  std::filesystem::path root_;
  ChunkStoreOptions options_;
  const Clock* clock_;
  std::unique_ptr<Clock> own_clock_;
  StoreFolder folder_;  // holds the LOCK; its descriptor names the file system for syncfs
  std::array<std::mutex, 64> stripes_;
  std::atomic<uint64_t> next_batch_id_{0};
  std::atomic<bool> direct_io_;  // write chunk files with O_DIRECT (off once refused)
  std::atomic<uint64_t> written_bytes_{0};  // to chunk files since Open
  std::atomic<uint64_t> background_flushes_{0};
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  bool flush_requested_ = false;  // under flush_mu_
  bool flush_stop_ = false;       // under flush_mu_
  Status background_error_;       // under flush_mu_: a failed background flush, until reported
  std::thread flusher_;           // started by the first request
  std::mutex staged_mu_;
  std::set<std::string> staged_verified_;  // staged batches checked since Open
  std::set<std::string> staged_open_;      // staged batches open now
};

}  // namespace gallery::storage
