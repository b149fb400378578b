#pragma once
// ManifestRecord: a manifest as the metadata store keeps it. The body is the storage layer's
// encoding (storage/manifest.h), opaque here so that metadata/ does not depend on storage/.

#include <cstdint>
#include <string>

#include "common/time.h"

namespace gallery::metadata {

struct ManifestRecord {
  std::string id;      // unique; a disk (or image, version replica) names its manifest by it
  std::string store;   // the chunk store that holds the chunks (region_stores.h names stores)
  std::string body;    // opaque bytes
  TimestampMs created_at = 0;
  friend bool operator==(const ManifestRecord&, const ManifestRecord&) = default;
};

// Bytes replication copied from one region to another (metadata_store.h: AddEgress).
struct EgressTotal {
  std::string source;  // region short names
  std::string target;
  int64_t bytes = 0;
  friend bool operator==(const EgressTotal&, const EgressTotal&) = default;
};

}  // namespace gallery::metadata
