#pragma once
// StagingBlob: the page blob a disk upload writes into before it is sealed, a sparse file of
// exactly the upload size at {data-dir}/uploads/{uniqueId}.blob.
//
//   GALLERY_ASSIGN_OR_RETURN(auto blob, StagingBlob::Create(path, upload_size));
//   GALLERY_RETURN_IF_ERROR(blob->WritePages(offset, bytes));   // 512-byte aligned by caller
//   GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> written, blob->PageRanges());
//   GALLERY_RETURN_IF_ERROR(blob->Sync());                      // before sealing
//
// Never-written pages are holes and read as zeros. PageRanges asks the file system (SEEK_DATA /
// SEEK_HOLE), so after a crash it lists what is really on disk; its granularity is the file
// system's block, so a range may extend a written range to a block boundary (those bytes read
// as zeros). Errors (BlobIoError, page_blob.h): Unavailable naming the blob (its `name`, never its
// path: the messages reach clients, e.g. in a failed seal's operation error) and the OS error;
// ResourceExhausted when the disk is full. The path of a failure goes to the server's log.
// Thread-safe: writes to different ranges may run concurrently.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/page_blob.h"
#include "storage/page_map.h"

namespace gallery::storage {

class StagingBlob final : public PageBlob {
 public:
  // Creates the file (and its folder) with `size` bytes, all holes, mode 0600; an existing
  // file of that size is opened as it is (an upload resumed after a restart). InvalidArgument
  // when an existing file has another size. `name` is how errors name the blob (e.g. "the
  // upload blob of disk 'd1'"); "staging blob '{file name}'" when empty.
  static Result<std::unique_ptr<StagingBlob>> Create(const std::filesystem::path& path,
                                                     uint64_t size, std::string name = {});
  // Opens an existing blob. NotFound when it does not exist.
  static Result<std::unique_ptr<StagingBlob>> Open(const std::filesystem::path& path,
                                                   std::string name = {});

  ~StagingBlob();
  StagingBlob(const StagingBlob&) = delete;
  StagingBlob& operator=(const StagingBlob&) = delete;

  uint64_t size() const override { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // How errors name the blob.
  const std::string& name() const { return name_; }

  // Writes `bytes` at `offset`. InvalidArgument when the range leaves [0, size()).
  Status WritePages(uint64_t offset, std::span<const uint8_t> bytes) override;
  // Makes [offset, offset + length) read as zeros, freeing whole blocks. InvalidArgument when
  // the range leaves [0, size()).
  Status ClearPages(uint64_t offset, uint64_t length) override;
  // Reads `out.size()` bytes at `offset` (holes as zeros). InvalidArgument outside the blob.
  Status ReadPages(uint64_t offset, std::span<uint8_t> out) const override;
  // From now on keeps the exact list of pages written and not cleared in the journal at
  // `journal` (PageMap of at most `max_ranges` ranges; a new journal starts from what the file
  // holds), and PageRanges answers from it; Remove deletes it too. A write or clear that would
  // exceed `max_ranges` is then refused before any byte changes (ResourceExhausted, reason
  // kTooManyPageRangesReason). PageMap::Open's errors.
  Status TrackPages(const std::filesystem::path& journal, size_t max_ranges = kMaxPageMapRanges);
  // The pages written and not cleared when tracked (TrackPages); otherwise the ranges holding
  // data, at the file system's block granularity. In order, merged, inside [0, size()).
  Result<std::vector<PageRange>> PageRanges() const override;
  // True when [offset, offset + length) holds no data (a hole of the file), found without
  // reading; false when unknown or on errors.
  bool IsHole(uint64_t offset, uint64_t length) const;
  // fsync: every write so far is durable.
  Status Sync();
  // Deletes the file (a missing file is fine) and syncs its folder.
  Status Remove();

 private:
  StagingBlob(std::filesystem::path path, std::string name, int fd, uint64_t size)
      : path_(std::move(path)), name_(std::move(name)), fd_(fd), size_(size) {}
  Status CheckRange(uint64_t offset, uint64_t length) const;
  Status IoError(std::string_view what, int err) const;

  std::filesystem::path path_;
  std::string name_;
  int fd_;
  uint64_t size_;
  std::unique_ptr<PageMap> pages_;
};

}  // namespace gallery::storage
