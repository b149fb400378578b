#include "storage/region_stores.h"

#include <algorithm>
#include <cctype>

#include "common/file_util.h"
#include "common/log.h"

namespace gallery::storage {
namespace {

// In the root: the names of the stores opened through it, one per line.
constexpr char kUsedFile[] = "stores-used";

// A folder holding a store of one file per chunk (made by an earlier version) keeps that
// format; every other store, new ones included, is a pack store (pack_chunk_store.h says why).
Result<std::unique_ptr<ChunkStore>> OpenStore(const std::filesystem::path& path,
                                              const ChunkStoreOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path / "chunks", ec) && !PackChunkStore::IsPackStore(path)) {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<FileChunkStore> store,
                             FileChunkStore::Open(path, options));
    return std::unique_ptr<ChunkStore>(std::move(store));
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<PackChunkStore> store,
                           PackChunkStore::Open(path, options));
  return std::unique_ptr<ChunkStore>(std::move(store));
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
  ChunkStoreOptions options = options_;
  options.name = region;
  options.holds_data = [this, region]() -> Result<bool> {
    GALLERY_ASSIGN_OR_RETURN(bool remembered, Remembered(region));
    if (remembered || !holds_data_) {
      return remembered;
    }
    return holds_data_(region);
  };
  Result<std::unique_ptr<ChunkStore>> store = OpenStore(PathOf(region), options);
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
    Result<std::string> read = ReadFile(root_ / kUsedFile);
    if (!read.ok() && read.status().code() != StatusCode::kNotFound) {
      return Status::Unavailable("cannot read the list of chunk stores in use");
    }
    const std::string text = read.ok() ? *read : std::string();
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
  std::string list;
  for (const std::string& used : *used_) {
    list += used + "\n";
  }
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  // Rewritten whole, crash-safe: the list is a line per store.
  if (Status written = WriteFileAtomic(root_ / kUsedFile, list + name + "\n"); !written.ok()) {
    GLOG_WARN("{}", written.ToString());  // the path is for the server log only
    return Status::Unavailable("cannot record that chunk store '" + name + "' is in use");
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
