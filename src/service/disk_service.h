#pragma once
// DiskService: managed disks made by upload, their access grants, and sealing an upload into
// the region's chunk store.
//
//   PUT disk (createOption Upload)      -> ReadyToUpload, an empty upload blob of the size
//   BeginGetAccess Write                 -> ActiveUpload, a signed URL (blob data plane)
//   (page writes through the URL)        -> whole chunks are hashed and staged in the region's
//                                           store as they arrive (storage/upload_blob.h)
//   EndGetAccess                         -> seal: the blob is validated as a VHD, its staged
//                                           chunks committed and the rest ingested; the disk
//                                           becomes Unattached with its manifest
//   BeginGetAccess Read / EndGetAccess   -> ActiveSAS / Unattached (concurrent readers each hold
//                                           a grant; ending one leaves the others)
//
// PUT, GET, LIST and DELETE are synchronous (a PUT on an existing disk changes tags only).
// BeginGetAccess and EndGetAccess return a durable Operation (the API answers 202 with
// Azure-AsyncOperation): a grant and a revocation complete at once; a seal is InProgress until
// the sealer finishes it (a worker thread, not the operation runner's), is tried again when it
// fails on I/O (DiskServiceOptions::seal_attempts) and is resumed by Start() after a restart. A
// seal whose blob is not a valid VHD fails the operation with the parser's InvalidArgument message,
// puts the disk back in ReadyToUpload with its bytes kept (fix the ranges, grant Write again, seal
// again) and writes no chunk.
//
// Access: like GalleryService, every call first checks its ARM action at the disk
// (Microsoft.Compute/disks/read|write|delete, .../beginGetAccess/action,
// .../endGetAccess/action); refusals are 403 AuthorizationFailed (access_guard.h).
// Errors: NotFound (SubscriptionNotFound, ResourceGroupNotFound, ResourceNotFound);
// InvalidArgument (the rules'); FailedPrecondition OperationNotAllowed for a grant or delete
// the disk's state does not allow, or a change while a seal runs. Thread-safe.

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "access/access_signature.h"
#include "access/authorizer.h"
#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/disk.h"
#include "domain/operation.h"
#include "domain/put_condition.h"
#include "metadata/metadata_store.h"
#include "service/access_guard.h"
#include "service/disk_service_options.h"
#include "service/gallery_service.h"
#include "service/manifest_reader.h"
#include "service/operation_progress.h"
#include "service/request_context.h"
#include "storage/ingest.h"
#include "storage/page_blob.h"
#include "storage/region_stores.h"
#include "storage/upload_blob.h"
#include "storage/virtual_disk.h"

namespace gallery::service {

// An operation of a disk and the disk as it is after it was accepted.
struct DiskOperation {
  domain::Disk disk;
  domain::Operation operation;
  // EndGetAccess: the seal it started succeeded within seal_answer_wait_ms (the API answers 200).
  bool sealed_at_once = false;
};

class DiskService final : public OperationProgress {
 public:
  // References must outlive the service. `gallery` provides the region catalog, the limits,
  // lists and operation lookups; `signal` is told of each seal's end (the activity log).
  DiskService(metadata::MetadataStore& store, GalleryService& gallery, OperationSignal& signal,
              access::Authorizer& authorizer, const access::AccessSigner& signer,
              storage::RegionStores& stores, const Clock& clock, Random& random,
              DiskServiceOptions options);
  ~DiskService() override;

  // Starts the sealer and resumes the seals a stopped galleryd left InProgress; removes upload
  // blobs and staged chunks no disk refers to any more.
  Status Start();
  // Stops the sealer (a running seal is abandoned and resumed by the next Start()).
  void Stop();

