#include "storage/pack_chunk_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <utility>

#include "common/file_util.h"
#include "common/little_endian.h"
#include "common/log.h"

namespace gallery::storage {

namespace fs = std::filesystem;

namespace {

// Log entry: digest (32), kind, form (the encoding), holes (u16: the left-out zero segments of a
// sparse record, else 0), pack id (u32), offset (u64), stored length (u32), content length (u32),
// time in ms (i64), 12 reserved, and the first 4 bytes of the SHA-256 of the 76 bytes before
// them. Little-endian.
constexpr size_t kEntryBytes = 80;
constexpr size_t kCheckedBytes = 76;
enum class Kind : uint8_t {
  kCommitted = 'C',  // pack log: the chunk is stored here
  kRemoved = 'X',    // pack log: the chunk stored here at `offset` is removed
  kStaged = 'S',     // staged log: the batch wrote the chunk here, not yet committed
  kHeld = 'H',       // staged log: the batch holds the stored chunk
};
enum class Form : uint8_t { kRaw = 0, kZstd = 1, kSparse = 2 };
constexpr uint32_t kMaxSegments = 16;  // bits of Encoding::holes

// The segment size of a sparse record of `content` bytes: a multiple of 4 KiB, so that each
// left-out segment saves whole blocks of the pack; at most kMaxSegments segments.
uint32_t SegmentBytes(uint32_t content) {
  const uint32_t per = (content + kMaxSegments - 1) / kMaxSegments;
  return static_cast<uint32_t>(
      std::max<uint64_t>(kDirectAlign, (per + kDirectAlign - 1) / kDirectAlign * kDirectAlign));
}

uint32_t SegmentCount(uint32_t content) {
  return (content + SegmentBytes(content) - 1) / SegmentBytes(content);
}

// Calls visit(i, offset, length) for each segment of `content` bytes in order (the last may be
// shorter), while it returns true.
template <typename Visit>
void ForEachSegment(uint32_t content, Visit visit) {
  const uint32_t segment = SegmentBytes(content);
  uint32_t i = 0;
  for (uint32_t at = 0; at < content; at += segment, ++i) {
    if (!visit(i, at, std::min(segment, content - at))) {
      return;
    }
  }
}

using Encoding = PackChunkStore::Encoding;

struct LogEntry {
  ChunkDigest digest{};
  Kind kind = Kind::kCommitted;
  Encoding encoding;
  uint32_t pack = 0;
  uint64_t offset = 0;
  uint32_t stored = 0;
  uint32_t content = 0;
  int64_t time_ms = 0;
};

// Appends the entry's kEntryBytes to `out`.
void Encode(const LogEntry& e, std::string& out) {
  const size_t start = out.size();
  out.append(reinterpret_cast<const char*>(e.digest.data()), e.digest.size());
  out.push_back(static_cast<char>(e.kind));
  out.push_back(static_cast<char>(e.encoding.form));
  AppendLe<uint16_t>(out, e.encoding.holes);
  AppendLe(out, e.pack);
  AppendLe(out, e.offset);
  AppendLe(out, e.stored);
  AppendLe(out, e.content);
  AppendLe(out, e.time_ms);
  out.append(kCheckedBytes - (out.size() - start), '\0');
  const ChunkDigest check =
      DigestOf({reinterpret_cast<const uint8_t*>(out.data()) + start, kCheckedBytes});
  out.append(reinterpret_cast<const char*>(check.data()), kEntryBytes - kCheckedBytes);
}

// nullopt when the entry's checksum fails (a torn write); an error when the checksum holds but
// the fields are none this version writes (a log of a newer version, which must not be cut).
Result<std::optional<LogEntry>> Decode(std::string_view in) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(in.data());
  const ChunkDigest check = DigestOf({bytes, kCheckedBytes});
  if (std::memcmp(check.data(), bytes + kCheckedBytes, kEntryBytes - kCheckedBytes) != 0) {
    return std::optional<LogEntry>();
  }
  LogEntry e;
  std::memcpy(e.digest.data(), bytes, 32);
  e.kind = static_cast<Kind>(bytes[32]);
  e.encoding.form = bytes[33];
  e.encoding.holes = ReadLe<uint16_t>(in, 34);
  e.pack = ReadLe<uint32_t>(in, 36);
  e.offset = ReadLe<uint64_t>(in, 40);
  e.stored = ReadLe<uint32_t>(in, 48);
  e.content = ReadLe<uint32_t>(in, 52);
  e.time_ms = ReadLe<int64_t>(in, 56);
  const bool kind_ok = e.kind == Kind::kCommitted || e.kind == Kind::kRemoved ||
                       e.kind == Kind::kStaged || e.kind == Kind::kHeld;
  bool encoding_ok = e.encoding.form <= static_cast<uint8_t>(Form::kSparse);
  if (e.encoding.form == static_cast<uint8_t>(Form::kSparse)) {
    // Some segment left out, none beyond the content's last, and less stored than the content.
    const uint32_t segments = SegmentCount(e.content);
    encoding_ok =
        e.encoding.holes != 0 && (e.encoding.holes >> segments) == 0 && e.stored < e.content;
  } else if (e.encoding.holes != 0) {
    encoding_ok = false;
  }
  if (!kind_ok || !encoding_ok || e.content > kMaxChunkBytes || e.offset % kDirectAlign != 0) {
    return Status::FailedPrecondition("an entry this version of galleryd does not know");
  }
  return std::optional<LogEntry>(e);
}

uint64_t Padded(uint64_t n) { return (n + kDirectAlign - 1) / kDirectAlign * kDirectAlign; }

std::string PackName(uint32_t id, std::string_view ext) {
  char name[32];
  std::snprintf(name, sizeof name, "%08u.%s", id, std::string(ext).c_str());
  return name;
}

// The id of a pack file name "NNNNNNNN.pack" or ".idx" with that extension; nullopt otherwise.
std::optional<uint32_t> PackId(std::string_view name, std::string_view ext) {
  if (name.size() != 9 + ext.size() || name.substr(9) != ext || name[8] != '.') {
    return std::nullopt;
  }
  uint32_t id = 0;
  for (char c : name.substr(0, 8)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    id = id * 10 + static_cast<uint32_t>(c - '0');
  }
  return id;
}

// The whole entries of the log at `fd`, up to the first torn or damaged one. With `cut`, the
// log is cut there (a write a crash interrupted), so that entries appended later are read.
Result<std::vector<LogEntry>> ReadLog(std::string_view store, int fd, const fs::path& path,
                                      bool cut) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return StoreIoError(store, "cannot stat a log", path, errno);
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  const ssize_t n = PreadFull(fd, {reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()}, 0);
  if (n < 0) {
    return StoreIoError(store, "cannot read a log", path, errno);
  }
  std::vector<LogEntry> entries;
  size_t at = 0;
  while (at + kEntryBytes <= static_cast<size_t>(n)) {
    Result<std::optional<LogEntry>> e = Decode(std::string_view(bytes).substr(at, kEntryBytes));
    if (!e.ok()) {
      GLOG_ERROR("chunk store '{}': log '{}' has {} at {}", store, path.string(),
                 e.status().message(), at);
      return Status::FailedPrecondition(
          "chunk store '" + std::string(store) +
          "' holds a log entry this version of galleryd does not know (written by a newer "
          "version?); the store is left as it is");
    }
    if (!e->has_value()) {
      break;
    }
    entries.push_back(**e);
    at += kEntryBytes;
  }
  if (cut && at != bytes.size()) {
    GLOG_WARN("chunk store '{}': log '{}' ends in a torn entry; cut at {} bytes", store,
              path.string(), at);
    if (::ftruncate(fd, static_cast<off_t>(at)) != 0) {
      return StoreIoError(store, "cannot cut a torn log", path, errno);
    }
  }
  return entries;
}

