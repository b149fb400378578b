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

// The default chunk size. A new version costs its store the chunks its changes touch: with the
// replication benchmark's second version (2% of 4 KiB blocks rewritten, in runs of 1..64
// blocks, over a 2 GiB image holding 512 MiB of data), 78.4 MiB per store at 128 KiB chunks,
// 49.8 MiB at 32 KiB, 44.7 MiB at 16 KiB (41 MiB changed). What a chunk costs besides its
// bytes (a lookup per store, a manifest entry, an index entry) grows as chunks shrink. Measured
// with pack stores (bench/replication_bench.py, one run each, 2026-11-29, a shared machine):
//
//   | chunk size | (a) 6 copies | (a) CPU | (b) next version | (b) / (a) | galleryd peak RSS |
//   |---|---|---|---|---|---|
//   | 16 KiB  | 3.84 s | 5.12 s | 0.53 s | 0.138 | 207 MiB |
//   | 32 KiB  | 3.24 s | 4.02 s | 0.38 s | 0.117 | 168 MiB |
//   | 128 KiB | 4.38 s | 4.16 s | 0.74 s | 0.169 |  83 MiB |
//
// 32 KiB copies a next version fastest, and keeps manifests at 32 bytes per 32 KiB of data
// (1 MiB for a full 1 GiB disk). One file per chunk (FileChunkStore) cannot go this small:
// at 16 KiB it took 7.6 times the time of 128 KiB chunks (pack_chunk_store.h).
inline constexpr uint32_t kDefaultChunkSize = 32u << 10;
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
