#pragma once
// Ingest: turns a VirtualDisk into a Manifest, writing the chunks a store lacks.
//
//   IngestOptions options;  // kDefaultChunkSize, 2 threads
//   options.progress = [](uint64_t done, uint64_t total) { ... };
//   GALLERY_ASSIGN_OR_RETURN(Manifest m, Ingest(*disk, store, options));
//   // every chunk of m is durable in `store`: commit m in the metadata store now
//
// Workers take chunk indexes from a shared counter. A chunk the disk knows to be zero is not
// read; a chunk whose digest the disk knows (VirtualDisk::KnownDigest) and the store holds is
// neither read nor written; a chunk that reads as zeros is not hashed; a chunk the store already holds (Contains,
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

// The default chunk size, from bench/chunk_size.cc (1 GiB random disk in memory, 2 threads,
// FileChunkStore on ext4; the second disk differs in 2% of its 4 KiB blocks, changed in runs
// of 1..64 blocks at random positions; the machine's 2 cores were shared with other work, so
// the throughputs are noisy):
//
//   | chunk size | chunks | ingest s | ingest MB/s | 2nd disk s | 2nd disk new bytes |
//   |---|---|---|---|---|---|
//   | 64 KiB   | 16384 | 10.22 | 105 | 2.29 |  2.9% |
//   | 128 KiB  |  8192 | 11.47 |  94 | 1.76 |  3.8% |
//   | 256 KiB  |  4096 | 10.90 |  98 | 3.07 |  5.8% |
//   | 1024 KiB |  1024 | 11.60 |  93 | 3.40 | 15.7% |
//   | 4096 KiB |   256 |  9.52 | 113 | 5.75 | 46.5% |
//
// Ingest time barely depends on the chunk size (copying the bytes into the page cache and
// flushing them dominate; a per-chunk file costs little once files are created in bulk and
// flushed with one syncfs), while the bytes a new version adds grow with it: a change run
// dirties every chunk it touches. 128 KiB is the largest size that keeps a 2% change under
// the 5% target with margin (3.8%), at half the files, Contains calls and manifest bytes of
// 64 KiB (a manifest holds 32 bytes per stored chunk: 256 KiB for a full 1 GiB disk).
inline constexpr uint32_t kDefaultChunkSize = 128u << 10;
inline constexpr int kDefaultIngestThreads = 2;
// Chunks are committed at least every this many new bytes, bounding temporary space.
inline constexpr uint64_t kDefaultCommitEveryBytes = uint64_t{1} << 30;

// OK when `size` is a chunk size this store writes (a power of two, 4 KiB..64 MiB), else
// InvalidArgument saying so.
Status CheckChunkSize(uint32_t size);

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
