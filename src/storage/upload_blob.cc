#include "storage/upload_blob.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "storage/chunk_digest.h"
#include "storage/ingest.h"
#include "storage/page_map.h"
#include "storage/vhd_format.h"

namespace gallery::storage {

namespace fs = std::filesystem;

namespace {

constexpr size_t kSlotBytes = 32;
constexpr char kSlotsMagic[8] = {'G', 'S', 'L', 'O', 'T', 'S', '0', '1'};
// The chunk bytes one pool task of a page write hashes: about 0.1 ms of work, well above what
// waking a helper thread costs (a wake and a sleep, two context switches). With a task per
// 32 KiB chunk, the ingest benchmark's dynamic VHD (writes of about 300 KiB) spent an eighth of
// galleryd's CPU in futex calls of the pool; with this, a hundredth.
constexpr uint64_t kHashTaskBytes = 256 << 10;
// Pieces past the whole chunks (the footer, a tail shorter than a chunk) have no chunk index.
constexpr uint64_t kNoChunk = std::numeric_limits<uint64_t>::max();

fs::path BlobPath(const fs::path& dir, const std::string& name) { return dir / (name + ".blob"); }
fs::path SlotsPath(const fs::path& dir, const std::string& name) {
  return dir / (name + ".slots");
}
fs::path PagesPath(const fs::path& dir, const std::string& name) { return dir / (name + ".pages"); }

// How errors name the upload, and each of its files.
std::string ShownUpload(const std::string& shown, const std::string& name) {
  return shown.empty() ? "upload '" + name + "'" : shown;
}
std::string BlobName(const std::string& upload) { return "the upload blob of " + upload; }
std::string SlotsName(const std::string& upload) {
  return "the chunk map of the upload of " + upload;
}
std::string PagesName(const std::string& upload) {
  return "the page list of the upload of " + upload;
}

std::array<uint8_t, kSlotBytes> SlotsHeader(uint32_t chunk_size) {
  std::array<uint8_t, kSlotBytes> header{};
  std::memcpy(header.data(), kSlotsMagic, sizeof kSlotsMagic);
  for (int i = 0; i < 4; ++i) {
    header[8 + i] = static_cast<uint8_t>(chunk_size >> (8 * i));
  }
  return header;
}

// The chunk size a slots header records; 0 when the header was never written (a crash right
// after the file was made); nullopt when it is not a slots header.
std::optional<uint32_t> ParseSlotsHeader(const std::array<uint8_t, kSlotBytes>& header) {
  if (std::all_of(header.begin(), header.end(), [](uint8_t b) { return b == 0; })) {
    return 0u;
  }
  if (std::memcmp(header.data(), kSlotsMagic, sizeof kSlotsMagic) != 0) {
    return std::nullopt;
  }
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) {
    size |= static_cast<uint32_t>(header[8 + i]) << (8 * i);
  }
  return size;
}

// The whole chunks of the data part: the last 512 bytes (a VHD footer) are never a chunk.
uint64_t WholeChunks(uint64_t blob_size, uint32_t chunk_size) {
  return blob_size > kVhdFooterSize ? (blob_size - kVhdFooterSize) / chunk_size : 0;
}

bool IsZeroSlot(std::span<const uint8_t> slot) {
  return std::all_of(slot.begin(), slot.end(), [](uint8_t b) { return b == 0; });
}

// Calls fn(chunk index, digest) for every set slot of `slots`, reading only its data.
template <typename Fn>
Status ForEachSetSlot(const StagingBlob& slots, Fn fn) {
  GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> ranges, slots.PageRanges());
  std::vector<uint8_t> block;
  for (const PageRange& r : ranges) {
    // Whole slots only; slot 0 is the header.
    uint64_t first = std::max<uint64_t>(1, r.offset / kSlotBytes);
    const uint64_t end = (r.offset + r.length + kSlotBytes - 1) / kSlotBytes;
    while (first < end) {
      const uint64_t n = std::min<uint64_t>(end - first, 2048);
      block.resize(n * kSlotBytes);
      GALLERY_RETURN_IF_ERROR(slots.ReadPages(first * kSlotBytes, block));
      for (uint64_t i = 0; i < n; ++i) {
        std::span<const uint8_t> slot(block.data() + i * kSlotBytes, kSlotBytes);
        if (!IsZeroSlot(slot)) {
          ChunkDigest digest;
          std::copy(slot.begin(), slot.end(), digest.begin());
          GALLERY_RETURN_IF_ERROR(fn(first + i - 1, digest));
        }
      }
      first += n;
    }
  }
  return Status::Ok();
}

}  // namespace

