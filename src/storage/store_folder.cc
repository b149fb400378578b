#include "storage/store_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "common/file_util.h"
#include "common/log.h"
#include "storage/io_error.h"

namespace gallery::storage {

namespace fs = std::filesystem;

std::string ShownStoreName(const ChunkStoreOptions& options, const fs::path& root) {
  return options.name.empty() ? root.string() : options.name;
}

Status StoreIoError(std::string_view store, std::string_view what, const fs::path& path, int err) {
  return PathlessIoError("chunk store '" + std::string(store) + "'", what, path, err);
}

Status DamagedChunk(std::string_view store, const ChunkDigest& digest, std::string_view where,
                    std::string_view why) {
  GLOG_WARN("chunk store '{}': chunk {} at {} is damaged ({})", store, ToHex(digest), where, why);
  return Status::DataLoss("chunk " + ToHex(digest) + " in chunk store '" + std::string(store) +
                          "' is damaged (" + std::string(why) + ")");
}

Status FsyncDir(std::string_view store, const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return StoreIoError(store, "cannot open a folder", dir, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return StoreIoError(store, "cannot flush a folder", dir, errno);
  }
  return Status::Ok();
}

Result<bool> MakeDir(std::string_view store, const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) {
    return true;
  }
  if (errno != EEXIST) {
    return StoreIoError(store, "cannot create a folder", dir, errno);
  }
  return false;
}

Status ForEachEntry(std::string_view store, const fs::path& dir,
                    const std::function<void(const char* name)>& fn) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return StoreIoError(store, "cannot list a folder", dir, errno);
  }
  errno = 0;
  while (struct dirent* entry = ::readdir(d)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
      fn(entry->d_name);
    }
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  return err == 0 ? Status::Ok() : StoreIoError(store, "cannot list a folder", dir, err);
}

Status CheckStagedName(const std::string& name) {
  const bool plain =
      !name.empty() && name.size() <= 128 && name != "." && name != ".." &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  if (!plain) {
    return Status::InvalidArgument("'" + name + "' is not a staged batch name");
  }
  return Status::Ok();
}

std::span<uint8_t> AlignedScratch(size_t size) {
  struct Scratch {
    uint8_t* data = nullptr;
    size_t size = 0;
    ~Scratch() { std::free(data); }
  };
  thread_local Scratch scratch;
  if (scratch.size < size) {
    std::free(scratch.data);
    const size_t rounded = (size + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
    scratch.data = static_cast<uint8_t*>(std::aligned_alloc(kDirectAlign, rounded));
    scratch.size = scratch.data == nullptr ? 0 : rounded;
  }
  return {scratch.data, scratch.size};
}

namespace {

struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

constexpr std::string_view kMarkerFile = "STORE";
constexpr std::string_view kMarkerFirstLine = "gallery chunk store\n";

std::string MarkerText(const std::string& name) {
  return std::string(kMarkerFirstLine) + "name " + name + "\n";
}

// Checks the STORE marker of the folder at `root`; whether one must be written. A store's disk
// that is not mounted looks exactly like a new empty store (its mount point is an empty
// folder, or the store's folder is missing); only the metadata can tell them apart, so it is
// asked when the folder has neither a marker nor chunks.
Result<bool> CheckMarker(const fs::path& root, const ChunkStoreOptions& options,
                         const std::function<bool()>& has_chunks) {
  const std::string shown = ShownStoreName(options, root);
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_directory(root, ec)) {
    return Status::Unavailable("the path configured for chunk store '" + shown +
                               "' is not a folder; correct the configuration or move what is "
                               "in the way");
  }
  Result<std::string> marker = ReadFile(root / kMarkerFile);
  if (marker.ok()) {
    // A marker written without a name (tools, tests) fits any store.
    if (!options.name.empty() && marker->starts_with(kMarkerFirstLine) &&
        *marker != MarkerText("") && *marker != MarkerText(options.name)) {
      return Status::FailedPrecondition(
          "the folder configured for chunk store '" + shown +
          "' holds another store; correct the store's path in the configuration");
    }
    return false;
  }
  if (marker.status().code() != StatusCode::kNotFound) {
    return Status::Unavailable("cannot read the identity marker of chunk store '" + shown + "'");
  }
  if (has_chunks() || !options.holds_data) {
    return true;  // a new store, or one initialised before stores had markers
  }
  GALLERY_ASSIGN_OR_RETURN(bool holds_data, options.holds_data());
  if (holds_data) {
    return Status::Unavailable(
        "chunk store '" + shown +
        "' is missing: its folder has no store marker and no chunks, although galleryd has used "
        "it (replicas, images or copies are recorded in it). Its disk is probably not mounted; "
        "mount it (or restore the store) and retry. Nothing was written there.");
  }
  return true;
}

}  // namespace

ZSTD_CCtx_s* ThreadCompressor() { return ThreadZstd().c; }
ZSTD_DCtx_s* ThreadDecompressor() { return ThreadZstd().d; }

Status StoreFolder::WriteMarkerIfNew() {
  if (!write_marker_) {
    return Status::Ok();
  }
  if (Status written = WriteFileAtomic(root_ / kMarkerFile, MarkerText(name_)); !written.ok()) {
    GLOG_WARN("chunk store '{}': {}", shown_, written.ToString());  // names the path
    return Status(written.code(), "chunk store '" + shown_ + "': cannot write its STORE marker");
  }
  write_marker_ = false;
  return Status::Ok();
}

Result<StoreFolder> OpenStoreFolder(const fs::path& root, const ChunkStoreOptions& options,
                                    const std::function<bool()>& has_chunks) {
  GALLERY_ASSIGN_OR_RETURN(const bool write_marker, CheckMarker(root, options, has_chunks));
  const std::string shown = ShownStoreName(options, root);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return StoreIoError(shown, "cannot create its folder", root, ec.value());
  }
  const fs::path lock_path = root / "LOCK";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return StoreIoError(shown, "cannot open its LOCK file", lock_path, errno);
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(lock_fd);
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition("chunk store '" + shown +
                                        "' is already open (its LOCK is held)");
    }
    return StoreIoError(shown, "cannot lock its LOCK file", lock_path, err);
  }
  return StoreFolder(root, options.name, shown, lock_fd, write_marker);
}

}  // namespace gallery::storage
