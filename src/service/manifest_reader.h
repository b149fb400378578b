#pragma once
// ManifestReader: the bytes a committed manifest describes, as a VirtualDisk reading (and
// verifying) the chunks of its region's store. The one way the data plane reads a disk's, an
// image's or a version's bytes.
//
//   ManifestReader manifests(store, stores);
//   GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<storage::VirtualDisk> disk,
//                            manifests.Open(id, "disk 'd1'"));
//
// A download is many ranged requests of one manifest, and a manifest never changes under its
// id: the most recently opened decoded manifests are kept, so each request no longer reads and
// decodes the whole manifest (512 KiB for a full 2 GiB disk) again. The callers decide
// whether a manifest may still be read (its resource exists and names it). Thread-safe.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "metadata/metadata_store.h"
#include "storage/manifest.h"
#include "storage/region_stores.h"
#include "storage/virtual_disk.h"

namespace gallery::service {

class ManifestReader {
 public:
  static constexpr size_t kDefaultCached = 16;

  // Both must outlive the reader and the disks it opens. `cached` >= 1.
  ManifestReader(metadata::MetadataStore& store, storage::RegionStores& stores,
                 size_t cached = kDefaultCached);

  // `owner` names the resource that refers to the manifest, for messages. DataLoss when no
  // manifest has the id (the owner promised it) or its body does not decode; the region
  // store's errors. Reads of the result are DataLoss when a chunk fails verification.
  Result<std::unique_ptr<storage::VirtualDisk>> Open(const std::string& manifest_id,
                                                     const std::string& owner);

 private:
  struct Decoded {
    std::string id;
    std::string store;
    std::shared_ptr<const storage::Manifest> manifest;
  };
  // The decoded manifest `id`, from the cache or the metadata store.
  Result<Decoded> Find(const std::string& id, const std::string& owner);

  metadata::MetadataStore& store_;
  storage::RegionStores& stores_;
  const size_t cached_;
  std::mutex mu_;
  std::list<Decoded> cache_;  // most recently used first
};

}  // namespace gallery::service