// The upload as the image reader sees it.
class UploadBlob::Source_ final : public ImageSource {
 public:
  explicit Source_(const UploadBlob& upload) : upload_(upload) {}

  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    Status s = upload_.ReadPages(offset, out);
    if (s.code() == StatusCode::kInvalidArgument) {
      return Status::Unavailable(s.message());
    }
    return s;
  }

  bool IsHole(uint64_t offset, uint64_t length) const override {
    bool hole = true;
    Status s = upload_.ForEachPiece(
        offset, length, [&](uint64_t index, uint64_t at, uint64_t n, uint64_t) -> Status {
          if (index != kNoChunk) {
            Result<std::optional<ChunkDigest>> slot = upload_.SlotOf(index);
            if (!slot.ok() || slot->has_value()) {
              hole = false;
            }
          }
          hole = hole && upload_.blob_->IsHole(at, n);
          return Status::Ok();
        });
    return s.ok() && hole;
  }

  std::optional<ChunkDigest> KnownDigest(uint64_t offset, uint64_t length) const override {
    const uint64_t index = offset / upload_.chunk_size_;
    if (length != upload_.chunk_size_ || offset % upload_.chunk_size_ != 0 ||
        index >= upload_.chunk_count_) {
      return std::nullopt;
    }
    std::lock_guard lock(upload_.Lock(index));
    Result<std::optional<ChunkDigest>> slot = upload_.SlotOf(index);
    return slot.ok() ? *slot : std::nullopt;
  }

 private:
  const UploadBlob& upload_;
};

Result<std::unique_ptr<UploadBlob>> UploadBlob::Open(const fs::path& dir, const std::string& name,
                                                     uint64_t size, ChunkStore& store,
                                                     uint32_t chunk_size, TaskPool* pool,
                                                     size_t max_page_ranges,
                                                     const std::string& shown) {
  GALLERY_RETURN_IF_ERROR(CheckChunkSize(chunk_size));
  const std::string upload_name = ShownUpload(shown, name);
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<StagingBlob> blob,
                           StagingBlob::Create(BlobPath(dir, name), size, BlobName(upload_name)));
  // An existing upload keeps its chunk size (its slots were made for it).
  std::unique_ptr<StagingBlob> slots;
  if (Result<std::unique_ptr<StagingBlob>> old =
          StagingBlob::Open(SlotsPath(dir, name), SlotsName(upload_name));
      old.ok()) {
    std::array<uint8_t, kSlotBytes> header{};
    if ((*old)->size() >= kSlotBytes) {
      GALLERY_RETURN_IF_ERROR((*old)->ReadPages(0, header));
    }
    std::optional<uint32_t> recorded = ParseSlotsHeader(header);
    if (!recorded.has_value() || (*recorded != 0 && !CheckChunkSize(*recorded).ok())) {
      return Status::DataLoss(SlotsName(upload_name) + " is damaged");
    }
    if (*recorded != 0) {
      chunk_size = *recorded;
    }
    slots = std::move(old).value();
  } else if (old.status().code() != StatusCode::kNotFound) {
    return old.status();
  }
  if (slots == nullptr) {
    GALLERY_ASSIGN_OR_RETURN(
        slots,
        StagingBlob::Create(SlotsPath(dir, name), (WholeChunks(size, chunk_size) + 1) * kSlotBytes,
                            SlotsName(upload_name)));
  }
  if (slots->size() != (WholeChunks(size, chunk_size) + 1) * kSlotBytes) {
    return Status::DataLoss(
        SlotsName(upload_name) + " has " + std::to_string(slots->size()) + " bytes, not the " +
        std::to_string((WholeChunks(size, chunk_size) + 1) * kSlotBytes) + " of its blob");
  }
  GALLERY_RETURN_IF_ERROR(slots->WritePages(0, SlotsHeader(chunk_size)));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<StagedBatch> batch, store.OpenStagedBatch(name));
  std::unique_ptr<UploadBlob> upload(new UploadBlob(name, upload_name, store, chunk_size,
                                                    std::move(blob), std::move(slots),
                                                    std::move(batch), pool));
  // An upload begun before page maps existed starts from what its files hold.
  GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> stored, upload->StoredRanges());
  GALLERY_ASSIGN_OR_RETURN(upload->pages_, PageMap::Open(PagesPath(dir, name), size, stored,
                                                         max_page_ranges, PagesName(upload_name)));
  GALLERY_RETURN_IF_ERROR(upload->DropLostSlots());
  return upload;
}

