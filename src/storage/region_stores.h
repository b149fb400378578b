#pragma once
// RegionStores: the chunk store of each region, {root}/{region}, opened on first use and kept
// open (a FileChunkStore holds a lock on its folder, so there is one per region per process).
//
//   RegionStores stores(data_dir / "stores");
//   GALLERY_ASSIGN_OR_RETURN(ChunkStore* store, stores.For("westus"));
//
// Thread-safe. The stores live as long as the RegionStores.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/file_chunk_store.h"

namespace gallery::storage {

class RegionStores {
 public:
  explicit RegionStores(std::filesystem::path root, FileChunkStoreOptions options = {})
      : root_(std::move(root)), options_(options) {}

  // The store of `region` (a catalog short name). InvalidArgument for a name that is not a
  // plain folder name; FileChunkStore::Open's errors.
  Result<ChunkStore*> For(const std::string& region);
  // The regions that have a store folder (opened or not), in name order.
  std::vector<std::string> Existing() const;

 private:
  std::filesystem::path root_;
  FileChunkStoreOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<FileChunkStore>> stores_;
};

}  // namespace gallery::storage
