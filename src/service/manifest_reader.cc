#include "service/manifest_reader.h"

#include "storage/manifest.h"
#include "storage/manifest_disk.h"

namespace gallery::service {

Result<std::unique_ptr<storage::VirtualDisk>> OpenManifest(metadata::MetadataStore& store,
                                                           storage::RegionStores& stores,
                                                           const std::string& manifest_id,
                                                           const std::string& owner) {
  std::optional<metadata::ManifestRecord> record;
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store.Begin(metadata::TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(record, tx->GetManifest(manifest_id));
  }
  if (!record.has_value()) {
    return Status::DataLoss("The manifest '" + manifest_id + "' of " + owner + " is missing.");
  }
  GALLERY_ASSIGN_OR_RETURN(storage::Manifest manifest, storage::DecodeManifest(record->body));
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * chunks, stores.For(record->region));
  return std::unique_ptr<storage::VirtualDisk>(
      std::make_unique<storage::ManifestDisk>(std::move(manifest), *chunks));
}

}  // namespace gallery::service
