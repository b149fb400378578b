#include "storage/region_stores.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "storage/posix_io.h"

namespace gallery::storage {
namespace {

// In the root: the names of the stores opened through it, one per line.
constexpr char kUsedFile[] = "stores-used";

Status CannotRead(int error) {
  return Status::Unavailable(std::string("cannot read the list of chunk stores in use: ") +
                             std::strerror(error));
}

}  // namespace

std::filesystem::path RegionStores::PathOf(const std::string& name) const {
  auto configured = paths_.find(name);
  return configured != paths_.end() ? configured->second : root_ / name;
}

Result<ChunkStore*> RegionStores::For(const std::string& region) {
  // Store names come from the catalog, but they name a folder: never let one climb out.
  bool plain = !region.empty() && region != "." && region != "..";
  for (char c : region) {
    plain = plain &&
            (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.');
  }
  if (!plain) {
    return Status::InvalidArgument("'" + region + "' is not a region store name");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stores_.find(region);
  if (it != stores_.end()) {
    return static_cast<ChunkStore*>(it->second.get());
  }
  FileChunkStoreOptions options = options_;
  options.name = region;
  options.holds_data = [this, region]() -> Result<bool> {
    GALLERY_ASSIGN_OR_RETURN(bool remembered, Remembered(region));
    if (remembered || !holds_data_) {
      return remembered;
    }
    return holds_data_(region);
  };
  Result<std::unique_ptr<FileChunkStore>> store = FileChunkStore::Open(PathOf(region), options);
  Status usable = store.status();
  if (usable.ok()) {
    usable = Remember(region);  // on failure the store closes again, releasing its folder
  }
  if (!usable.ok()) {
    failed_.insert(region);
    return usable;
  }
  failed_.erase(region);
  ChunkStore* raw = store->get();
  stores_.emplace(region, std::move(*store));
  return raw;
}

Result<bool> RegionStores::Remembered(const std::string& name) {
  if (!used_.has_value()) {
    std::set<std::string> used;
    Fd fd(::open((root_ / kUsedFile).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 && errno != ENOENT) {
      return CannotRead(errno);
    }
    std::string text;
    for (char buffer[4096]; fd.get() >= 0;) {
      const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return CannotRead(errno);
      }
      if (n == 0) {
        break;
      }
      text.append(buffer, static_cast<size_t>(n));
    }
    // A line cut short by a crash names no store that was used: its store was not yet opened.
    for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      used.insert(text.substr(start, end - start));
    }
    used_ = std::move(used);
  }
  return used_->contains(name);
}

Status RegionStores::Remember(const std::string& name) {
  GALLERY_ASSIGN_OR_RETURN(bool remembered, Remembered(name));
  if (remembered) {
    return Status::Ok();
  }
  const std::string line = name + "\n";
  const std::filesystem::path path = root_ / kUsedFile;
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  const bool durable =
      fd.get() >= 0 &&
      ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
      ::fdatasync(fd.get()) == 0;
  if (!durable) {
    return Status::Unavailable("cannot record that chunk store '" + name +
                               "' is in use: " + std::strerror(errno));
  }
  used_->insert(name);
  return Status::Ok();
}

Status RegionStores::Problem(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.contains(name)) {
      return Status::Ok();
    }
  }
  return For(name).status();
}

std::vector<std::string> RegionStores::Existing() const {
  std::vector<std::string> regions;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    if (entry.is_directory(ec)) {
      regions.push_back(entry.path().filename().string());
    }
  }
  for (const auto& [name, path] : paths_) {
    if (std::filesystem::is_directory(path, ec) &&
        std::find(regions.begin(), regions.end(), name) == regions.end()) {
      regions.push_back(name);
    }
  }
  std::sort(regions.begin(), regions.end());
  return regions;
}

}  // namespace gallery::storage
