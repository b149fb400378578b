#include "storage/file_chunk_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>

#include "common/file_util.h"
#include "common/log.h"
#include "storage/posix_io.h"

namespace gallery::storage {

namespace fs = std::filesystem;

namespace {

// Chunk file header: magic, format version, encoding, 2 reserved bytes, content length (LE).
constexpr char kChunkMagic[4] = {'G', 'C', 'H', 'K'};
constexpr uint8_t kChunkFormatVersion = 1;
constexpr size_t kHeaderBytes = 16;
enum class Encoding : uint8_t { kRaw = 0, kZstd = 1 };
constexpr int kFanOut = 256;

std::array<uint8_t, kHeaderBytes> MakeHeader(Encoding encoding, uint64_t content_length) {
  std::array<uint8_t, kHeaderBytes> header{};
  std::memcpy(header.data(), kChunkMagic, sizeof kChunkMagic);
  header[4] = kChunkFormatVersion;
  header[5] = static_cast<uint8_t>(encoding);
  for (int i = 0; i < 8; ++i) {
    header[8 + i] = static_cast<uint8_t>(content_length >> (8 * i));
  }
  return header;
}

// True when `file` starts with a chunk header (a compressed chunk, or a raw one written before
// raw chunks lost their header).
bool HasHeader(std::span<const uint8_t> file) {
  return file.size() >= kHeaderBytes &&
         std::memcmp(file.data(), kChunkMagic, sizeof kChunkMagic) == 0 &&
         file[4] == kChunkFormatVersion;
}

TimestampMs MtimeMs(const struct stat& st) {
  return static_cast<TimestampMs>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

struct timespec ToTimespec(TimestampMs t) {
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(t / 1000);
  ts.tv_nsec = static_cast<long>(t % 1000) * 1000000;
  return ts;
}

// Writes all of `iov` (one writev call unless the kernel writes less).
Status WriteAll(std::string_view store, int fd, std::array<struct iovec, 2> iov,
                const fs::path& path) {
  size_t first = 0;
  while (first < iov.size()) {
    ssize_t n = ::writev(fd, &iov[first], static_cast<int>(iov.size() - first));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return StoreIoError(store, "cannot write a chunk file", path, errno);
    }
    auto left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

// Chunk files are written with O_DIRECT where the file system allows it. Measured here (1 GiB
// of random data uploaded and sealed): galleryd spent 8.1-8.5 CPU seconds with direct writes
// against 10.9-13.7 through the page cache, whose cost varies a lot on this machine (copying
// into fresh page-cache pages of a virtual machine); direct writes skip that copy and the
// later write-back. O_DIRECT wants aligned buffers, offsets and lengths (see WriteDirect).
// Writes header and payload as a whole file through a descriptor opened with O_DIRECT: the
// whole blocks directly, then a last partial block through the page cache, so nothing is
// padded and no block is read back (truncating a direct write to its length made ext4 read the
// last block from the disk for every chunk). A raw chunk of whole blocks (every 128 KiB chunk
// of a disk) has no header and so takes one write and one disk request.
// Returns 0 or an errno value (EINVAL: the file system refuses this direct write).
int WriteDirect(int fd, std::span<const uint8_t> header, std::span<const uint8_t> payload) {
  const size_t length = header.size() + payload.size();
  const size_t whole = length / kDirectAlign * kDirectAlign;
  std::span<uint8_t> buffer = AlignedScratch(length);
  if (buffer.size() < length) {
    return ENOMEM;
  }
  if (!header.empty()) {  // a raw chunk has none
    std::memcpy(buffer.data(), header.data(), header.size());
  }
  std::memcpy(buffer.data() + header.size(), payload.data(), payload.size());

  if (whole > 0) {
    if (int err = WriteFull(fd, buffer.first(whole), 0); err != 0) {
      return err;
    }
  }
  if (whole < length) {
    if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_DIRECT) != 0) {
      return errno;
    }
    return WriteFull(fd, buffer.subspan(whole, length - whole), whole);
  }
  return 0;
}

// Reads exactly out.size() bytes at `offset`; false when the file ends first.
Result<bool> PreadAll(std::string_view store, int fd, std::span<uint8_t> out, uint64_t offset,
                      const fs::path& path) {
  const ssize_t n = PreadFull(fd, out, offset);
  if (n < 0) {
    return StoreIoError(store, "cannot read a chunk file", path, errno);
  }
  return static_cast<size_t>(n) == out.size();
}

// Asks ext4 to place the folders made in `dir` far apart (the Orlov allocator's "top
// directory" flag), best effort: other file systems refuse or ignore it. A new file's inode is
// taken in its folder's block group, and ext4 without a journal skips every inode of the group
// freed in the last minute or so, checking each: after a store deleted thousands of chunk files
// (a garbage collection, a removed upload), creating chunk files in a folder of the same group
// cost 9 times as much on this machine (16,384 files: 5.9 s against 0.7 s). Each batch and
// staged upload has its own folder, and spread folders often land outside such groups: the
// same 16,384 files after a deletion took 0.9 s. Not always: ext4 places a folder in the group
// with the fewest folders, which can be the one just emptied, and a galleryd upload profiled
// after a deletion still spent half its CPU there.
void SpreadSubfolders(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int flags = 0;
  if (fd.get() >= 0 && ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) == 0 &&
      (flags & FS_TOPDIR_FL) == 0) {
    flags |= FS_TOPDIR_FL;
    (void)::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags);
  }
}

