#pragma once
// Ingest: turns a VirtualDisk into a Manifest, writing the chunks a store lacks.
//
//   IngestOptions options;  // kDefaultChunkSize, 2 threads
//   options.progress = [](uint64_t done, uint64_t total) { ... };
//   GALLERY_ASSIGN_OR_RETURN(Manifest m, Ingest(*disk, store, options));
//   // every chunk of m is durable in `store`: commit m in the metadata store now
//
// Workers take chunk indexes from a shared counter. A chunk the disk knows to be zero is not
// read; a chunk that reads as zeros is not hashed; a chunk the store already holds (Contains,
// which also refreshes it against garbage collection) is not written. Memory: threads x
// chunk_size.

#include <atomic>
#include <cstdint>
#include <functional>

#include "common/result.h"
#include "storage/chunk_store.h"
#include "storage/manifest.h"
#include "storage/virtual_disk.h"

namespace gallery::storage {

// The default chunk size, chosen from bench/chunk_size.cc (see the table below once measured).
inline constexpr uint32_t kDefaultChunkSize = 1u << 20;
inline constexpr int kDefaultIngestThreads = 2;
// Chunks are committed at least every this many new bytes, bounding temporary space.
inline constexpr uint64_t kDefaultCommitEveryBytes = uint64_t{1} << 30;

struct IngestOptions {
  // A power of two between 4 KiB and 64 MiB.
  uint32_t chunk_size = kDefaultChunkSize;
  int threads = kDefaultIngestThreads;  // >= 1
  // Called with bytes of the disk processed so far and the disk size, from worker threads, one
  // call at a time, `done` never decreasing. May be empty.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // When set and it becomes true, the ingest stops and returns a cancellation (IsCancelled).
  std::atomic<bool>* cancel = nullptr;
  uint64_t commit_every_bytes = kDefaultCommitEveryBytes;
};

// Reads every chunk of `disk` and returns its manifest once all its chunks are durable in
// `store`. InvalidArgument for bad options; the first error of any worker (the disk's ReadAt,
// the store's) stops the others and is returned; when `*options.cancel` becomes true the
// result is a cancellation (IsCancelled). On error, chunks staged and not yet committed are
// discarded; chunks committed earlier (every commit_every_bytes) stay, unreferenced, for garbage
// collection.
Result<Manifest> Ingest(const VirtualDisk& disk, ChunkStore& store, const IngestOptions& options);

// The status of a cancelled ingest: Unavailable (the work can be retried) with the reason
// "Cancelled", and the test for it.
Status CancelledStatus();
bool IsCancelled(const Status& status);

}  // namespace gallery::storage
