#pragma once
// OpenManifest: the bytes a committed manifest describes, as a VirtualDisk reading (and
// verifying) the chunks of its region's store. The one way the data plane reads a disk's, an
// image's or a version's bytes.
//
//   GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<storage::VirtualDisk> disk,
//                            OpenManifest(store, stores, id, "disk 'd1'"));

#include <memory>
#include <string>

#include "common/result.h"
#include "metadata/metadata_store.h"
#include "storage/region_stores.h"
#include "storage/virtual_disk.h"

namespace gallery::service {

// `owner` names the resource that refers to the manifest, for messages. DataLoss when no
// manifest has the id (the owner promised it) or its body does not decode; the region store's
// errors. Reads of the result are DataLoss when a chunk fails verification. `stores` must
// outlive the result.
Result<std::unique_ptr<storage::VirtualDisk>> OpenManifest(metadata::MetadataStore& store,
                                                           storage::RegionStores& stores,
                                                           const std::string& manifest_id,
                                                           const std::string& owner);

}  // namespace gallery::service
