#include "storage/region_stores.h"

#include <algorithm>
#include <cctype>

namespace gallery::storage {

std::filesystem::path RegionStores::PathOf(const std::string& name) const {
  auto configured = paths_.find(name);
  return configured != paths_.end() ? configured->second : root_ / name;
}

Result<ChunkStore*> RegionStores::For(const std::string& region) {
  // Store names come from the catalog, but they name a folder: never let one climb out.
  bool plain = !region.empty() && region != "." && region != "..";
  for (char c : region) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                      c == '_' || c == '.');
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
  if (holds_data_) {
    options.holds_data = [this, region] { return holds_data_(region); };
  }
  Result<std::unique_ptr<FileChunkStore>> store = FileChunkStore::Open(PathOf(region), options);
  if (!store.ok()) {
    failed_.insert(region);
    return store.status();
  }
  failed_.erase(region);
  ChunkStore* raw = store->get();
  stores_.emplace(region, std::move(*store));
  return raw;
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
