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
// Memory is bounded: at most max_ranges() separate ranges (kMaxPageMapRanges unless opened
// with fewer; each range costs one tree node). A blob asks CheckMark / CheckUnmark before it
// changes any byte, and refuses a write or clear that would split the map further (each adds at
// most one range) with ResourceExhausted, reason kTooManyPageRangesReason: nothing is written.
// Mark and Unmark then record without refusing, so writes checked at the same time may leave
// up to one range each past the bound. A mark is recorded after its bytes reach the blob, a
// clear likewise, so a crash can only leave a written page unlisted (a resumed upload sends it
// again), never a page listed that does not hold its bytes. Thread-safe.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/page_blob.h"

namespace gallery::storage {

// The most separate written ranges one blob may have (4 MiB writes in order leave one).
inline constexpr size_t kMaxPageMapRanges = size_t{1} << 18;
// The reason of CheckMark's and CheckUnmark's refusals (the storage error code clients see).
inline constexpr char kTooManyPageRangesReason[] = "TooManyPageRanges";

class PageMap {
 public:
  // Opens the journal at `path`, creating it when missing; a new journal starts from `seed`
  // (the ranges of a blob written before it had a journal). `max_ranges` (at least 1) bounds
  // what CheckMark / CheckUnmark allow; a journal holding more is opened as it is. `name` is
  // how errors name the map (e.g. "the page list of the upload blob of disk 'd1'"; "page list
  // '{file name}'" when empty): never by its path, which goes to the server's log (BlobIoError).
  // Unavailable on I/O errors; DataLoss when a record lies outside a blob of `size` bytes.
  static Result<std::unique_ptr<PageMap>> Open(const std::filesystem::path& path, uint64_t size,
                                               const std::vector<PageRange>& seed = {},
                                               size_t max_ranges = kMaxPageMapRanges,
                                               std::string name = {});
  // Deletes the journal at `path` (a missing one is fine); errors name it `name` as Open's do.
  static Status Remove(const std::filesystem::path& path, std::string_view name = {});

  ~PageMap();
  PageMap(const PageMap&) = delete;
  PageMap& operator=(const PageMap&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::string& name() const { return name_; }
  size_t max_ranges() const { return max_ranges_; }

  // Ok when recording [offset, offset + length) as written (CheckMark) or cleared
  // (CheckUnmark) adds no range or leaves at most max_ranges(); else ResourceExhausted with
  // reason kTooManyPageRangesReason and a message for the blob's client (what the limit is,
  // that nothing was changed, how to write instead). Records nothing.
  Status CheckMark(uint64_t offset, uint64_t length) const;
  Status CheckUnmark(uint64_t offset, uint64_t length) const;
  // Records [offset, offset + length) as written, whatever the number of ranges (check first).
  // Unavailable when the journal cannot be appended.
  Status Mark(uint64_t offset, uint64_t length);
  // Records [offset, offset + length) as cleared, as Mark.
  Status Unmark(uint64_t offset, uint64_t length);
  // The written ranges inside [first, end), clipped to it, in order, merged.
  std::vector<PageRange> Ranges(uint64_t first, uint64_t end) const;

 private:
  using RangeSet = std::map<uint64_t, uint64_t>;

  PageMap(std::filesystem::path path, std::string name, int fd, size_t max_ranges)
      : path_(std::move(path)), name_(std::move(name)), fd_(fd), max_ranges_(max_ranges) {}
  // The ranges a record of [offset, end) changes: those it overlaps, and for a mark (`written`)
  // those it touches too. The caller holds mu_ (or is Open).
  std::pair<RangeSet::const_iterator, RangeSet::const_iterator> Affected(uint64_t offset,
                                                                         uint64_t end,
                                                                         bool written) const;
  // How many ranges the set would hold after the record.
  size_t RangesAfter(uint64_t offset, uint64_t length, bool written) const;
  Status Check(uint64_t offset, uint64_t length, bool written) const;
  // Applies a record to the set.
  void Apply(uint64_t offset, uint64_t length, bool written);
  Status Record(uint64_t offset, uint64_t length, bool written);

  const std::filesystem::path path_;
  const std::string name_;
  int fd_;
  const size_t max_ranges_;
  mutable std::mutex mu_;
  // start -> end of each written range; disjoint and never adjacent.
  RangeSet ranges_;
};

}  // namespace gallery::storage
