#pragma once
// SharedReads: verified chunk reads shared by the replicator's jobs.
//
// A version's region jobs start together and walk its chunks in the same order, each reading
// what its targets lack from the same source store: without sharing, every region reads the
// same bytes from that store and hashes them again. Here a read of (store, digest) that another
// job has in flight is waited for, and one finished lately is served from memory. What is kept
// is bounded by bytes, oldest out first. A failed read (an exception from `read` becomes an
// Internal error) is handed to the jobs that waited for it but is not kept: the next job tries
// the store itself.
//
// Bytes are kept by (store, digest), so a job is served only what it would have read itself
// from that store: the region it is counted as coming from (egress, links) does not change.
// A chunk's bytes are fixed by its digest, so a kept copy stays right even if the store later
// loses the chunk.
//
//   SharedReads reads(32 << 20);
//   Result<SharedReads::Bytes> b = reads.Read(store, digest, [&] { return chunks->Read(digest); });
//
// Thread-safe.

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/chunk_digest.h"

namespace gallery::replication {

class SharedReads {
 public:
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;
  // Reads and verifies one chunk (storage::ChunkStore::Read).
  using ReadFn = std::function<Result<std::vector<uint8_t>>()>;

  // Keeps finished reads whose sizes total at most `keep_bytes`; 0 keeps none (reads in flight
  // are still shared).
  explicit SharedReads(uint64_t keep_bytes) : keep_bytes_(keep_bytes) {}

  // The chunk `digest` of store `store`: kept bytes, or the result of a read of it in flight,
  // or else the result of `read`, which this call runs.
  Result<Bytes> Read(const std::string& store, const storage::ChunkDigest& digest,
                     const ReadFn& read);

  struct Counts {
    uint64_t reads = 0;   // calls that ran `read`
    uint64_t shared = 0;  // calls served by another call's read
  };
  Counts counts() const;
  uint64_t kept_bytes() const;

 private:
  using Key = std::pair<std::string, storage::ChunkDigest>;
  struct Slot {
    std::shared_future<Result<Bytes>> result;
    uint64_t size = 0;  // once kept
  };

  // Keeps the finished slot `key` (mu_ held), forgetting the oldest kept ones to make room.
  void Keep(const Key& key, uint64_t size);

  const uint64_t keep_bytes_;
  mutable std::mutex mu_;
  std::map<Key, Slot> slots_;  // in flight or kept
  std::deque<Key> kept_order_;  // oldest first
  uint64_t kept_bytes_ = 0;
  Counts counts_;
};

}  // namespace gallery::replication
