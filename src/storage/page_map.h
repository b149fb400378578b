#pragma once
// PageMap: exactly which 512-byte pages of a page blob were written and not cleared since, the
// answer of Get Page Ranges. In memory an interval set of the written ranges; on disk an
// append-only journal of the writes and clears, so the map survives a restart.
//
//   GALLERY_ASSIGN_OR_RETURN(auto pages, PageMap::Open(dir / "x.pages", size, seed));
//   GALLERY_RETURN_IF_ERROR(pages->Mark(0, 512));        // after the bytes were written
//   GALLERY_RETURN_IF_ERROR(pages->Unmark(0, 4096));     // after the bytes were cleared
//   std::vector<PageRange> written = pages->Ranges(0, size);   // [{0, 512}] then []
//
// The journal is a sequence of 16-byte records (little-endian offset with bit 0 set for a
// clear, then the length); a torn last record (a crash mid-append) is ignored. Opening
// rewrites a journal much longer than the set it describes (temp file, fsync, rename).
// Memory is bounded: at most kMaxPageMapRanges separate ranges (each range costs one tree
// node); a write that would split the map further is refused with ResourceExhausted before
// anything is recorded. A mark recorded after its bytes reach the blob, a clear likewise, so a
// crash can only leave a written page unlisted (a resumed upload sends it again), never a
// page listed that does not hold its bytes. Thread-safe.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "storage/page_blob.h"

namespace gallery::storage {

// The most separate written ranges one blob may have (4 MiB writes in order leave one).
inline constexpr size_t kMaxPageMapRanges = size_t{1} << 18;

class PageMap {
 public:
  // Opens the journal at `path`, creating it when missing; a new journal starts from `seed`
  // (the ranges of a blob written before it had a journal). Unavailable on I/O errors;
  // DataLoss when a record lies outside a blob of `size` bytes.
  static Result<std::unique_ptr<PageMap>> Open(const std::filesystem::path& path, uint64_t size,
                                               const std::vector<PageRange>& seed = {});
  // Deletes the journal at `path` (a missing one is fine).
  static Status Remove(const std::filesystem::path& path);

  ~PageMap();
  PageMap(const PageMap&) = delete;
  PageMap& operator=(const PageMap&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Records [offset, offset + length) as written. ResourceExhausted when the map would hold
  // more than kMaxPageMapRanges ranges; Unavailable when the journal cannot be appended.
  Status Mark(uint64_t offset, uint64_t length);
  // Records [offset, offset + length) as cleared. ResourceExhausted, Unavailable as Mark.
  Status Unmark(uint64_t offset, uint64_t length);
  // The written ranges inside [first, end), clipped to it, in order, merged.
  std::vector<PageRange> Ranges(uint64_t first, uint64_t end) const;

 private:
  PageMap(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  // Applies a record to the set; false when it would exceed kMaxPageMapRanges.
  bool Apply(uint64_t offset, uint64_t length, bool written);
  Status Record(uint64_t offset, uint64_t length, bool written);

  const std::filesystem::path path_;
  int fd_;
  mutable std::mutex mu_;
  // start -> end of each written range; disjoint and never adjacent.
  std::map<uint64_t, uint64_t> ranges_;
};

}  // namespace gallery::storage
