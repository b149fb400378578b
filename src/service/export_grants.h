#pragma once
// ExportGrants: Read access to the data of managed images and image versions, the way a disk's
// beginGetAccess gives it (a Gallery extension of ARM):
//
//   POST {image or version id}/beginGetAccess {"access":"Read","durationInSeconds":N,"lun":n}
//        -> a durable, already Succeeded Operation whose result is {"accessSAS": url}
//   POST {image or version id}/endGetAccess
//        -> revokes every grant of the resource (a Succeeded Operation), or with a grant id
//           only that grant (another reader's download goes on)
//
// The URL (https://HOST:PORT/exports/{grantId}?sv=..&si={grantId}&sp=r&se=..&sig=..) serves the
// chosen disk (the OS disk, or the data disk with `lun`) as a fixed VHD through the blob data
// plane (api/blob_api.h), signed by the disks' AccessSigner. Grants are rows of the metadata
// store (domain/export_grant.h), so URLs survive restarts; expired ones are pruned when a new
// one is given.
//
// Access: exporting is a read. Both calls need the resource's read action
// (Microsoft.Compute/images/read, Microsoft.Compute/galleries/images/versions/read), checked
// like a GET (403 AuthorizationFailed, 404 for what does not exist). Errors: those of
// domain::ExportedManifest and domain::NewExportGrant; InvalidArgument (InvalidResourceType)
// for a resource of another type. Thread-safe.

#include <memory>
#include <optional>
#include <string>

#include "access/access_signature.h"
#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/export_grant.h"
#include "domain/operation.h"
#include "metadata/metadata_store.h"
#include "service/gallery_service.h"
#include "service/manifest_reader.h"
#include "service/request_context.h"
#include "storage/region_stores.h"
#include "storage/virtual_disk.h"

namespace gallery::service {

// What an export URL reads: the disk's bytes and what the data plane says about them.
struct ExportedDisk {
  std::unique_ptr<storage::VirtualDisk> bytes;
  std::string manifest_id;
  // The footer of the VHD the disk came from (empty when unknown): exported as it is, so the
  // download is that VHD byte for byte.
  std::string vhd_footer;
  TimestampMs created_at = 0;  // the resource's: a new footer's timestamp, when none is kept
  TimestampMs updated_at = 0;  // the resource's: Last-Modified
};

class ExportGrants {
 public:
  // The URL path prefix of export URLs (/exports/{grantId}).
  static constexpr char kUrlPrefix[] = "exports/";

  // References must outlive the object.
  ExportGrants(metadata::MetadataStore& store, GalleryService& gallery,
               const access::AccessSigner& signer, storage::RegionStores& stores,
               const Clock& clock, Random& random)
      : store_(store),
        gallery_(gallery),
        signer_(signer),
        manifests_(store, stores),
        clock_(clock),
        random_(random) {}

  // ---- ARM
  Result<domain::Operation> BeginGetAccess(const RequestContext& ctx, const ResourceId& id,
                                           const domain::ExportAccessInput& in);
  // Revokes every grant of the resource, or only `grant_id` when given (nothing when the
  // resource has no grant with that id).
  Result<domain::Operation> EndGetAccess(const RequestContext& ctx, const ResourceId& id,
                                         const std::optional<std::string>& grant_id = std::nullopt);
  // The accessSAS of a BeginGetAccess operation of an image or version the caller may read, on
  // `base_url` ("https://host:port"). FailedPrecondition (OperationNotAllowed) when the grant
  // was revoked (or pruned after it expired).
  Result<std::string> AccessUrlOf(const RequestContext& ctx, const domain::Operation& op,
                                  const std::string& base_url);

  // ---- blob data plane (api/blob_api.h checks the URL's signature first)
  const access::AccessSigner& signer() const { return signer_; }
  // The grant with `grant_id`; nullopt when there is none (never given, revoked, pruned).
  Result<std::optional<domain::ExportGrant>> Find(const std::string& grant_id);
  // The bytes `grant` names; nullopt when its resource no longer holds that manifest (deleted,
  // or recreated with other data). DataLoss when the manifest is missing though the resource
  // names it; the store's errors otherwise.
  Result<std::optional<ExportedDisk>> Open(const domain::ExportGrant& grant);

 private:
  // A Succeeded operation of `kind` on `resource`, started and ended now.
  domain::Operation DoneOperation(const RequestContext& ctx, const metadata::Resource& resource,
                                  domain::OperationKind kind);

  metadata::MetadataStore& store_;
  GalleryService& gallery_;
  const access::AccessSigner& signer_;
  ManifestReader manifests_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace gallery::service