Status UploadBlob::RemoveLeftovers(const fs::path& dir, const std::string& name, ChunkStore& store,
                                   const std::string& shown) {
  const std::string upload_name = ShownUpload(shown, name);
  const std::pair<fs::path, std::string> files[] = {{BlobPath(dir, name), BlobName(upload_name)},
                                                    {SlotsPath(dir, name), SlotsName(upload_name)},
                                                    {PagesPath(dir, name), PagesName(upload_name)}};
  for (const auto& [path, file] : files) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return BlobIoError(file, "cannot remove", path, errno);
    }
  }
  return store.DiscardStagedBatch(name);
}

UploadBlob::UploadBlob(std::string name, std::string shown, ChunkStore& store, uint32_t chunk_size,
                       std::unique_ptr<StagingBlob> blob, std::unique_ptr<StagingBlob> slots,
                       std::unique_ptr<StagedBatch> batch, TaskPool* pool)
    : name_(std::move(name)),
      shown_(std::move(shown)),
      store_(store),
      chunk_size_(chunk_size),
      chunk_count_(WholeChunks(blob->size(), chunk_size)),
      blob_(std::move(blob)),
      slots_(std::move(slots)),
      batch_(std::move(batch)),
      pool_(pool) {}

Result<std::optional<ChunkDigest>> UploadBlob::SlotOf(uint64_t index) const {
  Slot slot{};
  GALLERY_RETURN_IF_ERROR(slots_->ReadPages((index + 1) * kSlotBytes, slot));
  if (IsZeroSlot(slot)) {
    return std::optional<ChunkDigest>();
  }
  ChunkDigest digest;
  std::copy(slot.begin(), slot.end(), digest.begin());
  return std::optional<ChunkDigest>(digest);
}

Status UploadBlob::SetSlot(uint64_t index, const std::optional<ChunkDigest>& digest) {
  Slot slot{};
  if (digest.has_value()) {
    std::copy(digest->begin(), digest->end(), slot.begin());
  }
  return slots_->WritePages((index + 1) * kSlotBytes, slot);
}

template <typename Fn>
Status UploadBlob::ForEachPiece(uint64_t offset, uint64_t length, Fn apply) const {
  const uint64_t end = offset + length;
  uint64_t at = offset;
  while (at < end) {
    uint64_t index = at / chunk_size_;
    uint64_t piece_end = end;
    if (index < chunk_count_) {
      piece_end = std::min(end, ChunkStart(index + 1));
    } else {
      index = kNoChunk;
    }
    GALLERY_RETURN_IF_ERROR(apply(index, at, piece_end - at, at - offset));
    at = piece_end;
  }
  return Status::Ok();
}