// DataLoss naming the chunk and the store; the path goes to the log.
Status Damaged(std::string_view store, const ChunkDigest& digest, const fs::path& path,
               std::string_view why) {
  return DamagedChunk(store, digest, path.string(), why);
}

}  // namespace

// A batch writes each chunk to its own file in its folder tmp/{batch id}/, named uniquely
// (digest, sequence), so nothing partial ever carries a chunk's final name. Commit flushes them with one syncfs:
// measured on ext4 (this machine), 2048 files of 64 KiB flushed by one syncfs took 1.1 s
// against 8.3 s with an fdatasync per file, and 256 files of 1 MiB 0.8 s against 1.6 s. Then
// the renames, then a second syncfs makes the fan-out folders that received names durable:
// 0.01 s after a 1 GiB ingest, where fsyncs of the 256 folders took about 0.9 s. While chunks
// arrive, every background_flush_bytes written start a flush in the background (the flusher
// thread), so the commit's flush finds little left: the seal of a 1 GiB upload (8,192 new
// files) took 0.26-0.33 s with them, against 0.7-1.4 s when the commit flushed everything.
// The background flushes write what the commit would; only their timing changes.
class FileChunkStore::Batch final : public ChunkBatch {
 public:
  Batch(FileChunkStore& store, uint64_t id)
      : store_(store), dir_(store.root_ / "tmp" / std::to_string(id)) {}
  ~Batch() override {
    RemoveTemps(pending_);
    if (made_) {
      ::rmdir(dir_.c_str());
    }
  }

  Status Add(const ChunkDigest& digest, std::span<const uint8_t> bytes) override {
    uint64_t sequence = 0;
    {
      std::lock_guard lock(mu_);
      if (!staged_.insert(digest).second) {
        return Status::Ok();
      }
      if (!made_) {  // the batch's folder, made by the first Add (an empty batch makes none)
        if (Status made = MakeDir(store_.ShownName(), dir_).status(); !made.ok()) {
          staged_.erase(digest);
          return made;
        }
        made_ = true;
      }
      sequence = next_sequence_++;
    }
    fs::path temp = dir_ / (ToHex(digest) + "." + std::to_string(sequence));
    Status written = store_.WriteChunkFile(temp, bytes);
    std::lock_guard lock(mu_);
    if (!written.ok()) {
      staged_.erase(digest);
      return written;
    }
    pending_.push_back({digest, std::move(temp), false});
    return Status::Ok();
  }

  Status Commit() override {
    std::vector<StagedFile> committing;
    {
      std::lock_guard lock(mu_);
      committing.swap(pending_);
    }
    if (committing.empty()) {
      return Status::Ok();
    }
    Status s = store_.Publish(committing);
    if (!s.ok()) {
      RemoveTemps(committing);  // those not renamed are discarded
    }
    // Committed, or discarded: either way adding them again writes them anew. A committed chunk
    // added again was found missing since (a collection took it): skipping it lost it.
    std::lock_guard lock(mu_);
    for (const StagedFile& f : committing) {
      staged_.erase(f.digest);
    }
    return s;
  }

 private:
  static void RemoveTemps(const std::vector<StagedFile>& pending) {
    for (const StagedFile& f : pending) {
      if (!f.path.empty()) {
        ::unlink(f.path.c_str());
      }
    }
  }

