#pragma once
// ChunkStore: a region store's set of chunks, each kept once under the SHA-256 of its content.
//
// Chunks enter through a batch, so many chunks become durable with one flush:
//
//   std::unique_ptr<ChunkBatch> batch = store.BeginBatch();
//   GALLERY_ASSIGN_OR_RETURN(bool present, store.Contains(digest));
//   if (!present) GALLERY_RETURN_IF_ERROR(batch->Add(digest, bytes));
//   GALLERY_RETURN_IF_ERROR(batch->Commit());  // durable, then visible
//   GALLERY_ASSIGN_OR_RETURN(std::vector<uint8_t> back, store.Read(digest));  // verified
//
// Every chunk has a last-used time: when it was written or last confirmed by Contains.
// Garbage collection (garbage_collector.h) only deletes chunks no manifest refers to whose
// last use is older than its cutoff, which is what makes it safe while uploads run.
//
// Implementations: PackChunkStore (pack files in a folder, pack_chunk_store.h; new stores) and
// FileChunkStore (one file per chunk, file_chunk_store.h; stores of earlier versions). All
// methods are thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "storage/chunk_digest.h"

namespace gallery::storage {

// What a store holds, for reports and benchmarks.
struct StoreUsage {
  uint64_t chunks = 0;
  // Bytes the chunks' files take in the store (after compression, with whatever headers the
  // store's format adds).
  uint64_t stored_bytes = 0;
};

// A chunk for ChunkBatch::AddAll: digest = DigestOf(bytes).
struct ChunkToAdd {
  ChunkDigest digest{};
  std::span<const uint8_t> bytes;
};

// New chunks on their way into a store. Thread-safe: several workers Add concurrently, and a
// Commit may run while others Add (it commits what was added before it started).
class ChunkBatch {
 public:
  // Removes the temporary data of chunks added and not committed.
  virtual ~ChunkBatch() = default;

  // Stages `bytes` as the chunk `digest` (the caller computed digest = DigestOf(bytes)); not
  // visible to readers until Commit. Adding a digest this batch added and has not committed yet
  // is a no-op; after its commit, adding it again writes it again (the caller found it missing).
  // Unavailable on I/O errors, ResourceExhausted when the disk is full.
  virtual Status Add(const ChunkDigest& digest, std::span<const uint8_t> bytes) = 0;

  // Add for several chunks, which a store may write with one request (PackChunkStore appends
  // them to its pack with one write: small chunks written one by one cost a disk request and a
  // system call each). Stops at the first error; chunks added before it stay added.
  virtual Status AddAll(std::span<const ChunkToAdd> chunks) {
    for (const ChunkToAdd& c : chunks) {
      GALLERY_RETURN_IF_ERROR(Add(c.digest, c.bytes));
    }
    return Status::Ok();
  }

  // Makes every chunk added so far durable, then visible under its digest: after a crash a
  // chunk is either absent or complete, never visible with partial content. The batch stays
  // usable for more Adds and Commits. On error, chunks of this commit may or may not be
  // visible (each one that is, is complete) and the rest are discarded (they may be added
  // again).
  virtual Status Commit() = 0;
};

// A batch that survives a restart of the process (ChunkStore::OpenStagedBatch): the chunks of an
// upload in progress, staged as the writes arrive and committed when the upload is sealed.
class StagedBatch : public ChunkBatch {
 public:
  // True when the chunk is staged in this batch (or was, and has been committed).
  virtual bool Holds(const ChunkDigest& digest) = 0;
  // A staged chunk's content, verified. NotFound when the batch does not hold it; DataLoss as
  // ChunkStore::Read.
  virtual Result<std::vector<uint8_t>> Read(const ChunkDigest& digest) = 0;
};

class ChunkStore {
 public:
  virtual ~ChunkStore() = default;

  // True when the chunk is present (and therefore complete). A hit refreshes the chunk's
  // last-used time to now, so a garbage collection running concurrently keeps it.
  // Unavailable on I/O errors.
  virtual Result<bool> Contains(const ChunkDigest& digest) = 0;

  // Contains for a chunk whose content is `length` bytes, which also checks that what is
  // stored can hold that content (its size, and a header's length, without reading or hashing
  // the content): a zero-length, truncated or overlong chunk file is damaged, is removed, and
  // the chunk counts as absent so that it is written again. What passes may still hold wrong
  // bytes of the right size: reads verify the hash, and a scrub finds and repairs those.
  // Unavailable on I/O errors.
  virtual Result<bool> ContainsWhole(const ChunkDigest& digest, uint64_t length) {
    (void)length;
    return Contains(digest);
  }

  // ContainsWhole of each (digest, content length) of `chunks`: (*present)[i] for chunks[i].
  // A replication asks this of every chunk of a version in each target store, most of them
  // present; a store overrides it to answer many for less than as many calls.
  virtual Status ContainsWholeAll(std::span<const std::pair<ChunkDigest, uint32_t>> chunks,
                                  std::vector<bool>* present) {
    present->assign(chunks.size(), false);
    for (size_t i = 0; i < chunks.size(); ++i) {
      GALLERY_ASSIGN_OR_RETURN(bool has, ContainsWhole(chunks[i].first, chunks[i].second));
      (*present)[i] = has;
    }
    return Status::Ok();
  }

  // The chunk's content, verified against `digest`. NotFound when absent; DataLoss naming the
  // chunk when the stored bytes are short, undecodable or hash to something else; Unavailable
  // on I/O errors.
  virtual Result<std::vector<uint8_t>> Read(const ChunkDigest& digest) = 0;

  // A new, empty batch writing into this store. The store must outlive it.
  virtual std::unique_ptr<ChunkBatch> BeginBatch() = 0;

  // The staged batch `name` (a plain file name: letters, digits, '-', '_', '.'), created empty
  // or continued: what it staged before survives a crash or restart of the process until it is
  // committed or discarded. The first open of a name in a process verifies every chunk it holds
  // and drops the damaged ones (a crash can cut a write short). Adding a chunk the store holds
  // already keeps a reference to the stored one instead of writing it, so a garbage collection
  // cannot take it before the batch commits. One open StagedBatch per name at a time; the store
  // must outlive it. InvalidArgument for a bad name; Unavailable on I/O errors.
  virtual Result<std::unique_ptr<StagedBatch>> OpenStagedBatch(const std::string& name) = 0;
  // Removes a staged batch and what it staged (a missing one is fine).
  virtual Status DiscardStagedBatch(const std::string& name) = 0;
  // The names of the staged batches, in no particular order.
  virtual Result<std::vector<std::string>> ListStagedBatches() = 0;

  // Deletes the chunk. NotFound when absent; Unavailable on I/O errors.
  virtual Status Remove(const ChunkDigest& digest) = 0;

  // Deletes the chunk only if its last use is older than `used_before`, atomically with
  // respect to Contains: a Contains that returned true before the removal keeps the chunk,
  // one after it returns false. Returns the stored bytes freed, or nullopt when the chunk was
  // kept (used since) or is absent. Unavailable on I/O errors.
  virtual Result<std::optional<uint64_t>> RemoveIfUnused(const ChunkDigest& digest,
                                                         TimestampMs used_before) = 0;

  // Calls `fn` for every chunk with its last-used time, in no particular order. Chunks added or
  // removed meanwhile may or may not be seen. Unavailable on I/O errors.
  virtual Status ForEach(
      const std::function<void(const ChunkDigest& digest, TimestampMs last_used)>& fn) = 0;

  // Chunk count and stored bytes (walks the store: for reports, not hot paths).
  virtual Result<StoreUsage> Usage() = 0;
};

}  // namespace gallery::storage