Status UploadBlob::WritePages(uint64_t offset, std::span<const uint8_t> bytes) {
  GALLERY_RETURN_IF_ERROR(CheckPageRange(offset, bytes.size(), size()));
  GALLERY_RETURN_IF_ERROR(pages_->CheckMark(offset, bytes.size()));  // before any byte changes
  // Whole chunks are independent of each other and of the edges: they go last, together.
  std::vector<std::pair<uint64_t, std::span<const uint8_t>>> whole;
  GALLERY_RETURN_IF_ERROR(
      ForEachPiece(offset, bytes.size(),
                   [&](uint64_t index, uint64_t at, uint64_t n, uint64_t pos) -> Status {
                     std::span<const uint8_t> piece = bytes.subspan(pos, n);
                     if (index == kNoChunk) {
                       return blob_->WritePages(at, piece);
                     }
                     if (n == chunk_size_) {
                       whole.emplace_back(index, piece);
                       return Status::Ok();
                     }
                     std::lock_guard lock(Lock(index));
                     GALLERY_RETURN_IF_ERROR(Unstore(index));
                     return blob_->WritePages(at, piece);
                   }));
  // Hashed in parallel, staged together (one write into a pack store), then each slot set.
  // A pool task hashes kHashTaskBytes of chunks: a write of a few small chunks wakes one helper
  // or none rather than one per chunk.
  std::vector<std::optional<ChunkDigest>> digests(whole.size());
  const size_t per_task = std::max<size_t>(1, kHashTaskBytes / chunk_size_);
  auto hash = [&](size_t task) {
    const size_t end = std::min(whole.size(), (task + 1) * per_task);
    for (size_t i = task * per_task; i < end; ++i) {
      if (!IsAllZero(whole[i].second)) {
        digests[i] = DigestOf(whole[i].second);
      }
    }
  };
  const size_t tasks = (whole.size() + per_task - 1) / per_task;
  if (pool_ != nullptr) {
    pool_->ParallelFor(tasks, hash);
  } else {
    for (size_t task = 0; task < tasks; ++task) {
      hash(task);
    }
  }
  std::vector<ChunkToAdd> staging;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (digests[i].has_value()) {
      staging.push_back({*digests[i], whole[i].second});
    }
  }
  GALLERY_RETURN_IF_ERROR(batch_->AddAll(staging));
  for (size_t i = 0; i < whole.size(); ++i) {
    GALLERY_RETURN_IF_ERROR(SetChunk(whole[i].first, digests[i]));
  }
  return pages_->Mark(offset, bytes.size());
}

Status UploadBlob::SetChunk(uint64_t index, const std::optional<ChunkDigest>& digest) {
  // A staged chunk is immutable: the slot write is the moment the write takes effect.
  std::lock_guard lock(Lock(index));
  if (digest.has_value()) {
    return SetSlot(index, digest);
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<ChunkDigest> slot, SlotOf(index));
  if (slot.has_value()) {
    GALLERY_RETURN_IF_ERROR(SetSlot(index, std::nullopt));
  }
  return blob_->ClearPages(ChunkStart(index), chunk_size_);
}

Status UploadBlob::Unstore(uint64_t index) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<ChunkDigest> slot, SlotOf(index));
  if (!slot.has_value()) {
    return Status::Ok();
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadChunk(*slot));
  GALLERY_RETURN_IF_ERROR(blob_->WritePages(ChunkStart(index), bytes));
  return SetSlot(index, std::nullopt);
}

Status UploadBlob::ClearPages(uint64_t offset, uint64_t length) {
  GALLERY_RETURN_IF_ERROR(CheckPageRange(offset, length, size()));
  GALLERY_RETURN_IF_ERROR(pages_->CheckUnmark(offset, length));  // before any byte changes
  GALLERY_RETURN_IF_ERROR(
      ForEachPiece(offset, length, [&](uint64_t index, uint64_t at, uint64_t n, uint64_t) {
        if (index == kNoChunk) {
          return blob_->ClearPages(at, n);
        }
        std::lock_guard lock(Lock(index));
        if (n == chunk_size_) {
          GALLERY_RETURN_IF_ERROR(SetSlot(index, std::nullopt));
        } else {
          GALLERY_RETURN_IF_ERROR(Unstore(index));
        }
        return blob_->ClearPages(at, n);
      }));
  return pages_->Unmark(offset, length);
}