  FileChunkStore& store_;
  const fs::path dir_;  // tmp/{batch id}
  std::mutex mu_;
  bool made_ = false;  // dir_ exists (under mu_)
  std::set<ChunkDigest> staged_;  // added and not yet committed
  std::vector<StagedFile> pending_;
  uint64_t next_sequence_ = 0;
};

// A staged batch keeps each chunk in its folder under the chunk's own name; a file a crash cut
// short is caught by the verification of the first open after the restart.
class FileChunkStore::Staged final : public StagedBatch {
 public:
  Staged(FileChunkStore& store, std::string name, fs::path dir, std::set<ChunkDigest> held)
      : store_(store), name_(std::move(name)), dir_(std::move(dir)), held_(std::move(held)) {}
  ~Staged() override {
    std::lock_guard lock(store_.staged_mu_);
    store_.staged_open_.erase(name_);
  }

  Status Add(const ChunkDigest& digest, std::span<const uint8_t> bytes) override {
    {
      std::lock_guard lock(mu_);
      if (held_.contains(digest)) {
        return Status::Ok();
      }
    }
    const fs::path path = dir_ / ToHex(digest);
    // The digest's stripe is held throughout: two chunks of one upload with the same content
    // are written once, and a garbage collection cannot remove the stored file while it is
    // linked.
    std::lock_guard stripe(store_.Stripe(digest));
    if (Holds(digest)) {
      return Status::Ok();
    }
    // A stored chunk is linked, not written: its file cannot change (chunks are immutable)
    // and the link keeps it alive if a garbage collection unlinks its name meanwhile.
    const fs::path stored = store_.ChunkPath(digest);
    bool written = false;
    if (::link(stored.c_str(), path.c_str()) != 0) {
      const int err = errno;
      if (err != ENOENT && err != EEXIST) {
        return StoreIoError(store_.ShownName(), "cannot link a staged chunk file", path, err);
      }
      // EEXIST: a file left by a write that failed; it goes, and the link is tried again.
      const bool linked = err == EEXIST && ::unlink(path.c_str()) == 0 &&
                          ::link(stored.c_str(), path.c_str()) == 0;
      if (!linked) {
        // Written under its own name: a crash can leave it cut short, which the
        // verification of the first open after a restart finds.
        GALLERY_RETURN_IF_ERROR(store_.WriteChunkFile(path, bytes));
        written = true;
      }
    }
    std::lock_guard lock(mu_);
    held_.insert(digest);
    uncommitted_[digest] = !written;
    return Status::Ok();
  }

  Status Commit() override {
    std::vector<StagedFile> files;
    {
      std::lock_guard lock(mu_);
      for (const auto& [digest, maybe_link] : uncommitted_) {
        files.push_back({digest, dir_ / ToHex(digest), maybe_link});
      }
    }
    if (files.empty()) {
      return Status::Ok();
    }
    GALLERY_RETURN_IF_ERROR(store_.Publish(files));
    std::lock_guard lock(mu_);
    for (const StagedFile& f : files) {
      uncommitted_.erase(f.digest);
    }
    return Status::Ok();
  }

  bool Holds(const ChunkDigest& digest) override {
    std::lock_guard lock(mu_);
    return held_.contains(digest);
  }

  Result<std::vector<uint8_t>> Read(const ChunkDigest& digest) override {
    bool committed = false;
    {
      std::lock_guard lock(mu_);
      if (!held_.contains(digest)) {
        return Status::NotFound("chunk " + ToHex(digest) + " is not in the staged batch '" + name_ +
                                "' of chunk store '" + store_.ShownName() + "'");
      }
      committed = !uncommitted_.contains(digest);
    }
    return store_.ReadChunkFile(committed ? store_.ChunkPath(digest) : dir_ / ToHex(digest),
                                digest);
  }

  // Everything held is uncommitted at open: a commit cut short by a crash is redone.
  // What this object did not write itself may be a link of the stored chunk.
  void MarkAllUncommitted() {
    for (const ChunkDigest& digest : held_) {
      uncommitted_[digest] = true;
    }
  }

 private:
  FileChunkStore& store_;
  const std::string name_;
  const fs::path dir_;
  std::mutex mu_;
  std::set<ChunkDigest> held_;
  // Held but not yet published; the value: the staged file may be a hard link of the stored
  // chunk (false when this object wrote it: Publish then needs no unlink).
  std::map<ChunkDigest, bool> uncommitted_;
};

