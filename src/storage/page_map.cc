#include "storage/page_map.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "common/file_util.h"
#include "common/little_endian.h"

namespace gallery::storage {

namespace {

constexpr size_t kRecordBytes = 16;
constexpr uint64_t kClearFlag = 1;
// A journal is rewritten when opened if it holds more records than this many per range.
constexpr size_t kRecordsPerRangeBeforeRewrite = 4;
constexpr size_t kRecordsAlwaysKept = 4096;

std::string EncodeRecord(uint64_t offset, uint64_t length, bool written) {
  std::string record;
  AppendLe<uint64_t>(record, offset | (written ? 0 : kClearFlag));
  AppendLe<uint64_t>(record, length);
  return record;
}

std::string ShownMapName(std::string_view name, const std::filesystem::path& path) {
  return name.empty() ? "page list '" + path.filename().string() + "'" : std::string(name);
}

// Unavailable whatever the OS error (a full disk included), as the journal's errors always were.
Status JournalError(std::string_view name, std::string_view what, const std::filesystem::path& path,
                    int err) {
  Status s = BlobIoError(name, what, path, err);
  return s.code() == StatusCode::kUnavailable ? s : Status::Unavailable(s.message());
}

}  // namespace

Result<std::unique_ptr<PageMap>> PageMap::Open(const std::filesystem::path& path, uint64_t size,
                                               const std::vector<PageRange>& seed,
                                               size_t max_ranges, std::string name) {
  name = ShownMapName(name, path);
  std::string journal;
  bool rewrite = false;
  if (Result<std::string> read = ReadFile(path, name); read.ok()) {
    journal = std::move(read).value();
  } else if (read.status().code() == StatusCode::kNotFound) {
    for (const PageRange& r : seed) {
      journal += EncodeRecord(r.offset, r.length, true);
    }
    rewrite = true;
  } else {
    return read.status();
  }
  std::unique_ptr<PageMap> map(
      new PageMap(path, std::move(name), -1, std::max<size_t>(max_ranges, 1)));
  const size_t records = journal.size() / kRecordBytes;
  for (size_t i = 0; i < records; ++i) {
    const uint64_t word = ReadLe<uint64_t>(journal, i * kRecordBytes);
    const uint64_t offset = word & ~kClearFlag;
    const uint64_t length = ReadLe<uint64_t>(journal, i * kRecordBytes + 8);
    if (!CheckPageRange(offset, length, size).ok()) {
      return Status::DataLoss(map->name_ + " is damaged: record " + std::to_string(i) + " [" +
                              std::to_string(offset) + ", +" + std::to_string(length) +
                              ") does not fit a blob of " + std::to_string(size) + " bytes");
    }
    // Recorded writes were accepted: they apply whatever the bound is now.
    map->Apply(offset, length, (word & kClearFlag) == 0);
  }
  // A torn last record is dropped (appending after it would misalign every later one), and a
  // journal much longer than its set is rewritten as the set.
  rewrite = rewrite || journal.size() % kRecordBytes != 0 ||
            records > kRecordsAlwaysKept + kRecordsPerRangeBeforeRewrite * map->ranges_.size();
  if (rewrite) {
    std::string compact;
    for (const auto& [start, end] : map->ranges_) {
      compact += EncodeRecord(start, end - start, true);
    }
    GALLERY_RETURN_IF_ERROR(WriteFileAtomic(path, compact, 0600, map->name_));
  }
  map->fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (map->fd_ < 0) {
    return JournalError(map->name_, "cannot open", path, errno);
  }
  return map;
}

Status PageMap::Remove(const std::filesystem::path& path, std::string_view name) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return JournalError(ShownMapName(name, path), "cannot remove", path, errno);
  }
  return Status::Ok();
}

PageMap::~PageMap() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::pair<PageMap::RangeSet::const_iterator, PageMap::RangeSet::const_iterator> PageMap::Affected(
    uint64_t offset, uint64_t end, bool written) const {
  // The first range touching [offset, end): for a mark, an adjacent one merges too.
  auto it = ranges_.upper_bound(offset);
  if (it != ranges_.begin() &&
      (written ? std::prev(it)->second >= offset : std::prev(it)->second > offset)) {
    --it;
  }
  auto last = it;
  while (last != ranges_.end() && (written ? last->first <= end : last->first < end)) {
    ++last;
  }
  return {it, last};
}

size_t PageMap::RangesAfter(uint64_t offset, uint64_t length, bool written) const {
  if (length == 0) {
    return ranges_.size();
  }
  const uint64_t end = offset + length;
  const auto [it, last] = Affected(offset, end, written);
  const size_t touched = static_cast<size_t>(std::distance(it, last));
  if (written) {
    return ranges_.size() - touched + 1;  // they become one
  }
  if (touched == 0) {
    return ranges_.size();
  }
  // What is left of the first and last ranges outside the clear.
  const size_t kept = (it->first < offset ? 1 : 0) + (std::prev(last)->second > end ? 1 : 0);
  return ranges_.size() - touched + kept;
}

Status PageMap::Check(uint64_t offset, uint64_t length, bool written) const {
  std::lock_guard lock(mu_);
  const size_t after = RangesAfter(offset, length, written);
  if (after <= max_ranges_ || after <= ranges_.size()) {
    return Status::Ok();
  }
  return Status::ResourceExhausted(
             std::string(written ? "Writing" : "Clearing") +
             " these pages would leave the blob's written pages in " + std::to_string(after) +
             " separate ranges; a blob may have at most " + std::to_string(max_ranges_) +
             " here, so nothing was changed. Write the blob in larger contiguous pieces, or "
             "write the pages between the ranges already written (zeros count as written) so "
             "that they join.")
      .WithReason(kTooManyPageRangesReason);
}

Status PageMap::CheckMark(uint64_t offset, uint64_t length) const {
  return Check(offset, length, true);
}

Status PageMap::CheckUnmark(uint64_t offset, uint64_t length) const {
  return Check(offset, length, false);
}

void PageMap::Apply(uint64_t offset, uint64_t length, bool written) {
  if (length == 0) {
    return;
  }
  const uint64_t end = offset + length;
  const auto [it, last] = Affected(offset, end, written);
  if (it == last) {
    if (written) {
      ranges_.emplace(offset, end);
    }
    return;
  }
  const uint64_t left = it->first;
  const uint64_t right = std::prev(last)->second;
  ranges_.erase(it, last);
  if (written) {
    ranges_.emplace(std::min(offset, left), std::max(end, right));
    return;
  }
  if (left < offset) {
    ranges_.emplace(left, offset);
  }
  if (right > end) {
    ranges_.emplace(end, right);
  }
}

Status PageMap::Record(uint64_t offset, uint64_t length, bool written) {
  std::lock_guard lock(mu_);
  Apply(offset, length, written);
  const std::string record = EncodeRecord(offset, length, written);
  size_t done = 0;
  while (done < record.size()) {
    const ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return JournalError(name_, "cannot append to", path_, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status PageMap::Mark(uint64_t offset, uint64_t length) { return Record(offset, length, true); }

Status PageMap::Unmark(uint64_t offset, uint64_t length) { return Record(offset, length, false); }

std::vector<PageRange> PageMap::Ranges(uint64_t first, uint64_t end) const {
  std::lock_guard lock(mu_);
  std::vector<PageRange> out;
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin() && std::prev(it)->second > first) {
    --it;
  }
  for (; it != ranges_.end() && it->first < end; ++it) {
    const uint64_t start = std::max(first, it->first);
    const uint64_t stop = std::min(end, it->second);
    out.push_back({start, stop - start});
  }
  return out;
}

}  // namespace gallery::storage
