#include "service/manifest_reader.h"

#include <algorithm>

#include "storage/manifest_disk.h"

namespace gallery::service {

ManifestReader::ManifestReader(metadata::MetadataStore& store, storage::RegionStores& stores,
                               size_t cached)
    : store_(store), stores_(stores), cached_(std::max<size_t>(1, cached)) {}

Result<ManifestReader::Decoded> ManifestReader::Find(const std::string& id,
                                                     const std::string& owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->id == id) {
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front();
      }
    }
  }
  std::optional<metadata::ManifestRecord> record;
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(record, tx->GetManifest(id));
  }
  if (!record.has_value()) {
    return Status::DataLoss("The manifest '" + id + "' of " + owner + " is missing.");
  }
  Result<storage::Manifest> manifest = storage::DecodeManifest(record->body);
  if (!manifest.ok()) {  // stored, so damaged
    return Status::DataLoss("The manifest '" + id + "' of " + owner +
                            " is damaged: " + manifest.status().message());
  }
  Decoded decoded{id, record->store,
                  std::make_shared<const storage::Manifest>(std::move(manifest).value())};
  std::lock_guard<std::mutex> lock(mu_);
  cache_.push_front(decoded);
  if (cache_.size() > cached_) {
    cache_.pop_back();
  }
  return decoded;
}

Result<std::unique_ptr<storage::VirtualDisk>> ManifestReader::Open(const std::string& manifest_id,
                                                                   const std::string& owner) {
  GALLERY_ASSIGN_OR_RETURN(Decoded decoded, Find(manifest_id, owner));
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * chunks, stores_.For(decoded.store));
  return std::unique_ptr<storage::VirtualDisk>(
      std::make_unique<storage::ManifestDisk>(std::move(decoded.manifest), *chunks));
}

}  // namespace gallery::service
