#pragma once
// UploadBlob: the page blob of a disk upload, kept so that sealing it reads no byte twice.
//
// The blob's bytes are split where they arrive. A page write that covers a whole chunk of the
// blob's data part (chunk-aligned, before the last 512 bytes, which hold a VHD's footer) is
// hashed at once and staged in the region's chunk store (a staged batch named after the
// upload); a chunk of zeros is not stored at all. The whole chunks of one write are hashed in
// parallel on a TaskPool when one is given (a task per 256 KiB of them), then staged together
// (one direct write into a pack store). Everything else (the edges of unaligned writes, the
// footer) goes to a sparse StagingBlob. For a fixed VHD, blob offsets are disk offsets, so the
// seal finds every whole chunk already hashed and stored and only reads the rest.
//
//   {dir}/{name}.blob    the bytes outside stored chunks (StagingBlob)
//   {dir}/{name}.slots   per chunk, the digest of the chunk stored for it (32 bytes; zeros when
//                        none: the blob holds that chunk's bytes), after a 32-byte header
//   {dir}/{name}.pages   the pages written and not cleared since (PageMap): the page list
//   store: staged batch `name`, the chunks
//
//   GALLERY_ASSIGN_OR_RETURN(auto upload, UploadBlob::Open(uploads, uid, size, store, 128 << 10));
//   GALLERY_RETURN_IF_ERROR(upload->WritePages(offset, bytes));   // many, in any order
//   // seal:
//   GALLERY_ASSIGN_OR_RETURN(auto disk, OpenDiskImage(upload->Source(), upload->size(), ...));
//   GALLERY_RETURN_IF_ERROR(upload->CommitChunks());   // only once the bytes are valid
//   GALLERY_ASSIGN_OR_RETURN(Manifest m, Ingest(*disk, store, options));  // reads the rest
//   GALLERY_RETURN_IF_ERROR(upload->Remove());
//
// Crashes: every step leaves a state that reads as the writes acknowledged so far (a stored
// chunk is staged before its slot names it; a chunk's bytes reach the blob before its slot is
// cleared), as far as the page cache survives: like a file, an upload is only durable against
// power loss once sealed. A chunk a seal committed before a restart is read from the store.
// Reopening after a restart forgets slots whose chunk survived in neither place (their pages
// read as zeros again and leave the page list, so a resumed upload sends them again) and
// counts them (lost_chunks: a seal must not go on as if they were zeros). Thread-safe; one
// UploadBlob per name at a time.

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/task_pool.h"
#include "storage/chunk_store.h"
#include "storage/image_source.h"
#include "storage/page_blob.h"
#include "storage/page_map.h"
#include "storage/staging_blob.h"

namespace gallery::storage {

// Threads that hash and stage the whole chunks of page writes (TaskPool helpers, shared by
// every upload of a server): enough to keep the disk busy with direct writes of 128 KiB.
inline constexpr int kDefaultUploadWriteThreads = 8;

class UploadBlob final : public PageBlob {
 public:
  // Opens the upload `name` of `size` bytes, creating it (all zeros) when it does not exist.
  // `chunk_size` (a power of two, 4 KiB..64 MiB) applies to a new upload; an existing one keeps
  // the size it was created with. `pool` (may be null: the writer's thread does everything)
  // must outlive the upload. `max_page_ranges` bounds the page list (PageMap). `shown` is how
  // errors name what is uploaded (e.g. "disk 'd1'"; "upload '{name}'" when empty): errors name
  // it and the file that failed in words (BlobIoError), never a path, since they reach clients
  // (a failed seal's operation error). InvalidArgument for a bad chunk size or an existing
  // upload of another size; the store's errors; Unavailable on I/O errors.
  static Result<std::unique_ptr<UploadBlob>> Open(const std::filesystem::path& dir,
                                                  const std::string& name, uint64_t size,
                                                  ChunkStore& store, uint32_t chunk_size,
                                                  TaskPool* pool = nullptr,
                                                  size_t max_page_ranges = kMaxPageMapRanges,
                                                  const std::string& shown = {});
  // Removes what an upload left in `dir` and `store` (missing parts are fine). Errors name the
  // upload as Open's do.
  static Status RemoveLeftovers(const std::filesystem::path& dir, const std::string& name,
                                ChunkStore& store, const std::string& shown = {});

