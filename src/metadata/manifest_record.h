#pragma once
// ManifestRecord: a manifest as the metadata store keeps it. The body is the storage layer's
// encoding (storage/manifest.h), opaque here so that metadata/ does not depend on storage/.

#include <cstdint>
#include <string>

#include "common/time.h"

namespace gallery::metadata {

struct ManifestRecord {
  std::string id;      // unique; a disk (or image, version replica) names its manifest by it
  std::string region;  // the region whose chunk store holds the chunks
  std::string body;    // opaque bytes
  TimestampMs created_at = 0;
  friend bool operator==(const ManifestRecord&, const ManifestRecord&) = default;
};

}  // namespace gallery::metadata