// The copies a pack's log leaves live: a removal entry names a copy in this pack, and comes
// after that copy's commit entry in this same log.
std::map<std::pair<ChunkDigest, uint64_t>, LogEntry> LiveCopies(
    const std::vector<LogEntry>& entries) {
  std::map<std::pair<ChunkDigest, uint64_t>, LogEntry> copies;
  for (const LogEntry& e : entries) {
    if (e.kind == Kind::kCommitted) {
      copies[{e.digest, e.offset}] = e;
    } else if (e.kind == Kind::kRemoved) {
      copies.erase({e.digest, e.offset});
    }
  }
  return copies;
}

struct DigestHash {
  size_t operator()(const ChunkDigest& d) const {
    size_t h;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

constexpr size_t kShards = 64;

}  // namespace

struct PackChunkStore::Pack {
  uint32_t id = 0;
  fs::path data_path;
  fs::path log_path;
  Fd data{-1};    // reads, and writes when direct I/O is off
  Fd direct{-1};  // O_DIRECT writes (-1 when the file system refuses them)
  Fd log{-1};     // O_APPEND
  std::mutex log_mu;
  std::atomic<uint64_t> end{0};    // bytes handed out (padded records)
  std::atomic<uint64_t> live{0};   // padded bytes of indexed chunks stored here
  std::atomic<int64_t> staged{0};  // records of staged batches not yet discarded
  std::atomic<int64_t> unpublished{0};  // chunks written here, not yet committed or given up
  // ContainsWhole's last look at the file: its size then (0: deleted, or not looked at), and
  // when (steady clock, ns). A look serves the records it covers for kLookValidNs.
  std::atomic<uint64_t> looked_size{0};
  std::atomic<int64_t> looked_at{0};
};

struct PackChunkStore::Entry {
  uint32_t pack = 0;
  uint32_t stored = 0;
  uint64_t offset = 0;
  uint32_t content = 0;
  Encoding encoding;
  uint32_t holds = 0;  // staged batches holding the chunk: never removed while > 0
  TimestampMs last_used = 0;
};

struct PackChunkStore::Shard {
  std::mutex mu;
  std::unordered_map<ChunkDigest, Entry, DigestHash> map;
};

struct PackChunkStore::StagedState {
  std::string name;
  fs::path log_path;
  std::mutex mu;
  Fd log{-1};
  std::map<ChunkDigest, Written> records;  // written by the batch into packs
  std::set<ChunkDigest> holds;             // stored chunks it holds
  std::set<ChunkDigest> committed;         // records published since this process opened it
  std::set<ChunkDigest> adding;            // Adds in progress
  bool open = false;
  bool verified = false;  // checked since Open
};

namespace {

// Appends entries to a log and optionally flushes it; the caller holds the log's mutex.
Status AppendEntries(std::string_view store, int fd, const fs::path& path,
                     const std::vector<LogEntry>& entries, bool flush) {
  std::string bytes;
  bytes.reserve(entries.size() * kEntryBytes);
  for (const LogEntry& e : entries) {
    Encode(e, bytes);
  }
  if (int err =
          WriteFull(fd, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, kAppend);
      err != 0) {
    return StoreIoError(store, "cannot append to a log", path, err);
  }
  if (flush && ::fdatasync(fd) != 0) {
    return StoreIoError(store, "cannot flush a log", path, errno);
  }
  return Status::Ok();
}

}  // namespace

// ---- opening ----

bool PackChunkStore::IsPackStore(const fs::path& root) {
  std::error_code ec;
  return fs::is_directory(root / "packs", ec);
}

Result<std::unique_ptr<PackChunkStore>> PackChunkStore::Open(const fs::path& root,
                                                             ChunkStoreOptions options,
                                                             PackChunkStoreLimits limits) {
  auto has_chunks = [&] {
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(root / "packs", ec)) {
      if (PackId(f.path().filename().string(), "idx").has_value()) {
        return true;
      }
    }
    return false;
  };
  GALLERY_ASSIGN_OR_RETURN(StoreFolder folder, OpenStoreFolder(root, options, has_chunks));
  std::unique_ptr<PackChunkStore> store(
      new PackChunkStore(root, std::move(options), limits, std::move(folder)));
  GALLERY_RETURN_IF_ERROR(store->Load());
  GALLERY_RETURN_IF_ERROR(store->folder_.WriteMarkerIfNew());
  return store;
}

