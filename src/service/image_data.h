#pragma once
// ImageData: the bytes behind managed images and image versions.
//
// Each disk of a managed image (the OS disk and every data disk) and of an image version is a
// manifest (storage/manifest.h) in the metadata store's `manifests` table, whose chunks live in
// the chunk store of the resource's region. A manifest belongs to exactly one resource and is
// deleted with it; the chunks are shared and freed by garbage collection.
//
// Where an image's data comes from:
//  - a managed disk, sealed (Unattached) in the image's region: its manifest is copied (a new
//    record with the same body; no chunk is read or written), at PUT time;
//  - a blob on this server's storage-account endpoint (domain/blob_uri.h): the blob is opened as
//    a VHD (storage/disk_image.h) and ingested into the region's store in the image's
//    long-running operation (service/image_ingest_worker.h);
// and a version copies its image's manifests when it is created.
//
// Thread-safe: the stores and options are fixed after construction, but for the endpoints,
// which are set once the server listens, before requests arrive.

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/blob_uri.h"
#include "domain/gallery_image_version.h"
#include "domain/managed_image.h"
#include "metadata/metadata_store.h"
#include "storage/chunk_store.h"
#include "storage/ingest.h"
#include "storage/manifest.h"

namespace gallery::service {

// The chunk store of a region (its short name); NotFound/Unavailable when there is none.
using StoreForRegion = std::function<Result<storage::ChunkStore*>(const std::string& region)>;

struct ImageDataOptions {
  // Where tenants' storage-account blobs live (storage/account_blobs.h).
  std::filesystem::path blobs_root;
  storage::IngestOptions ingest;
};

class ImageData {
 public:
  // `random` names new manifests; it and the stores must outlive this object.
  ImageData(StoreForRegion stores, ImageDataOptions options, Random& random);

  // The "https://HOST:PORT" prefixes under which this server's blob endpoint is reached; the
  // first is the one error messages name. Set before requests arrive.
  void SetBlobEndpoints(std::vector<std::string> endpoints) { endpoints_ = std::move(endpoints); }
  const std::vector<std::string>& blob_endpoints() const { return endpoints_; }

  // The blob a disk's blobUri names on this server (InvalidArgument naming this server's
  // endpoint otherwise; see domain::ParseServedBlobUri).
  Result<domain::BlobLocation> ServedBlob(const std::string& uri, const std::string& field) const;
  // The file of a tenant's blob.
  std::filesystem::path BlobPath(const std::string& tenant, const domain::BlobLocation& at) const;

  // A new manifest record of `region` with the body of `manifest_id` (shared, not copied),
  // recorded at `now`; returns its id. NotFound (reason "ManifestNotFound") when the source
  // record is missing.
  Result<std::string> CopyManifest(metadata::Transaction& tx, const std::string& manifest_id,
                                   const std::string& region, TimestampMs now);
  // The virtual size of the disk that manifest `manifest_id` describes: `recorded` when it is
  // known (> 0), as a disk or image records it, since decoding the manifest reads its whole
  // chunk list (up to 105 MB for a 100 GiB disk) inside the caller's write transaction.
  // Otherwise decoded: NotFound (reason "ManifestNotFound") when it is missing, DecodeManifest's
  // error when its body does not decode.
  Result<int64_t> ManifestSize(metadata::Transaction& tx, const std::string& manifest_id,
                               int64_t recorded) const;

  // Gives `version` its own copy of each manifest of `image` (OS disk and data disks, matched
  // by position), with their sizes. Disks of the image without data are left without.
  Status CopyImageManifests(metadata::Transaction& tx, const domain::ManagedImage& image,
                            domain::GalleryImageVersion* version, TimestampMs now);

  // A blob read into a region's store: its manifest and the VHD footer it ended with (the
  // 512 bytes as stored; a dynamic VHD's footer becomes a fixed one on export).
  struct IngestedBlob {
    storage::Manifest manifest;
    std::string vhd_footer;
  };
  // Reads the tenant's blob as a VHD and writes its chunks into the region's store; the
  // manifest is returned, to be committed with CommitManifest. InvalidArgument with the
  // parser's message for a malformed VHD; InvalidArgument (reason "InvalidParameter") when the
  // blob does not exist; the store's errors otherwise.
  Result<IngestedBlob> IngestBlob(const std::string& tenant, const domain::BlobLocation& at,
                                  const std::string& region,
                                  const std::function<void(uint64_t, uint64_t)>& progress,
                                  std::atomic<bool>* cancel);
  // Records `manifest` (whose chunks are durable) in `region`; returns its new id.
  Result<std::string> CommitManifest(metadata::Transaction& tx, const storage::Manifest& manifest,
                                     const std::string& region);

 private:
  StoreForRegion stores_;
  ImageDataOptions options_;
  Random& random_;
  std::vector<std::string> endpoints_;
};

// The manifests a resource owns (a disk's, an image's, a version's disks'; none for other
// types), for deleting them with it.
std::vector<std::string> ManifestsOf(const metadata::Resource& resource);

// The VHD footer kept with the disk of `resource` whose manifest is `manifest_id` (an image's
// or version's disk, or a disk); empty when none is kept.
std::string VhdFooterOf(const metadata::Resource& resource, const std::string& manifest_id);

// Deletes the manifests `resource` owns; missing ones are skipped.
Status DeleteManifestsOf(metadata::Transaction& tx, const metadata::Resource& resource);

}  // namespace gallery::service