  uint64_t size() const override { return blob_->size(); }
  uint32_t chunk_size() const { return chunk_size_; }
  // Chunks written before a restart that survived neither staged nor stored (see above).
  uint64_t lost_chunks() const { return lost_chunks_; }

  // A write or clear that would leave more than max_page_ranges separate ranges in the page
  // list is refused before any byte changes: ResourceExhausted, reason
  // kTooManyPageRangesReason (PageMap::CheckMark).
  Status WritePages(uint64_t offset, std::span<const uint8_t> bytes) override;
  Status ClearPages(uint64_t offset, uint64_t length) override;
  Status ReadPages(uint64_t offset, std::span<uint8_t> out) const override;
  // Exactly the 512-byte pages written and not cleared since (a page written with zeros
  // included), whether their bytes went to the store or the blob.
  Result<std::vector<PageRange>> PageRanges() const override;

  // The bytes as OpenDiskImage reads them; whole stored chunks tell their digests. The upload
  // must outlive the source and not change while it is read.
  std::unique_ptr<ImageSource> Source() const;
  // Makes the staged chunks durable, then visible in the store. Call once the bytes are known
  // valid: a refused upload must leave nothing in the store.
  Status CommitChunks();
  // Deletes the upload: blob, slots and staged chunks. Later calls fail or see nothing; a call
  // running meanwhile may fail (a write to a deleted upload is lost).
  Status Remove();

 private:
  using Slot = std::array<uint8_t, 32>;
  class Source_;

  UploadBlob(std::string name, std::string shown, ChunkStore& store, uint32_t chunk_size,
             std::unique_ptr<StagingBlob> blob, std::unique_ptr<StagingBlob> slots,
             std::unique_ptr<StagedBatch> batch, TaskPool* pool);

  // Chunks [0, chunk_count_) are whole chunks of the data part; the rest of the blob is never
  // stored as chunks.
  uint64_t ChunkStart(uint64_t index) const { return index * chunk_size_; }
  std::mutex& Lock(uint64_t index) const { return locks_[index % locks_.size()]; }
  Result<std::optional<ChunkDigest>> SlotOf(uint64_t index) const;
  Status SetSlot(uint64_t index, const std::optional<ChunkDigest>& digest);
  // A whole chunk's new content takes effect: `digest` (staged already), or all zeros.
  Status SetChunk(uint64_t index, const std::optional<ChunkDigest>& digest);
  // Moves a stored chunk's bytes into the blob and clears its slot (the caller holds its lock),
  // before part of the chunk changes.
  Status Unstore(uint64_t index);
  // Applies `apply(offset, length, position in the request)` to each piece of [offset, offset +
  // length) within one chunk (or past the chunks), in order.
  template <typename Fn>
  Status ForEachPiece(uint64_t offset, uint64_t length, Fn apply) const;
  // A chunk a slot names: staged, or committed to the store by a seal. DataLoss when neither.
  Result<std::vector<uint8_t>> ReadChunk(const ChunkDigest& digest) const;
  // Forgets slots whose chunk is neither staged nor stored (after a restart), and their pages.
  Status DropLostSlots();
  // The ranges the blob and the slots hold data for (file-system granularity): the page map
  // of an upload begun before page maps were kept.
  Result<std::vector<PageRange>> StoredRanges() const;

  const std::string name_;
  // How errors name the upload ("disk 'd1'").
  const std::string shown_;
  ChunkStore& store_;
  const uint32_t chunk_size_;
  uint64_t chunk_count_;
  std::unique_ptr<StagingBlob> blob_;
  std::unique_ptr<StagingBlob> slots_;
  std::unique_ptr<StagedBatch> batch_;
  std::unique_ptr<PageMap> pages_;
  TaskPool* pool_;
  mutable std::array<std::mutex, 64> locks_;
  uint64_t lost_chunks_ = 0;
};

}  // namespace gallery::storage