Status FileChunkStore::FlushFileSystem() {
  {
    // A write error a background flush saw is this flush's: the kernel reports it only once.
    std::lock_guard lock(flush_mu_);
    if (!background_error_.ok()) {
      return std::exchange(background_error_, Status::Ok());
    }
  }
  if (::syncfs(folder_.lock_fd()) != 0) {
    return StoreIoError(ShownName(), "cannot flush its file system", root_, errno);
  }
  return Status::Ok();
}

void FileChunkStore::CountWritten(uint64_t bytes) {
  const uint64_t every = options_.background_flush_bytes;
  const uint64_t before = written_bytes_.fetch_add(bytes);
  if (every == 0 || (before + bytes) / every == before / every) {
    return;
  }
  std::lock_guard lock(flush_mu_);
  if (flush_stop_) {
    return;
  }
  flush_requested_ = true;
  if (!flusher_.joinable()) {
    flusher_ = std::thread([this] { FlushLoop(); });
  }
  flush_cv_.notify_one();
}

void FileChunkStore::FlushLoop() {
  // Its own descriptor: the kernel reports a write error once per descriptor, and the commits'
  // flushes (on the LOCK's descriptor) must not miss one this thread saw first.
  Fd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const int open_error = fd.get() < 0 ? errno : 0;
  std::unique_lock lock(flush_mu_);
  while (true) {
    flush_cv_.wait(lock, [this] { return flush_stop_ || flush_requested_; });
    if (flush_stop_) {
      return;
    }
    flush_requested_ = false;
    lock.unlock();
    int err = open_error;
    if (err == 0 && ::syncfs(fd.get()) != 0) {
      err = errno;
    }
    background_flushes_.fetch_add(1);
    lock.lock();
    if (err != 0 && background_error_.ok()) {
      background_error_ =
          StoreIoError(ShownName(), "cannot flush its file system", root_, err);  // sticky
    }
  }
}

Status FileChunkStore::Publish(std::vector<StagedFile>& files) {
  GALLERY_RETURN_IF_ERROR(FlushFileSystem());
  for (StagedFile& f : files) {
    fs::path final_path = ChunkPath(f.digest);
    {
      std::lock_guard stripe(Stripe(f.digest));
      if (::rename(f.path.c_str(), final_path.c_str()) != 0) {
        return StoreIoError(ShownName(), "cannot rename a chunk file into place", final_path,
                            errno);
      }
      // rename does nothing when both names are links of one file (a staged link of a stored
      // chunk): the staged name goes here.
      if (f.maybe_link && ::unlink(f.path.c_str()) != 0 && errno != ENOENT) {
        return StoreIoError(ShownName(), "cannot remove a staged chunk file", f.path, errno);
      }
    }
    f.path.clear();
  }
  // Makes every folder that received a name durable at once.
  return FlushFileSystem();
}

