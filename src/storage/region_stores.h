#pragma once
// RegionStores: the chunk stores of the regions by name (a region's first store is named like
// the region; domain::StoreLocation), each a folder: the configured path, or {root}/{name}.
// A store is opened on first use and kept open (a store holds a lock on its folder, so there
// is one per store per process). New stores are PackChunkStores; a folder that holds a
// FileChunkStore (one file per chunk, made by an earlier version) is opened as one.
//
// The root remembers every store opened through it (the file {root}/stores-used, one name per
// line, rewritten crash-safely before the store is first used). A store it remembers whose folder
// has neither a marker nor chunks is a disk that is not mounted (or was wiped), even when no
// manifest is recorded in it yet (its first replica was being copied): Open refuses it
// (ChunkStoreOptions::holds_data) instead of initialising it in the bare mount point.
//
//   RegionStores stores(data_dir / "stores", {}, {{"westus-2", "/mnt/b/westus"}});
//   GALLERY_ASSIGN_OR_RETURN(ChunkStore* store, stores.For("westus"));
//
// Thread-safe. The stores live as long as the RegionStores.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/file_chunk_store.h"
#include "storage/pack_chunk_store.h"

namespace gallery::storage {

// Whether the metadata records data (manifests) in the store named `name`.
using StoreHoldsData = std::function<Result<bool>(const std::string& name)>;

class RegionStores {
 public:
  // `paths` places stores elsewhere than {root}/{name}. `holds_data` (optional) says which
  // stores the metadata records data in, for stores the root does not remember (opened before
  // it remembered stores); such a store whose folder lost its marker and chunks is refused
  // too.
  explicit RegionStores(std::filesystem::path root, ChunkStoreOptions options = {},
                        std::map<std::string, std::filesystem::path> paths = {},
                        StoreHoldsData holds_data = {})
      : root_(std::move(root)),
        options_(options),
        paths_(std::move(paths)),
        holds_data_(std::move(holds_data)) {}

  // The store named `name`. InvalidArgument for a name that is not a plain folder name;
  // the store's Open errors (Unavailable naming the store when it cannot be used);
  // Unavailable when the root cannot record that the store is in use. A store that could not
  // be opened is tried again on the next call.
  Result<ChunkStore*> For(const std::string& name);
  // Why the store named `name` cannot be used: Ok when it is open, or has never been asked
  // for; otherwise tries again to open a store that failed before, and returns that error.
  Status Problem(const std::string& name);
  // The stores whose folder exists (opened or not), in name order.
  std::vector<std::string> Existing() const;
  // Where the store's folder is (whether or not it exists).
  std::filesystem::path PathOf(const std::string& name) const;

 private:
  std::filesystem::path root_;
  ChunkStoreOptions options_;
  std::map<std::string, std::filesystem::path> paths_;
  StoreHoldsData holds_data_;
  // Whether the store is in {root}/stores-used; loads the file on first use. Needs mu_.
  Result<bool> Remembered(const std::string& name);
  // Adds the store to {root}/stores-used (WriteFileAtomic). Needs mu_.
  Status Remember(const std::string& name);

  std::mutex mu_;
  std::optional<std::set<std::string>> used_;  // {root}/stores-used, once read
  std::map<std::string, std::unique_ptr<ChunkStore>> stores_;
  std::set<std::string> failed_;  // stores whose last open failed
};

}  // namespace gallery::storage