PackChunkStore::PackChunkStore(fs::path root, ChunkStoreOptions options,
                               PackChunkStoreLimits limits, StoreFolder folder)
    : root_(std::move(root)),
      options_(std::move(options)),
      limits_(limits),
      folder_(std::move(folder)),
      clock_(options_.clock),
      direct_io_(options_.direct_io) {
  if (clock_ == nullptr) {
    own_clock_ = std::make_unique<SystemClock>();
    clock_ = own_clock_.get();
  }
  for (size_t i = 0; i < kShards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

PackChunkStore::~PackChunkStore() = default;

TimestampMs PackChunkStore::Now() const { return clock_->Now(); }

PackChunkStore::Shard& PackChunkStore::ShardOf(const ChunkDigest& digest) {
  return *shards_[digest[1] % kShards];
}

bool PackChunkStore::IsOpen(const Pack* pack) const {
  return std::any_of(open_.begin(), open_.end(),
                     [&](const std::shared_ptr<Pack>& open) { return open.get() == pack; });
}

std::shared_ptr<PackChunkStore::Pack> PackChunkStore::PackById(uint32_t id) {
  std::lock_guard lock(packs_mu_);
  auto it = packs_.find(id);
  return it == packs_.end() ? nullptr : it->second;
}

Status PackChunkStore::Load() {
  const std::string& shown = folder_.shown();
  const fs::path packs_dir = root_ / "packs";
  const fs::path staged_dir = root_ / "staged";
  GALLERY_ASSIGN_OR_RETURN(bool made_packs, MakeDir(shown, packs_dir));
  GALLERY_ASSIGN_OR_RETURN(bool made_staged, MakeDir(shown, staged_dir));
  if (made_packs || made_staged) {
    GALLERY_RETURN_IF_ERROR(FsyncDir(shown, root_));
  }
  std::set<uint32_t> data_ids, log_ids;
  std::vector<fs::path> leftovers;
  GALLERY_RETURN_IF_ERROR(ForEachEntry(shown, packs_dir, [&](const char* name) {
    if (auto id = PackId(name, "pack")) {
      data_ids.insert(*id);
    } else if (auto lid = PackId(name, "idx")) {
      log_ids.insert(*lid);
    }
  }));
  for (uint32_t id : data_ids) {
    if (!log_ids.contains(id)) {  // a compaction deleted its log, then stopped
      leftovers.push_back(packs_dir / PackName(id, "pack"));
    }
  }
  const TimestampMs now = Now();
  for (uint32_t id : log_ids) {
    next_pack_id_ = std::max(next_pack_id_, id + 1);
    auto pack = std::make_shared<Pack>();
    pack->id = id;
    pack->data_path = packs_dir / PackName(id, "pack");
    pack->log_path = packs_dir / PackName(id, "idx");
    pack->log = Fd(::open(pack->log_path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    if (pack->log.get() < 0) {
      return StoreIoError(shown, "cannot open a log", pack->log_path, errno);
    }
    GALLERY_ASSIGN_OR_RETURN(std::vector<LogEntry> entries,
                             ReadLog(shown, pack->log.get(), pack->log_path, /*cut=*/true));
    struct stat st {};
    pack->data = Fd(::open(pack->data_path.c_str(), O_RDWR | O_CLOEXEC));
    if (pack->data.get() < 0) {
      if (errno != ENOENT) {
        return StoreIoError(shown, "cannot open a pack", pack->data_path, errno);
      }
      GLOG_WARN("chunk store '{}': pack '{}' is missing; its {} chunks are lost", shown,
                pack->data_path.string(), entries.size());
      leftovers.push_back(pack->log_path);
      continue;
    }
    if (::fstat(pack->data.get(), &st) != 0) {
      return StoreIoError(shown, "cannot stat a pack", pack->data_path, errno);
    }
    pack->end = Padded(static_cast<uint64_t>(st.st_size));
    packs_[id] = pack;
    const std::map<std::pair<ChunkDigest, uint64_t>, LogEntry> copies = LiveCopies(entries);
    // A later pack's log is no later commit (a batch commits into the pack it wrote to, which
    // may be older than one another batch committed the chunk into since): when two packs leave
    // a copy live (a removal lost in a crash), the later commit is the chunk.
    for (const auto& [key, e] : copies) {
      Shard& shard = ShardOf(e.digest);
      auto it = shard.map.find(e.digest);
      if (it != shard.map.end()) {
        if (it->second.last_used > e.time_ms) {
          continue;
        }
        if (auto old = packs_.find(it->second.pack); old != packs_.end()) {
          old->second->live -= Padded(it->second.stored);
        }
      }
      shard.map[e.digest] = Entry{.pack = id,
                                  .stored = e.stored,
                                  .offset = e.offset,
                                  .content = e.content,
                                  .encoding = e.encoding,
                                  .holds = 0,
                                  .last_used = e.time_ms};  // the commit's, until all are read
      pack->live += Padded(e.stored);
    }
  }
  // After an open every chunk counts as used at its commit or the open, whichever is later.
  for (const auto& shard : shards_) {
    for (auto& [digest, entry] : shard->map) {
      entry.last_used = std::max<TimestampMs>(entry.last_used, now);
    }
  }
  // Staged batches: their records keep their packs from compaction, their holds keep chunks.
  std::vector<std::string> staged_names;
  GALLERY_RETURN_IF_ERROR(ForEachEntry(shown, staged_dir, [&](const char* name) {
    std::string n = name;
    if (n.size() > 4 && n.ends_with(".log") && CheckStagedName(n.substr(0, n.size() - 4)).ok()) {
      staged_names.push_back(n.substr(0, n.size() - 4));
    } else {
      leftovers.push_back(staged_dir / n);  // a rewrite a crash interrupted
    }
  }));
  for (const std::string& name : staged_names) {
    auto state = std::make_shared<StagedState>();
    state->name = name;
    state->log_path = staged_dir / (name + ".log");
    state->log = Fd(::open(state->log_path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    if (state->log.get() < 0) {
      return StoreIoError(shown, "cannot open a staged batch's log", state->log_path, errno);
    }
    GALLERY_ASSIGN_OR_RETURN(std::vector<LogEntry> entries,
                             ReadLog(shown, state->log.get(), state->log_path, /*cut=*/true));
    for (const LogEntry& e : entries) {
      if (e.kind == Kind::kStaged) {
        auto pack = packs_.find(e.pack);
        if (pack == packs_.end() || state->records.contains(e.digest)) {
          continue;  // its pack is gone: the chunk is no longer held (verification drops it)
        }
        pack->second->staged += 1;
        state->records[e.digest] = Written{.digest = e.digest,
                                           .pack = pack->second,
                                           .offset = e.offset,
                                           .stored = e.stored,
                                           .content = e.content,
                                           .encoding = e.encoding};
      } else if (e.kind == Kind::kHeld && !state->holds.contains(e.digest)) {
        Shard& shard = ShardOf(e.digest);
        if (auto it = shard.map.find(e.digest); it != shard.map.end()) {
          it->second.holds += 1;
          state->holds.insert(e.digest);
        }
      }
    }
    staged_[name] = state;
  }
  for (const fs::path& path : leftovers) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return StoreIoError(shown, "cannot remove a leftover file", path, errno);
    }
  }
  // Packs nothing lives in any more (every chunk removed before the restart).
  std::vector<uint32_t> empty;
  for (const auto& [id, pack] : packs_) {
    if (pack->live == 0 && pack->staged == 0) {
      empty.push_back(id);
    }
  }
  for (uint32_t id : empty) {
    auto pack = packs_[id];
    packs_.erase(id);
    if (::unlink(pack->log_path.c_str()) != 0 || ::unlink(pack->data_path.c_str()) != 0) {
      return StoreIoError(shown, "cannot remove an empty pack", pack->data_path, errno);
    }
  }
  return Status::Ok();
}

Result<std::map<ChunkDigest, PackLocation>> PackChunkStore::Inspect(const fs::path& root) {
  const std::string shown = root.string();
  const fs::path packs_dir = root / "packs";
  std::set<uint32_t> log_ids;
  GALLERY_RETURN_IF_ERROR(ForEachEntry(shown, packs_dir, [&](const char* name) {
    if (auto id = PackId(name, "idx")) {
      log_ids.insert(*id);
    }
  }));
  std::map<ChunkDigest, std::pair<TimestampMs, PackLocation>> found;
  for (uint32_t id : log_ids) {
    const fs::path log_path = packs_dir / PackName(id, "idx");
    Fd log(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (log.get() < 0) {
      return StoreIoError(shown, "cannot open a log", log_path, errno);
    }
    GALLERY_ASSIGN_OR_RETURN(std::vector<LogEntry> entries,
                             ReadLog(shown, log.get(), log_path, /*cut=*/false));
    for (const auto& [key, e] : LiveCopies(entries)) {  // the later commit wins, as in Load
      auto it = found.find(e.digest);
      if (it == found.end() || it->second.first <= e.time_ms) {
        found[e.digest] = {e.time_ms, {packs_dir / PackName(id, "pack"), e.offset, e.stored}};
      }
    }
  }
  std::map<ChunkDigest, PackLocation> locations;
  for (auto& [digest, at] : found) {
    locations.emplace(digest, std::move(at.second));
  }
  return locations;
}

// ---- writing ----

PackChunkStore::Encoded PackChunkStore::EncodeChunk(const ChunkDigest& digest,
                                                    std::span<const uint8_t> content) const {
  Encoded out{
      .digest = digest, .stored = content, .content = static_cast<uint32_t>(content.size())};
  // Each form is kept only when its record takes fewer 4 KiB blocks than the last.
  uint16_t holes = 0;
  size_t left = 0;  // bytes of the segments that are not all zero
  ForEachSegment(out.content, [&](uint32_t i, uint32_t at, uint32_t n) {
    if (IsAllZero(content.subspan(at, n))) {
      holes = static_cast<uint16_t>(holes | (1u << i));
    } else {
      left += n;
    }
    return true;
  });
  if (holes != 0 && left > 0 && Padded(left) < Padded(content.size())) {
    out.encoded.reserve(left);
    ForEachSegment(out.content, [&](uint32_t i, uint32_t at, uint32_t n) {
      if ((holes & (1u << i)) == 0) {
        out.encoded.insert(out.encoded.end(), content.begin() + at, content.begin() + at + n);
      }
      return true;
    });
    out.stored = out.encoded;
    out.encoding = {.form = static_cast<uint8_t>(Form::kSparse), .holes = holes};
  }
  if (options_.compress) {
    std::vector<uint8_t> frame(ZSTD_compressBound(content.size()));
    const size_t n = ZSTD_compressCCtx(ThreadCompressor(), frame.data(), frame.size(),
                                       content.data(), content.size(), options_.compression_level);
    if (!ZSTD_isError(n) && Padded(n) < Padded(out.stored.size())) {
      frame.resize(n);
      out.encoded = std::move(frame);
      out.stored = out.encoded;
      out.encoding = {.form = static_cast<uint8_t>(Form::kZstd)};
    }
  }
  return out;
}

Result<std::vector<PackChunkStore::Written>> PackChunkStore::WriteAll(
    const std::vector<Encoded>& chunks) {
  if (chunks.empty()) {
    return std::vector<Written>();
  }
  const std::string& shown = folder_.shown();
  uint64_t padded = 0;
  for (const Encoded& c : chunks) {
    padded += Padded(c.stored.size());
  }
  size_t slot = 0;
  while (slot < kOpenPacks && !slot_mu_[slot].try_lock()) {
    ++slot;
  }
  if (slot == kOpenPacks) {
    slot = 0;
    slot_mu_[slot].lock();
  }
  std::unique_lock<std::mutex> writing(slot_mu_[slot], std::adopt_lock);
  std::shared_ptr<Pack> pack;
  uint64_t offset = 0;
  {
    std::lock_guard lock(packs_mu_);
    std::shared_ptr<Pack>& open = open_[slot];
    if (open == nullptr || (open->end > 0 && open->end + padded > limits_.pack_bytes)) {
      auto fresh = std::make_shared<Pack>();
      fresh->id = next_pack_id_;
      fresh->data_path = root_ / "packs" / PackName(fresh->id, "pack");
      fresh->log_path = root_ / "packs" / PackName(fresh->id, "idx");
      // The log first: a pack without its log is a compaction's leftover, removed at Open.
      fresh->log = Fd(
          ::open(fresh->log_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (fresh->log.get() < 0) {
        return StoreIoError(shown, "cannot create a log", fresh->log_path, errno);
      }
      fresh->data =
          Fd(::open(fresh->data_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (fresh->data.get() < 0) {
        const int err = errno;
        ::unlink(fresh->log_path.c_str());
        return StoreIoError(shown, "cannot create a pack", fresh->data_path, err);
      }
      if (direct_io_) {
        fresh->direct = Fd(::open(fresh->data_path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC));
        if (fresh->direct.get() < 0) {
          direct_io_ = false;  // the file system has no direct I/O (tmpfs)
        }
      }
      ++next_pack_id_;
      packs_dir_dirty_ = true;
      packs_[fresh->id] = fresh;
      open = fresh;
    }
    pack = open;
    offset = pack->end;
    pack->end += padded;
    pack->unpublished += static_cast<int64_t>(chunks.size());
  }
  std::vector<Written> written;
  written.reserve(chunks.size());
  uint64_t at = offset;
  for (const Encoded& c : chunks) {
    written.push_back(
        Written{.digest = c.digest, .pack = pack, .offset = at,
                .stored = static_cast<uint32_t>(c.stored.size()), .content = c.content,
                .encoding = c.encoding,
                .unpublished = std::shared_ptr<void>(nullptr,
                                                     [pack](void*) { pack->unpublished -= 1; })});
    at += Padded(c.stored.size());
  }
  std::span<uint8_t> buffer = AlignedScratch(padded);
  if (buffer.size() < padded) {
    return Status::ResourceExhausted("chunk store '" + shown + "': out of memory");
  }
  size_t filled = 0;
  for (const Encoded& c : chunks) {
    std::memcpy(buffer.data() + filled, c.stored.data(), c.stored.size());
    const size_t next = filled + Padded(c.stored.size());
    std::memset(buffer.data() + filled + c.stored.size(), 0, next - filled - c.stored.size());
    filled = next;
  }
  int err = EINVAL;
  if (direct_io_ && pack->direct.get() >= 0) {
    err = WriteFull(pack->direct.get(), buffer.first(padded), offset);
    if (err == EINVAL) {
      direct_io_ = false;  // alignment the file system wants bigger: the page cache from now on
    }
  }
  if (err == EINVAL) {
    err = WriteFull(pack->data.get(), buffer.first(padded), offset);
  }
  if (err != 0) {
    return StoreIoError(shown, "cannot write to a pack", pack->data_path, err);
  }
  return written;
}

Status PackChunkStore::Publish(const std::vector<Written>& written) {
  if (written.empty()) {
    return Status::Ok();
  }
  const std::string& shown = folder_.shown();
  std::map<uint32_t, std::vector<const Written*>> by_pack;
  for (const Written& w : written) {
    by_pack[w.pack->id].push_back(&w);
  }
  for (const auto& [id, ws] : by_pack) {
    const std::shared_ptr<Pack>& pack = ws.front()->pack;
    if (::fdatasync(pack->data.get()) != 0) {
      return StoreIoError(shown, "cannot flush a pack", pack->data_path, errno);
    }
    // A pack whose file was deleted under the open store keeps nothing past a restart: the
    // commit fails, and new chunks go to a new pack.
    struct stat st {};
    if (::fstat(pack->data.get(), &st) != 0) {
      return StoreIoError(shown, "cannot stat a pack", pack->data_path, errno);
    }
    if (st.st_nlink == 0) {
      std::lock_guard lock(packs_mu_);
      for (std::shared_ptr<Pack>& open : open_) {
        if (open == pack) {
          open = nullptr;
        }
      }
      return StoreIoError(shown, "cannot commit into a pack", pack->data_path, ENOENT);
    }
  }
  {
    // Under dir_sync_mu_: a commit that finds the flag cleared by another waits for that
    // commit's flush of the folder, which covers its pack too.
    std::lock_guard sync(dir_sync_mu_);
    bool dir_dirty = false;
    {
      std::lock_guard lock(packs_mu_);
      dir_dirty = std::exchange(packs_dir_dirty_, false);
    }
    if (dir_dirty) {
      if (Status s = FsyncDir(shown, root_ / "packs"); !s.ok()) {
        std::lock_guard lock(packs_mu_);
        packs_dir_dirty_ = true;
        return s;
      }
    }
  }
  const TimestampMs now = Now();
  for (const auto& [id, ws] : by_pack) {
    std::vector<LogEntry> entries;
    for (const Written* w : ws) {
      entries.push_back({.digest = w->digest,
                         .kind = Kind::kCommitted,
                         .encoding = w->encoding,
                         .pack = id,
                         .offset = w->offset,
                         .stored = w->stored,
                         .content = w->content,
                         .time_ms = now});
    }
    Pack& pack = *ws.front()->pack;
    std::lock_guard lock(pack.log_mu);
    GALLERY_RETURN_IF_ERROR(AppendEntries(shown, pack.log.get(), pack.log_path, entries, true));
  }
  // Durable: now visible. A chunk committed again replaces the stored copy (a scrub's repair).
  std::vector<std::pair<std::shared_ptr<Pack>, LogEntry>> removals;
  for (const Written& w : written) {
    Shard& shard = ShardOf(w.digest);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(w.digest);
    if (w.replaces.has_value()) {  // a compaction's copy
      if (it == shard.map.end() || it->second.pack != w.replaces->first ||
          it->second.offset != w.replaces->second) {
        // Removed or replaced meanwhile: the copy is dead at once.
        removals.push_back(
            {w.pack,
             {.digest = w.digest, .kind = Kind::kRemoved, .pack = w.pack->id, .offset = w.offset}});
        continue;
      }
    }
    Entry next{.pack = w.pack->id,
               .stored = w.stored,
               .offset = w.offset,
               .content = w.content,
               .encoding = w.encoding,
               .holds = 0,
               .last_used = now};
    if (it != shard.map.end()) {
      const Entry& old = it->second;
      if (old.pack == next.pack && old.offset == next.offset) {
        it->second.last_used = now;  // the same record committed again (a staged batch)
        continue;
      }
      next.holds = old.holds;
      if (w.replaces.has_value()) {
        next.last_used = old.last_used;  // a compaction moves the chunk: that is no use of it
      }
      if (std::shared_ptr<Pack> old_pack = PackById(old.pack)) {
        old_pack->live -= Padded(old.stored);
        if (!w.replaces.has_value()) {
          removals.push_back({old_pack,
                              {.digest = w.digest,
                               .kind = Kind::kRemoved,
                               .pack = old.pack,
                               .offset = old.offset}});
        }
      }
    }
    shard.map[w.digest] = next;
    w.pack->live += Padded(w.stored);
  }
  // Removal entries need no flush (see the header).
  for (auto& [pack, entry] : removals) {
    std::lock_guard lock(pack->log_mu);
    (void)AppendEntries(shown, pack->log.get(), pack->log_path, {entry}, false);
  }
  return Status::Ok();
}

// ---- reading ----

Result<std::vector<uint8_t>> PackChunkStore::ReadAt(const ChunkDigest& digest, const Pack& pack,
                                                    uint64_t offset, uint32_t stored,
                                                    uint32_t content, Encoding encoding) {
  const std::string& shown = folder_.shown();
  // Where, for the log: built only when the chunk is damaged (reads are a hot path).
  auto damaged = [&](std::string_view why) {
    return DamagedChunk(shown, digest, pack.data_path.string() + "@" + std::to_string(offset), why);
  };
  if (content > kMaxChunkBytes || stored > ZSTD_compressBound(kMaxChunkBytes)) {
    return damaged("implausible length");
  }
  std::vector<uint8_t> bytes(stored);
  const ssize_t n = PreadFull(pack.data.get(), bytes, offset);
  if (n < 0) {
    return StoreIoError(shown, "cannot read a pack", pack.data_path, errno);
  }
  if (static_cast<size_t>(n) < bytes.size()) {
    return damaged("truncated");
  }
  if (encoding.form == static_cast<uint8_t>(Form::kZstd)) {
    std::vector<uint8_t> decoded(content);
    const size_t m = ZSTD_decompressDCtx(ThreadDecompressor(), decoded.data(), decoded.size(),
                                         bytes.data(), bytes.size());
    if (ZSTD_isError(m) || m != content) {
      return damaged("undecodable");
    }
    bytes = std::move(decoded);
  } else if (encoding.form == static_cast<uint8_t>(Form::kSparse)) {
    std::vector<uint8_t> decoded(content);  // zeros where the holes are
    size_t from = 0;
    bool fits = true;
    ForEachSegment(content, [&](uint32_t i, uint32_t at, uint32_t n) {
      if ((encoding.holes & (1u << i)) == 0) {
        if (from + n > bytes.size()) {
          return fits = false;
        }
        std::memcpy(decoded.data() + at, bytes.data() + from, n);
        from += n;
      }
      return true;
    });
    if (!fits || from != bytes.size()) {
      return damaged("wrong length");
    }
    bytes = std::move(decoded);
  } else if (stored != content) {
    return damaged("wrong length");
  }
  if (DigestOf(bytes) != digest) {
    return damaged("content does not match its digest");
  }
  return bytes;
}

Result<bool> PackChunkStore::Contains(const ChunkDigest& digest) {
  Shard& shard = ShardOf(digest);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(digest);
  if (it == shard.map.end()) {
    return false;
  }
  it->second.last_used = Now();
  return true;
}

Result<bool> PackChunkStore::ContainsWhole(const ChunkDigest& digest, uint64_t length) {
  if (length > std::numeric_limits<uint32_t>::max()) {
    return false;  // longer than any chunk
  }
  const std::pair<ChunkDigest, uint32_t> chunk{digest, static_cast<uint32_t>(length)};
  std::vector<bool> present;
  GALLERY_RETURN_IF_ERROR(ContainsWholeAll({&chunk, 1}, &present));
  return static_cast<bool>(present[0]);
}

// One clock reading, and one lookup of each pack, serve the whole call: a replication asks for
// every chunk of a version in each target store, and per chunk, the pack lookup's store-wide
// mutex (contended by the job's threads) and the clocks took more CPU than the index itself.
Status PackChunkStore::ContainsWholeAll(std::span<const std::pair<ChunkDigest, uint32_t>> chunks,
                                        std::vector<bool>* present) {
  present->assign(chunks.size(), false);
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  const TimestampMs now = Now();
  std::vector<std::pair<uint32_t, std::shared_ptr<Pack>>> packs;  // looked up (null: deleted)
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto& [digest, length] = chunks[i];
    Shard& shard = ShardOf(digest);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(digest);
    if (it == shard.map.end() || it->second.content != length) {
      continue;
    }
    const Entry entry = it->second;
    auto known = std::find_if(packs.begin(), packs.end(),
                              [&](const auto& p) { return p.first == entry.pack; });
    if (known == packs.end()) {
      known = packs.emplace(packs.end(), entry.pack, PackById(entry.pack));
    }
    GALLERY_ASSIGN_OR_RETURN(bool whole,
                             HoldsUpTo(known->second.get(), entry.offset + entry.stored, now_ns));
    if (!whole) {
      // Damaged (the pack was cut short, or its file deleted): the record goes, so that the
      // caller writes the chunk anew.
      shard.map.erase(it);
      GALLERY_RETURN_IF_ERROR(Forget(digest, entry));
      continue;
    }
    it->second.last_used = now;
    (*present)[i] = true;
  }
  return Status::Ok();
}

// The pack's file is looked at (fstat) at most every kLookValidNs for the records the look
// covers: one fstat per chunk was a tenth of the CPU of a next version's copy at 16 KiB chunks.
Result<bool> PackChunkStore::HoldsUpTo(Pack* pack, uint64_t end, int64_t now_ns) {
  constexpr int64_t kLookValidNs = 200'000'000;
  if (pack == nullptr) {
    return false;
  }
  if (end <= pack->looked_size && now_ns - pack->looked_at < kLookValidNs) {
    return true;
  }
  struct stat st {};
  if (::fstat(pack->data.get(), &st) != 0) {
    return StoreIoError(folder_.shown(), "cannot stat a pack", pack->data_path, errno);
  }
  const uint64_t size = st.st_nlink == 0 ? 0 : static_cast<uint64_t>(st.st_size);
  pack->looked_size = size;
  pack->looked_at = now_ns;
  return end <= size;
}

Result<std::vector<uint8_t>> PackChunkStore::Read(const ChunkDigest& digest) {
  // A compaction may move the chunk between the lookup and finding its pack: look again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    Entry entry;
    {
      Shard& shard = ShardOf(digest);
      std::lock_guard lock(shard.mu);
      auto it = shard.map.find(digest);
      if (it == shard.map.end()) {
        break;
      }
      entry = it->second;
    }
    if (std::shared_ptr<Pack> pack = PackById(entry.pack)) {
      return ReadAt(digest, *pack, entry.offset, entry.stored, entry.content, entry.encoding);
    }
  }
  return Status::NotFound("chunk " + ToHex(digest) + " is not in chunk store '" + folder_.shown() +
                          "'");
}

std::optional<PackLocation> PackChunkStore::Locate(const ChunkDigest& digest) {
  Entry entry;
  {
    Shard& shard = ShardOf(digest);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(digest);
    if (it == shard.map.end()) {
      return std::nullopt;
    }
    entry = it->second;
  }
  return PackLocation{root_ / "packs" / PackName(entry.pack, "pack"), entry.offset, entry.stored};
}

// ---- batches ----

// A batch appends each chunk to an open pack as it is added; Commit publishes them (flushes
// the packs and logs their entries). What is never committed is dead space in the packs.
class PackChunkStore::Batch final : public ChunkBatch {
 public:
  explicit Batch(PackChunkStore& store) : store_(store) {}

  Status Add(const ChunkDigest& digest, std::span<const uint8_t> bytes) override {
    const ChunkToAdd one{digest, bytes};
    return AddAll({&one, 1});
  }

  Status AddAll(std::span<const ChunkToAdd> chunks) override {
    std::vector<const ChunkToAdd*> added;
    {
      std::lock_guard lock(mu_);
      for (const ChunkToAdd& c : chunks) {
        if (added_.insert(c.digest).second) {
          added.push_back(&c);
        }
      }
    }
    std::vector<Encoded> fresh;  // outside the lock: compression takes time
    fresh.reserve(added.size());
    for (const ChunkToAdd* c : added) {
      fresh.push_back(store_.EncodeChunk(c->digest, c->bytes));
    }
    Result<std::vector<Written>> written = store_.WriteAll(fresh);
    std::lock_guard lock(mu_);
    if (!written.ok()) {
      for (const Encoded& e : fresh) {
        added_.erase(e.digest);
      }
      return written.status();
    }
    for (Written& w : *written) {
      pending_.push_back(std::move(w));
    }
    return Status::Ok();
  }

  Status Commit() override {
    std::vector<Written> committing;
    {
      std::lock_guard lock(mu_);
      committing.swap(pending_);
    }
    Status s = store_.Publish(committing);
    // Committed, or discarded: either way adding them again writes them anew. A committed chunk
    // added again was found missing since (a collection took it): skipping it lost it.
    std::lock_guard lock(mu_);
    for (const Written& w : committing) {
      added_.erase(w.digest);
    }
    return s;
  }

 private:
  PackChunkStore& store_;
  std::mutex mu_;
  std::set<ChunkDigest> added_;  // added and not yet committed
  std::vector<Written> pending_;
};

std::unique_ptr<ChunkBatch> PackChunkStore::BeginBatch() { return std::make_unique<Batch>(*this); }

// A staged batch appends what it writes to an open pack and logs it in its own log (not
// flushed: the verification of the first open after a restart drops what a crash cut short);
// a chunk the store holds already is held (logged, and counted in the index so that no
// collection removes it) instead of written.
class PackChunkStore::Staged final : public StagedBatch {
 public:
  Staged(PackChunkStore& store, std::shared_ptr<StagedState> state)
      : store_(store), state_(std::move(state)) {}
  ~Staged() override {
    std::lock_guard lock(state_->mu);
    state_->open = false;
  }

  Status Add(const ChunkDigest& digest, std::span<const uint8_t> bytes) override {
    const ChunkToAdd one{digest, bytes};
    return AddAll({&one, 1});
  }

  Status AddAll(std::span<const ChunkToAdd> chunks) override {
    std::vector<const ChunkToAdd*> fresh;
    {
      std::lock_guard lock(state_->mu);
      for (const ChunkToAdd& c : chunks) {
        if (!state_->records.contains(c.digest) && !state_->holds.contains(c.digest) &&
            state_->adding.insert(c.digest).second) {
          fresh.push_back(&c);
        }
      }
    }
    Status s = AddNew(fresh);
    std::lock_guard lock(state_->mu);
    for (const ChunkToAdd* c : fresh) {
      state_->adding.erase(c->digest);
    }
    return s;
  }

  Status Commit() override {
    std::vector<Written> committing;
    {
      std::lock_guard lock(state_->mu);
      for (const auto& [digest, w] : state_->records) {
        if (!state_->committed.contains(digest)) {
          committing.push_back(w);
        }
      }
    }
    GALLERY_RETURN_IF_ERROR(store_.Publish(committing));
    std::lock_guard lock(state_->mu);
    for (const Written& w : committing) {
      state_->committed.insert(w.digest);
    }
    return Status::Ok();
  }

  bool Holds(const ChunkDigest& digest) override {
    std::lock_guard lock(state_->mu);
    return state_->records.contains(digest) || state_->holds.contains(digest);
  }

  Result<std::vector<uint8_t>> Read(const ChunkDigest& digest) override {
    std::optional<Written> record;
    {
      std::lock_guard lock(state_->mu);
      if (auto it = state_->records.find(digest); it != state_->records.end()) {
        record = it->second;
      } else if (!state_->holds.contains(digest)) {
        return Status::NotFound("chunk " + ToHex(digest) + " is not in the staged batch '" +
                                state_->name + "' of chunk store '" + store_.folder_.shown() + "'");
      }
    }
    if (record.has_value()) {
      return store_.ReadAt(digest, *record->pack, record->offset, record->stored, record->content,
                           record->encoding);
    }
    return store_.Read(digest);
  }

 private:
  // Holds the chunks the store has (in the index, so that no collection removes them) and
  // writes the others; logs both.
  Status AddNew(const std::vector<const ChunkToAdd*>& chunks) {
    const std::string& shown = store_.folder_.shown();
    std::vector<const ChunkToAdd*> absent;
    for (const ChunkToAdd* c : chunks) {
      Shard& shard = store_.ShardOf(c->digest);
      std::lock_guard lock(shard.mu);
      if (auto it = shard.map.find(c->digest); it != shard.map.end()) {
        std::lock_guard state_lock(state_->mu);
        GALLERY_RETURN_IF_ERROR(AppendEntries(shown, state_->log.get(), state_->log_path,
                                              {{.digest = c->digest, .kind = Kind::kHeld}},
                                              false));
        it->second.holds += 1;
        state_->holds.insert(c->digest);
      } else {
        absent.push_back(c);
      }
    }
    std::vector<Encoded> to_write;  // outside the index's locks: compression takes time
    to_write.reserve(absent.size());
    for (const ChunkToAdd* c : absent) {
      to_write.push_back(store_.EncodeChunk(c->digest, c->bytes));
    }
    GALLERY_ASSIGN_OR_RETURN(std::vector<Written> written, store_.WriteAll(to_write));
    std::vector<LogEntry> entries;
    const TimestampMs now = store_.Now();
    for (const Written& w : written) {
      entries.push_back({.digest = w.digest, .kind = Kind::kStaged, .encoding = w.encoding,
                         .pack = w.pack->id, .offset = w.offset, .stored = w.stored,
                         .content = w.content, .time_ms = now});
    }
    std::lock_guard lock(state_->mu);
    if (!entries.empty()) {
      GALLERY_RETURN_IF_ERROR(
          AppendEntries(shown, state_->log.get(), state_->log_path, entries, false));
    }
    for (Written& w : written) {
      w.pack->staged += 1;
      state_->records[w.digest] = std::move(w);
    }
    return Status::Ok();
  }

  PackChunkStore& store_;
  std::shared_ptr<StagedState> state_;
};

Result<std::unique_ptr<StagedBatch>> PackChunkStore::OpenStagedBatch(const std::string& name) {
  GALLERY_RETURN_IF_ERROR(CheckStagedName(name));
  const std::string& shown = folder_.shown();
  std::shared_ptr<StagedState> state;
  {
    std::lock_guard lock(staged_mu_);
    auto it = staged_.find(name);
    if (it == staged_.end()) {
      auto fresh = std::make_shared<StagedState>();
      fresh->name = name;
      fresh->log_path = root_ / "staged" / (name + ".log");
      fresh->log =
          Fd(::open(fresh->log_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
      if (fresh->log.get() < 0) {
        return StoreIoError(shown, "cannot create a staged batch's log", fresh->log_path, errno);
      }
      GALLERY_RETURN_IF_ERROR(FsyncDir(shown, root_ / "staged"));
      fresh->verified = true;  // new: nothing to check
      it = staged_.emplace(name, std::move(fresh)).first;
    }
    state = it->second;
  }
  std::lock_guard lock(state->mu);
  if (state->open) {
    return Status::FailedPrecondition("the staged batch '" + name + "' is open already");
  }
  if (!state->verified) {
    // What a crash cut short (or damage since) is dropped; the log is rewritten without it.
    std::vector<LogEntry> keep;
    for (auto it = state->records.begin(); it != state->records.end();) {
      const Written& w = it->second;
      if (ReadAt(w.digest, *w.pack, w.offset, w.stored, w.content, w.encoding).ok()) {
        keep.push_back({.digest = w.digest,
                        .kind = Kind::kStaged,
                        .encoding = w.encoding,
                        .pack = w.pack->id,
                        .offset = w.offset,
                        .stored = w.stored,
                        .content = w.content,
                        .time_ms = Now()});
        ++it;
      } else {
        w.pack->staged -= 1;
        it = state->records.erase(it);
      }
    }
    for (const ChunkDigest& d : state->holds) {
      keep.push_back({.digest = d, .kind = Kind::kHeld});
    }
    const fs::path temp = state->log_path.string() + ".new";
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      return StoreIoError(shown, "cannot rewrite a staged batch's log", temp, errno);
    }
    GALLERY_RETURN_IF_ERROR(AppendEntries(shown, fd.get(), temp, keep, true));
    if (::rename(temp.c_str(), state->log_path.c_str()) != 0) {
      return StoreIoError(shown, "cannot rewrite a staged batch's log", state->log_path, errno);
    }
    GALLERY_RETURN_IF_ERROR(FsyncDir(shown, root_ / "staged"));
    state->log = std::move(fd);
    state->verified = true;
  }
  // Everything is uncommitted at open: a commit cut short by a crash is redone.
  state->committed.clear();
  state->open = true;
  return std::unique_ptr<StagedBatch>(std::make_unique<Staged>(*this, state));
}

Status PackChunkStore::DiscardStagedBatch(const std::string& name) {
  GALLERY_RETURN_IF_ERROR(CheckStagedName(name));
  std::shared_ptr<StagedState> state;
  {
    std::lock_guard lock(staged_mu_);
    auto it = staged_.find(name);
    if (it == staged_.end()) {
      return Status::Ok();  // never opened, or discarded already
    }
    state = it->second;
    if (::unlink(state->log_path.c_str()) != 0 && errno != ENOENT) {
      return StoreIoError(folder_.shown(), "cannot remove a staged batch's log", state->log_path,
                          errno);
    }
    staged_.erase(it);
  }
  // The batch's lock is not held while the index's are taken (Add takes them the other way).
  std::set<ChunkDigest> holds;
  std::map<ChunkDigest, Written> records;
  {
    std::lock_guard lock(state->mu);
    holds.swap(state->holds);
    records.swap(state->records);
  }
  for (const ChunkDigest& d : holds) {
    Shard& shard = ShardOf(d);
    std::lock_guard shard_lock(shard.mu);
    if (auto it = shard.map.find(d); it != shard.map.end() && it->second.holds > 0) {
      it->second.holds -= 1;
    }
  }
  std::set<uint32_t> packs;
  for (const auto& [digest, w] : records) {
    w.pack->staged -= 1;
    packs.insert(w.pack->id);
  }
  records.clear();  // its writes no longer count as unpublished
  for (uint32_t id : packs) {
    MaybeCompact(id);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> PackChunkStore::ListStagedBatches() {
  std::lock_guard lock(staged_mu_);
  std::vector<std::string> names;
  for (const auto& [name, state] : staged_) {
    names.push_back(name);
  }
  return names;
}

// ---- removal and compaction ----

Status PackChunkStore::Forget(const ChunkDigest& digest, const Entry& entry) {
  std::shared_ptr<Pack> pack = PackById(entry.pack);
  if (pack == nullptr) {
    return Status::Ok();
  }
  pack->live -= Padded(entry.stored);
  std::lock_guard lock(pack->log_mu);
  return AppendEntries(
      folder_.shown(), pack->log.get(), pack->log_path,
      {{.digest = digest, .kind = Kind::kRemoved, .pack = entry.pack, .offset = entry.offset}},
      false);
}

Status PackChunkStore::Remove(const ChunkDigest& digest) {
  uint32_t pack = 0;
  {
    Shard& shard = ShardOf(digest);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(digest);
    if (it == shard.map.end()) {
      return Status::NotFound("chunk " + ToHex(digest) + " is not in chunk store '" +
                              folder_.shown() + "'");
    }
    const Entry entry = it->second;
    shard.map.erase(it);
    pack = entry.pack;
    GALLERY_RETURN_IF_ERROR(Forget(digest, entry));
  }
  MaybeCompact(pack);
  return Status::Ok();
}

Result<std::optional<uint64_t>> PackChunkStore::RemoveIfUnused(const ChunkDigest& digest,
                                                               TimestampMs used_before) {
  Entry entry;
  {
    Shard& shard = ShardOf(digest);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(digest);
    if (it == shard.map.end() || it->second.holds > 0 || it->second.last_used >= used_before) {
      return std::optional<uint64_t>();
    }
    entry = it->second;
    shard.map.erase(it);
    GALLERY_RETURN_IF_ERROR(Forget(digest, entry));
  }
  MaybeCompact(entry.pack);
  return std::optional<uint64_t>(Padded(entry.stored));
}

void PackChunkStore::MaybeCompact(uint32_t pack_id) {
  std::shared_ptr<Pack> pack;
  {
    std::lock_guard lock(packs_mu_);
    auto it = packs_.find(pack_id);
    if (it == packs_.end() || IsOpen(it->second.get())) {
      return;
    }
    pack = it->second;
  }
  if (pack->staged > 0 || pack->unpublished > 0 || pack->live * 2 >= pack->end) {
    return;
  }
  std::lock_guard lock(compact_mu_);
  if (PackById(pack_id) == nullptr) {
    return;  // compacted meanwhile
  }
  if (Status s = Compact(pack); !s.ok()) {
    GLOG_WARN("chunk store '{}': compacting pack {} failed (tried again later): {}",
              folder_.shown(), pack_id, s.ToString());
  }
}

Status PackChunkStore::Compact(const std::shared_ptr<Pack>& pack) {
  std::vector<std::pair<ChunkDigest, Entry>> live;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    for (const auto& [digest, entry] : shard->map) {
      if (entry.pack == pack->id) {
        live.emplace_back(digest, entry);
      }
    }
  }
  // Each live chunk is verified before it is copied: a damaged one stops the compaction, so the
  // pack stays (with the damage where a scrub finds and repairs it) and no damage is copied.
  // Copied in groups of about 4 MiB, each with one write.
  constexpr uint64_t kGroupBytes = uint64_t{4} << 20;
  std::vector<Written> copies;
  std::vector<std::vector<uint8_t>> contents;
  std::vector<Encoded> group;
  std::vector<uint64_t> offsets;  // in the old pack, of the group's chunks
  uint64_t group_bytes = 0;
  auto flush = [&]() -> Status {
    GALLERY_ASSIGN_OR_RETURN(std::vector<Written> written, WriteAll(group));
    for (size_t i = 0; i < written.size(); ++i) {
      written[i].replaces = std::make_pair(pack->id, offsets[i]);
      copies.push_back(std::move(written[i]));
    }
    group.clear();
    contents.clear();
    offsets.clear();
    group_bytes = 0;
    return Status::Ok();
  };
  contents.reserve(live.size());
  for (const auto& [digest, entry] : live) {
    GALLERY_ASSIGN_OR_RETURN(
        std::vector<uint8_t> content,
        ReadAt(digest, *pack, entry.offset, entry.stored, entry.content, entry.encoding));
    contents.push_back(std::move(content));
    group.push_back(EncodeChunk(digest, contents.back()));
    offsets.push_back(entry.offset);
    group_bytes += group.back().stored.size();
    if (group_bytes >= kGroupBytes) {
      GALLERY_RETURN_IF_ERROR(flush());
      contents.reserve(live.size());
    }
  }
  GALLERY_RETURN_IF_ERROR(flush());
  GALLERY_RETURN_IF_ERROR(Publish(copies));
  // Anything still in the pack (a chunk committed into it during the copy) keeps it.
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    for (const auto& [digest, entry] : shard->map) {
      if (entry.pack == pack->id) {
        return Status::Ok();
      }
    }
  }
  {
    std::lock_guard lock(packs_mu_);
    packs_.erase(pack->id);
  }
  const std::string& shown = folder_.shown();
  // The log first: a pack without a log is removed at the next Open.
  if (::unlink(pack->log_path.c_str()) != 0 && errno != ENOENT) {
    return StoreIoError(shown, "cannot remove a compacted log", pack->log_path, errno);
  }
  if (::unlink(pack->data_path.c_str()) != 0 && errno != ENOENT) {
    return StoreIoError(shown, "cannot remove a compacted pack", pack->data_path, errno);
  }
  compactions_ += 1;
  GLOG_INFO("chunk store '{}': compacted pack {} ({} chunks moved)", shown, pack->id,
            copies.size());
  return Status::Ok();
}

// ---- walking ----

Status PackChunkStore::ForEach(
    const std::function<void(const ChunkDigest& digest, TimestampMs last_used)>& fn) {
  for (const auto& shard : shards_) {
    std::vector<std::pair<ChunkDigest, TimestampMs>> items;
    {
      std::lock_guard lock(shard->mu);
      items.reserve(shard->map.size());
      for (const auto& [digest, entry] : shard->map) {
        items.emplace_back(digest, entry.last_used);
      }
    }
    for (const auto& [digest, used] : items) {
      fn(digest, used);
    }
  }
  return Status::Ok();
}

Result<StoreUsage> PackChunkStore::Usage() {
  StoreUsage usage;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    usage.chunks += shard->map.size();
    for (const auto& [digest, entry] : shard->map) {
      usage.stored_bytes += Padded(entry.stored);
    }
  }
  return usage;
}

}  // namespace gallery::storage