namespace {

// Whether any fan-out folder under `root`/chunks holds an entry (false when there is none).
bool HasChunkFiles(const fs::path& root) {
  std::error_code ec;
  for (const auto& fan_out : fs::directory_iterator(root / "chunks", ec)) {
    if (fan_out.is_directory(ec) && !fs::is_empty(fan_out.path(), ec)) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<FileChunkStore>> FileChunkStore::Open(const fs::path& root,
                                                             ChunkStoreOptions options) {
  GALLERY_ASSIGN_OR_RETURN(StoreFolder folder,
                           OpenStoreFolder(root, options, [&] { return HasChunkFiles(root); }));
  std::unique_ptr<FileChunkStore> store(new FileChunkStore(root, options, std::move(folder)));
  const std::string shown = store->ShownName();
  GALLERY_ASSIGN_OR_RETURN(bool made_chunks, MakeDir(shown, root / "chunks"));
  GALLERY_ASSIGN_OR_RETURN(bool made_tmp, MakeDir(shown, root / "tmp"));
  GALLERY_ASSIGN_OR_RETURN(bool made_staged, MakeDir(shown, root / "staged"));
  bool made_fan_out = false;
  for (int i = 0; i < kFanOut; ++i) {
    GALLERY_ASSIGN_OR_RETURN(bool made, MakeDir(shown, store->FanOutDir(static_cast<uint8_t>(i))));
    made_fan_out = made_fan_out || made;
  }
  SpreadSubfolders(root / "tmp");
  SpreadSubfolders(root / "staged");
  // Leftovers of batches a crash interrupted (their folders; files of older versions): never
  // visible, removed now.
  const fs::path tmp = root / "tmp";
  Status unlink_status;
  GALLERY_RETURN_IF_ERROR(ForEachEntry(shown, tmp, [&](const char* name) {
    std::error_code ec;
    fs::remove_all(tmp / name, ec);
    if (ec && unlink_status.ok()) {
      unlink_status =
          StoreIoError(shown, "cannot remove a leftover temporary file", tmp / name, ec.value());
    }
  }));
  GALLERY_RETURN_IF_ERROR(unlink_status);
  // The folders just made must survive a crash before the first chunk is renamed into them.
  if (made_fan_out) {
    GALLERY_RETURN_IF_ERROR(FsyncDir(shown, root / "chunks"));
  }
  if (made_chunks || made_tmp || made_staged) {
    GALLERY_RETURN_IF_ERROR(FsyncDir(shown, root));
  }
  // Last, so that a folder with a marker is a whole store.
  GALLERY_RETURN_IF_ERROR(store->folder_.WriteMarkerIfNew());
  return store;
}

FileChunkStore::FileChunkStore(fs::path root, ChunkStoreOptions options, StoreFolder folder)
    : root_(std::move(root)),
      options_(options),
      clock_(options.clock),
      folder_(std::move(folder)),
      direct_io_(options.direct_io) {
  if (clock_ == nullptr) {
    own_clock_ = std::make_unique<SystemClock>();
    clock_ = own_clock_.get();
  }
}

FileChunkStore::~FileChunkStore() {
  {
    std::lock_guard lock(flush_mu_);
    flush_stop_ = true;
  }
  flush_cv_.notify_one();
  if (flusher_.joinable()) {
    flusher_.join();
  }
}

std::string FileChunkStore::ShownName() const { return folder_.shown(); }

fs::path FileChunkStore::FanOutDir(uint8_t first_byte) const {
  static constexpr char kHex[] = "0123456789abcdef";
  const char name[3] = {kHex[first_byte >> 4], kHex[first_byte & 0xf], '\0'};
  return root_ / "chunks" / name;
}

fs::path FileChunkStore::ChunkPath(const ChunkDigest& digest) const {
  return FanOutDir(digest[0]) / ToHex(digest);
}

std::mutex& FileChunkStore::Stripe(const ChunkDigest& digest) {
  return stripes_[digest[1] % stripes_.size()];
}

Status FileChunkStore::WriteChunkFile(const fs::path& path, std::span<const uint8_t> bytes) {
  std::vector<uint8_t> compressed;
  Encoding encoding = Encoding::kRaw;
  std::span<const uint8_t> payload = bytes;
  if (options_.compress) {
    compressed.resize(ZSTD_compressBound(bytes.size()));
    size_t n = ZSTD_compressCCtx(ThreadCompressor(), compressed.data(), compressed.size(),
                                 bytes.data(), bytes.size(), options_.compression_level);
    // Incompressible content (or a zstd failure) is stored raw: the header says which.
    if (!ZSTD_isError(n) && n < bytes.size()) {
      encoding = Encoding::kZstd;
      payload = {compressed.data(), n};
    }
  }
  // A raw chunk is its content alone (see the file format in file_chunk_store.h).
  std::array<uint8_t, kHeaderBytes> header_bytes = MakeHeader(encoding, bytes.size());
  const std::span<const uint8_t> header =
      encoding == Encoding::kRaw ? std::span<const uint8_t>() : std::span(header_bytes);
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  bool direct = direct_io_.load(std::memory_order_relaxed);
  Fd fd(::open(path.c_str(), kFlags | (direct ? O_DIRECT : 0), 0644));
  if (fd.get() < 0 && direct && errno == EINVAL) {
    direct_io_.store(false);  // the file system has no direct I/O (tmpfs)
    direct = false;
    fd = Fd(::open(path.c_str(), kFlags, 0644));
  }
  if (fd.get() < 0) {
    return StoreIoError(ShownName(), "cannot create a chunk file", path, errno);
  }
  Status s;
  if (direct) {
    const int err = WriteDirect(fd.get(), header, payload);
    if (err == EINVAL) {
      // Direct writes refused after all (alignment the file system wants bigger): write
      // through the page cache from now on.
      direct_io_.store(false);
      direct = false;
      (void)::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_DIRECT);
      if (::ftruncate(fd.get(), 0) != 0) {
        s = StoreIoError(ShownName(), "cannot truncate a chunk file", path, errno);
      }
    } else if (err != 0) {
      s = StoreIoError(ShownName(), "cannot write a chunk file", path, err);
    }
  }
  if (!direct && s.ok()) {
    s = WriteAll(ShownName(), fd.get(),
                 {iovec{const_cast<uint8_t*>(header.data()), header.size()},
                  iovec{const_cast<uint8_t*>(payload.data()), payload.size()}},
                 path);
  }
  if (s.ok() && own_clock_ == nullptr) {
    // The write time is the chunk's first use (rename keeps it); the kernel sets it already
    // when the clock is the system's.
    const struct timespec times[2] = {{0, UTIME_OMIT}, ToTimespec(clock_->Now())};
    if (::futimens(fd.get(), times) != 0) {
      s = StoreIoError(ShownName(), "cannot set the time of a chunk file", path, errno);
    }
  }
  if (!s.ok()) {
    ::unlink(path.c_str());
    return s;
  }
  CountWritten(payload.size());
  return s;
}

Result<bool> FileChunkStore::Contains(const ChunkDigest& digest) {
  const fs::path path = ChunkPath(digest);
  const struct timespec times[2] = {{0, UTIME_OMIT}, ToTimespec(clock_->Now())};
  // Refreshing the time is the existence test: one call, and atomic with RemoveIfUnused
  // (same stripe lock).
  std::lock_guard stripe(Stripe(digest));
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0) {
    return true;
  }
  if (errno == ENOENT) {
    return false;
  }
  return StoreIoError(ShownName(), "cannot refresh the time of a chunk file", path, errno);
}

namespace {

// Whether a chunk file of `size` bytes, open as `fd`, can hold `length` bytes of content: its
// content alone, or a header giving that length followed by the content or a zstd frame no
// larger than zstd's bound for it. Reads at most the header.
Result<bool> PlausibleChunkFile(std::string_view store, int fd, uint64_t size, uint64_t length,
                                const fs::path& path) {
  if (size == length && length > 0) {
    return true;  // a raw chunk is its content
  }
  if (size <= kHeaderBytes) {
    return false;
  }
  std::array<uint8_t, kHeaderBytes> header{};
  GALLERY_ASSIGN_OR_RETURN(bool complete, PreadAll(store, fd, header, 0, path));
  if (!complete || !HasHeader(header)) {
    return false;
  }
  uint64_t stated = 0;
  for (int i = 0; i < 8; ++i) {
    stated |= static_cast<uint64_t>(header[8 + i]) << (8 * i);
  }
  if (stated != length) {
    return false;
  }
  const uint64_t stored = size - kHeaderBytes;
  switch (static_cast<Encoding>(header[5])) {
    case Encoding::kRaw:
      return stored == length;
    case Encoding::kZstd:
      return stored <= ZSTD_compressBound(length);
  }
  return false;
}

}  // namespace

Result<bool> FileChunkStore::ContainsWhole(const ChunkDigest& digest, uint64_t length) {
  const fs::path path = ChunkPath(digest);
  std::lock_guard stripe(Stripe(digest));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return false;
    }
    return StoreIoError(ShownName(), "cannot open a chunk file", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return StoreIoError(ShownName(), "cannot stat a chunk file", path, errno);
  }
  GALLERY_ASSIGN_OR_RETURN(
      bool plausible,
      PlausibleChunkFile(ShownName(), fd.get(), static_cast<uint64_t>(st.st_size), length, path));
  if (!plausible) {
    // Damaged: gone, so that the caller writes it anew (a rename would replace it too, but a
    // batch may skip a chunk whose name exists).
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return StoreIoError(ShownName(), "cannot remove a damaged chunk file", path, errno);
    }
    return false;
  }
  const struct timespec times[2] = {{0, UTIME_OMIT}, ToTimespec(clock_->Now())};
  if (::futimens(fd.get(), times) != 0) {
    return StoreIoError(ShownName(), "cannot refresh the time of a chunk file", path, errno);
  }
  return true;
}