Status UploadBlob::ReadPages(uint64_t offset, std::span<uint8_t> out) const {
  GALLERY_RETURN_IF_ERROR(CheckPageRange(offset, out.size(), size()));
  return ForEachPiece(
      offset, out.size(), [&](uint64_t index, uint64_t at, uint64_t n, uint64_t pos) -> Status {
        std::span<uint8_t> piece = out.subspan(pos, n);
        if (index == kNoChunk) {
          return blob_->ReadPages(at, piece);
        }
        std::lock_guard lock(Lock(index));
        GALLERY_ASSIGN_OR_RETURN(std::optional<ChunkDigest> slot, SlotOf(index));
        if (!slot.has_value()) {
          return blob_->ReadPages(at, piece);
        }
        GALLERY_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadChunk(*slot));
        std::copy_n(bytes.begin() + static_cast<ptrdiff_t>(at - ChunkStart(index)), n,
                    piece.begin());
        return Status::Ok();
      });
}

Result<std::vector<PageRange>> UploadBlob::PageRanges() const { return pages_->Ranges(0, size()); }

Result<std::vector<PageRange>> UploadBlob::StoredRanges() const {
  GALLERY_ASSIGN_OR_RETURN(std::vector<PageRange> ranges, blob_->PageRanges());
  GALLERY_RETURN_IF_ERROR(ForEachSetSlot(*slots_, [&](uint64_t index, const ChunkDigest&) {
    ranges.push_back({ChunkStart(index), chunk_size_});
    return Status::Ok();
  }));
  std::sort(ranges.begin(), ranges.end(),
            [](const PageRange& a, const PageRange& b) { return a.offset < b.offset; });
  std::vector<PageRange> merged;
  for (const PageRange& r : ranges) {
    if (!merged.empty() && merged.back().offset + merged.back().length >= r.offset) {
      const uint64_t end = std::max(merged.back().offset + merged.back().length,
                                    r.offset + r.length);
      merged.back().length = end - merged.back().offset;
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

std::unique_ptr<ImageSource> UploadBlob::Source() const {
  return std::make_unique<Source_>(*this);
}

Status UploadBlob::CommitChunks() { return batch_->Commit(); }

Result<std::vector<uint8_t>> UploadBlob::ReadChunk(const ChunkDigest& digest) const {
  Result<std::vector<uint8_t>> staged = batch_->Read(digest);
  if (staged.status().code() != StatusCode::kNotFound) {
    return staged;
  }
  // Committed before a restart (a seal that did not finish): the store has it.
  Result<std::vector<uint8_t>> stored = store_.Read(digest);
  if (stored.status().code() == StatusCode::kNotFound) {
    return Status::DataLoss("chunk " + ToHex(digest) + " of the upload of " + shown_ +
                            " is neither staged nor stored");
  }
  return stored;
}

Status UploadBlob::DropLostSlots() {
  std::vector<uint64_t> lost;
  GALLERY_RETURN_IF_ERROR(
      ForEachSetSlot(*slots_, [&](uint64_t index, const ChunkDigest& digest) {
        if (index >= chunk_count_) {
          return Status::DataLoss(SlotsName(shown_) + " names chunk " + std::to_string(index) +
                                  " past the end of its blob");
        }
        if (batch_->Holds(digest)) {
          return Status::Ok();
        }
        // A seal committed it before a restart: it is in the store (and kept there now).
        GALLERY_ASSIGN_OR_RETURN(bool stored, store_.Contains(digest));
        if (!stored) {
          lost.push_back(index);
        }
        return Status::Ok();
      }));
  for (uint64_t index : lost) {
    GALLERY_RETURN_IF_ERROR(SetSlot(index, std::nullopt));
    GALLERY_RETURN_IF_ERROR(pages_->Unmark(ChunkStart(index), chunk_size_));
  }
  lost_chunks_ = lost.size();
  return Status::Ok();
}

Status UploadBlob::Remove() {
  GALLERY_RETURN_IF_ERROR(blob_->Remove());
  GALLERY_RETURN_IF_ERROR(slots_->Remove());
  GALLERY_RETURN_IF_ERROR(PageMap::Remove(pages_->path(), pages_->name()));
  return store_.DiscardStagedBatch(name_);
}

}  // namespace gallery::storage