  // ---- ARM
  // Creates (created = true) or updates the tags of a disk. kMerge (PATCH) requires the disk.
  // `condition` is checked in the write's transaction: of two PUTs kIfAbsent of the same new
  // disk at once, one creates it and the other fails FailedPrecondition (reason
  // kPreconditionFailedReason); kIfExists likewise when the disk does not exist.
  Result<Accepted<domain::Disk>> Put(const RequestContext& ctx, const ResourceId& id,
                                     const domain::DiskInput& in, domain::UpdateMode mode,
                                     domain::PutCondition condition = domain::PutCondition::kNone);
  Result<domain::Disk> Get(const RequestContext& ctx, const ResourceId& id);
  Result<Page<domain::Disk>> List(const RequestContext& ctx, const ListScope& scope,
                                  const std::string& page_token);
  // Deletes the disk, its manifest and upload blob; false when it was not there.
  Result<bool> Delete(const RequestContext& ctx, const ResourceId& id);
  Result<DiskOperation> BeginGetAccess(const RequestContext& ctx, const ResourceId& id,
                                       const domain::DiskAccessInput& in);
  // Ends every grant of the disk (no `grant_id`: az disk revoke-access) or only the grant
  // `grant_id` (the `si` of its URL; nothing when the disk has no such grant). An upload is
  // sealed, and a disk in ActiveSAS becomes Unattached, only when no grant remains. A seal
  // returns its operation as it is when the seal ended or seal_answer_wait_ms passed.
  Result<DiskOperation> EndGetAccess(const RequestContext& ctx, const ResourceId& id,
                                     const std::optional<std::string>& grant_id = std::nullopt);

  // The accessSAS of a BeginGetAccess operation the caller may read: the URL of the grant it
  // created, on `base_url` ("https://host:port"). FailedPrecondition (OperationNotAllowed) when
  // that grant was revoked or replaced since.
  Result<std::string> AccessUrlOf(const RequestContext& ctx, const domain::Operation& op,
                                  const std::string& base_url);
  // How far a running seal is (OperationProgress).
  std::optional<int> PercentOf(const std::string& operation_id) const override;

  // The signed URL of `grant`, one of the disk's grants.
  std::string AccessUrl(const domain::Disk& disk, const domain::DiskAccessGrant& grant,
                        const std::string& base_url) const;

  // ---- blob data plane (api/blob_api.h checks the URL; these only find and move bytes)
  // The disk whose uniqueId is `unique_id`; nullopt when none.
  Result<std::optional<domain::Disk>> FindByUniqueId(const std::string& unique_id);
  // The upload blob of a disk being uploaded (kept open while the disk may be written).
  Result<std::shared_ptr<storage::PageBlob>> OpenUpload(const domain::Disk& disk);
  // The bytes of a sealed disk, verified as they are read.
  Result<std::unique_ptr<storage::VirtualDisk>> OpenSealedDisk(const domain::Disk& disk);
  const access::AccessSigner& signer() const { return signer_; }

  // Runs the seal of `operation_id` on the calling thread (the sealer's work; tests call it).
  Status Seal(const std::string& operation_id);

 private:
  // Removes the staged chunks of uploads not in `live_uploads` from `region`'s store.
  Status DiscardEndedUploads(const std::string& region, const std::set<std::string>& live_uploads);
  // The disk's upload blob, opened (or created) on first use and kept until sealed or deleted.
  Result<std::shared_ptr<storage::UploadBlob>> UploadOf(const domain::Disk& disk);
  // Removes the upload blob of the disk `unique_id` in `region`, open or not.
  Status RemoveUpload(const std::string& unique_id, const std::string& region);
  Result<domain::Disk> GetForWrite(metadata::Transaction& tx, const RequestContext& ctx,
                                   const ResourceId& id);
  domain::Operation NewOperation(const RequestContext& ctx, const domain::Disk& disk,
                                 domain::OperationKind kind);
  // Ends a seal: the disk back to ReadyToUpload and the operation Failed with `why`.
  Status FailSeal(const std::string& operation_id, const Status& why);
  // Waits (seal_answer_wait_ms at most; not at all when other seals are queued or running)
  // for the seal `sealing` started to end, then reloads its operation and disk when it did.
  void AwaitSeal(DiskOperation& sealing);
  void Enqueue(const std::string& operation_id);
  void Loop();

  metadata::MetadataStore& store_;
  GalleryService& gallery_;
  OperationSignal& signal_;
  AccessGuard guard_;
  const access::AccessSigner& signer_;
  storage::RegionStores& stores_;
  ManifestReader manifests_;  // sealed disks' bytes
  const Clock& clock_;
  Random& random_;
  DiskServiceOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::map<std::string, int> progress_;  // operation id -> percent, while sealing
  TaskPool write_pool_;  // the uploads' chunk writes
  std::mutex uploads_mu_;
  std::map<std::string, std::shared_ptr<storage::UploadBlob>> uploads_;  // by uniqueId
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gallery::service