Result<std::vector<uint8_t>> FileChunkStore::Read(const ChunkDigest& digest) {
  return ReadChunkFile(ChunkPath(digest), digest);
}

namespace {

// The content a chunk file with a header holds, decoded; the caller verifies its digest.
Result<std::vector<uint8_t>> DecodeHeaded(std::string_view store, std::span<const uint8_t> file,
                                          const ChunkDigest& digest, const fs::path& path) {
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) {
    length |= static_cast<uint64_t>(file[8 + i]) << (8 * i);
  }
  if (length > kMaxChunkBytes) {
    return Damaged(store, digest, path, "implausible length");
  }
  const std::span<const uint8_t> stored = file.subspan(kHeaderBytes);
  std::vector<uint8_t> content;
  switch (static_cast<Encoding>(file[5])) {
    case Encoding::kRaw: {  // written before raw chunks lost their header
      if (stored.size() != length) {
        return Damaged(store, digest, path, "wrong length");
      }
      content.assign(stored.begin(), stored.end());
      break;
    }
    case Encoding::kZstd: {
      if (stored.size() > ZSTD_compressBound(length) ||
          ZSTD_getFrameContentSize(stored.data(), stored.size()) != length) {
        return Damaged(store, digest, path, "undecodable");
      }
      content.resize(length);
      size_t n = ZSTD_decompressDCtx(ThreadDecompressor(), content.data(), content.size(),
                                     stored.data(), stored.size());
      if (ZSTD_isError(n) || n != length) {
        return Damaged(store, digest, path, "undecodable");
      }
      break;
    }
    default:
      return Damaged(store, digest, path, "unknown encoding");
  }
  return content;
}

}  // namespace

Result<std::vector<uint8_t>> FileChunkStore::ReadChunkFile(const fs::path& path,
                                                           const ChunkDigest& digest) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return Status::NotFound("chunk " + ToHex(digest) + " is not in chunk store '" + ShownName() +
                              "'");
    }
    return StoreIoError(ShownName(), "cannot open a chunk file", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return StoreIoError(ShownName(), "cannot stat a chunk file", path, errno);
  }
  const std::string store = ShownName();
  const auto file_size = static_cast<uint64_t>(st.st_size);
  // Sizes are checked before allocating, so a damaged file costs no large allocation.
  if (file_size > kHeaderBytes + ZSTD_compressBound(kMaxChunkBytes)) {
    return Damaged(store, digest, path, "implausible length");
  }
  // The whole file in one read: a raw chunk is its content.
  std::vector<uint8_t> file(file_size);
  GALLERY_ASSIGN_OR_RETURN(bool complete, PreadAll(store, fd.get(), file, 0, path));
  if (!complete) {
    return Damaged(store, digest, path, "truncated");
  }
  std::optional<Status> undecodable;
  if (HasHeader(file)) {
    Result<std::vector<uint8_t>> decoded = DecodeHeaded(store, file, digest, path);
    if (decoded.ok() && DigestOf(*decoded) == digest) {
      return decoded;
    }
    if (!decoded.ok()) {
      undecodable = decoded.status();
    }
  }
  // A raw chunk is its content, which may also begin like a header by chance.
  if (DigestOf(file) == digest) {
    return file;
  }
  return undecodable.value_or(Damaged(store, digest, path, "content does not match its digest"));
}

std::unique_ptr<ChunkBatch> FileChunkStore::BeginBatch() {
  return std::make_unique<Batch>(*this, next_batch_id_++);
}

Result<std::unique_ptr<StagedBatch>> FileChunkStore::OpenStagedBatch(const std::string& name) {
  GALLERY_RETURN_IF_ERROR(CheckStagedName(name));
  bool verify = false;
  {
    std::lock_guard lock(staged_mu_);
    if (!staged_open_.insert(name).second) {
      return Status::FailedPrecondition("the staged batch '" + name + "' is open already");
    }
    verify = !staged_verified_.contains(name);
  }
  // Closes the name again when the open fails.
  auto abandon = [&](Status s) {
    std::lock_guard lock(staged_mu_);
    staged_open_.erase(name);
    return s;
  };
  const fs::path dir = root_ / "staged" / name;
  Result<bool> made = MakeDir(ShownName(), dir);
  if (!made.ok()) {
    return abandon(made.status());
  }
  std::set<ChunkDigest> held;
  std::vector<fs::path> drop;
  Status listed = ForEachEntry(ShownName(), dir, [&](const char* entry) {
    std::optional<ChunkDigest> digest = ParseDigest(entry);
    if (!digest.has_value()) {
      drop.push_back(dir / entry);  // a write a crash interrupted
    } else if (!verify || ReadChunkFile(dir / entry, *digest).ok()) {
      held.insert(*digest);
    } else {
      drop.push_back(dir / entry);
    }
  });
  if (!listed.ok()) {
    return abandon(listed);
  }
  for (const fs::path& path : drop) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return abandon(
          StoreIoError(ShownName(), "cannot remove an unfinished staged chunk file", path, errno));
    }
  }
  if (*made) {
    if (Status synced = FsyncDir(ShownName(), root_ / "staged"); !synced.ok()) {
      return abandon(synced);
    }
  }
  {
    std::lock_guard lock(staged_mu_);
    staged_verified_.insert(name);
  }
  auto batch = std::make_unique<Staged>(*this, name, dir, std::move(held));
  batch->MarkAllUncommitted();
  return std::unique_ptr<StagedBatch>(std::move(batch));
}

Status FileChunkStore::DiscardStagedBatch(const std::string& name) {
  GALLERY_RETURN_IF_ERROR(CheckStagedName(name));
  const fs::path dir = root_ / "staged" / name;
  std::error_code ec;
  if (!fs::exists(dir, ec) && !ec) {
    return Status::Ok();  // never opened, or discarded already
  }
  std::vector<fs::path> files;
  GALLERY_RETURN_IF_ERROR(
      ForEachEntry(ShownName(), dir, [&](const char* entry) { files.push_back(dir / entry); }));
  for (const fs::path& path : files) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return StoreIoError(ShownName(), "cannot remove a staged chunk file", path, errno);
    }
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    return StoreIoError(ShownName(), "cannot remove a staged batch's folder", dir, errno);
  }
  std::lock_guard lock(staged_mu_);
  staged_verified_.erase(name);
  return Status::Ok();
}

Result<std::vector<std::string>> FileChunkStore::ListStagedBatches() {
  std::vector<std::string> names;
  GALLERY_RETURN_IF_ERROR(ForEachEntry(ShownName(), root_ / "staged",
                                       [&](const char* entry) { names.emplace_back(entry); }));
  return names;
}

Status FileChunkStore::Remove(const ChunkDigest& digest) {
  const fs::path path = ChunkPath(digest);
  std::lock_guard stripe(Stripe(digest));
  if (::unlink(path.c_str()) == 0) {
    return Status::Ok();
  }
  if (errno == ENOENT) {
    return Status::NotFound("chunk " + ToHex(digest) + " is not in chunk store '" + ShownName() +
                            "'");
  }
  return StoreIoError(ShownName(), "cannot remove a chunk file", path, errno);
}

Result<std::optional<uint64_t>> FileChunkStore::RemoveIfUnused(const ChunkDigest& digest,
                                                               TimestampMs used_before) {
  const fs::path path = ChunkPath(digest);
  // Contains and Commit's renames take the same lock: the time read here is the latest, and
  // the file unlinked is the one it belongs to.
  std::lock_guard stripe(Stripe(digest));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return std::optional<uint64_t>();
    }
    return StoreIoError(ShownName(), "cannot stat a chunk file", path, errno);
  }
  if (MtimeMs(st) >= used_before) {
    return std::optional<uint64_t>();
  }
  if (::unlink(path.c_str()) != 0) {
    return StoreIoError(ShownName(), "cannot remove a chunk file", path, errno);
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(st.st_size));
}

Status FileChunkStore::Walk(
    const std::function<void(const ChunkDigest& digest, const struct stat& st)>& fn) {
  for (int i = 0; i < kFanOut; ++i) {
    const fs::path dir = FanOutDir(static_cast<uint8_t>(i));
    Status stat_status;
    GALLERY_RETURN_IF_ERROR(ForEachEntry(ShownName(), dir, [&](const char* name) {
      std::optional<ChunkDigest> digest = ParseDigest(name);
      if (!digest || (*digest)[0] != i || !stat_status.ok()) {
        return;  // not a chunk file
      }
      const fs::path path = dir / name;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) {  // removed meanwhile: skip
          stat_status = StoreIoError(ShownName(), "cannot stat a chunk file", path, errno);
        }
        return;
      }
      fn(*digest, st);
    }));
    GALLERY_RETURN_IF_ERROR(stat_status);
  }
  return Status::Ok();
}

Status FileChunkStore::ForEach(
    const std::function<void(const ChunkDigest& digest, TimestampMs last_used)>& fn) {
  return Walk([&](const ChunkDigest& digest, const struct stat& st) { fn(digest, MtimeMs(st)); });
}

Result<StoreUsage> FileChunkStore::Usage() {
  StoreUsage usage;
  GALLERY_RETURN_IF_ERROR(Walk([&](const ChunkDigest&, const struct stat& st) {
    ++usage.chunks;
    usage.stored_bytes += static_cast<uint64_t>(st.st_size);
  }));
  return usage;
}

}  // namespace gallery::storage
