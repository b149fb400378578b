#include "service/disk_service.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <set>

#include "access/actions.h"
#include "common/log.h"
#include "domain/disk_rules.h"
#include "service/resource_checks.h"
#include "storage/disk_image.h"
#include "storage/ingest.h"
#include "storage/manifest.h"
#include "storage/vhd_format.h"

namespace gallery::service {

using access::ActionOn;
using access::Verb;
using domain::Disk;
using domain::DiskState;
using domain::OperationKind;
using domain::OperationStatus;
using domain::ProvisioningState;
using metadata::Resource;
using metadata::Transaction;
using metadata::TxMode;

namespace {

// A seal is run by the sealer, never by the operation runner: its not_before is never due.
constexpr TimestampMs kNeverDue = std::numeric_limits<TimestampMs>::max();

// An upload whose last page (the VHD footer) was never written is incomplete, whatever the
// bytes read there (zeros): the message says so rather than "no footer".
Status CheckFooterPageWritten(const storage::PageBlob& upload) {
  GALLERY_ASSIGN_OR_RETURN(std::vector<storage::PageRange> written, upload.PageRanges());
  const uint64_t end = upload.size();
  if (!written.empty() && written.back().offset + written.back().length == end) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
             "The upload is incomplete: its last 512 bytes, the VHD footer at offset " +
             std::to_string(end - storage::kVhdFooterSize) + " of the " + std::to_string(end) +
             "-byte blob, were never written. Write the footer page (gallery disk upload "
             "--resume sends what is missing), then end the access again.")
      .WithReason(std::string(storage::kInvalidVhdReason));
}
constexpr int32_t kResumeBatch = 1 << 20;
constexpr char kUniqueIdKey[] = "disk-unique-id/";

Result<std::optional<Disk>> GetDisk(Transaction& tx, const ResourceId& id) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<Resource> found, tx.GetResource(id));
  if (!found.has_value()) {
    return std::optional<Disk>();
  }
  if (Disk* disk = std::get_if<Disk>(&*found)) {
    return std::optional<Disk>(std::move(*disk));
  }
  return Status::Internal("The stored resource '" + id.ToString() + "' is not a disk.");
}

bool Sealing(const Disk& disk) { return !disk.meta.operation_id.empty(); }

Status CheckPutCondition(domain::PutCondition condition, const ResourceId& id, bool exists) {
  if (condition == domain::PutCondition::kIfAbsent && exists) {
    return Status::FailedPrecondition("The disk '" + id.Name() +
                                      "' already exists, and the request (If-None-Match: *) "
                                      "creates it only if it does not. Nothing was changed.")
        .WithReason(domain::kPreconditionFailedReason);
  }
  if (condition == domain::PutCondition::kIfExists && !exists) {
    return Status::FailedPrecondition("The disk '" + id.Name() +
                                      "' does not exist, and the request (If-Match: *) updates "
                                      "it only if it does. Nothing was changed.")
        .WithReason(domain::kPreconditionFailedReason);
  }
  return Status::Ok();
}

Status SealRunning(const Disk& disk) {
  return Status::FailedPrecondition("The disk '" + disk.meta.id.Name() +
                                    "' is being sealed (operation " + disk.meta.operation_id +
                                    "); try again when it is Unattached.")
      .WithReason("OperationNotAllowed");
}

}  // namespace

DiskService::DiskService(metadata::MetadataStore& store, GalleryService& gallery,
                         OperationSignal& signal, access::Authorizer& authorizer, const access::AccessSigner& signer,
                         storage::RegionStores& stores, const Clock& clock, Random& random,
                         DiskServiceOptions options)
    : store_(store),
      gallery_(gallery),
      signal_(signal),
      guard_(authorizer, store),
      signer_(signer),
      stores_(stores),
      manifests_(store, stores),
      clock_(clock),
      random_(random),
      options_(std::move(options)),
      write_pool_(options_.upload_write_threads) {}

DiskService::~DiskService() { Stop(); }

Result<std::shared_ptr<storage::UploadBlob>> DiskService::UploadOf(const Disk& disk) {
  std::lock_guard<std::mutex> lock(uploads_mu_);
  auto it = uploads_.find(disk.unique_id);
  if (it != uploads_.end()) {
    return it->second;
  }
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * store, stores_.For(disk.meta.location));
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<storage::UploadBlob> opened,
                           storage::UploadBlob::Open(options_.uploads_dir, disk.unique_id,
                                                     static_cast<uint64_t>(disk.upload_size_bytes),
                                                     *store, options_.chunk_size, &write_pool_,
                                                     static_cast<size_t>(options_.max_page_ranges),
                                                     "disk '" + disk.meta.id.Name() + "'"));
  std::shared_ptr<storage::UploadBlob> upload = std::move(opened);
  uploads_.emplace(disk.unique_id, upload);
  return upload;
}

Status DiskService::RemoveUpload(const std::string& unique_id, const std::string& region) {
  std::shared_ptr<storage::UploadBlob> open;
  {
    std::lock_guard<std::mutex> lock(uploads_mu_);
    auto it = uploads_.find(unique_id);
    if (it != uploads_.end()) {
      open = std::move(it->second);
      uploads_.erase(it);
    }
  }
  if (open != nullptr) {
    return open->Remove();
  }
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * store, stores_.For(region));
  return storage::UploadBlob::RemoveLeftovers(options_.uploads_dir, unique_id, *store);
}

Status DiskService::DiscardEndedUploads(const std::string& region,
                                        const std::set<std::string>& live_uploads) {
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * store, stores_.For(region));
  GALLERY_ASSIGN_OR_RETURN(std::vector<std::string> staged, store->ListStagedBatches());
  for (const std::string& name : staged) {
    if (!live_uploads.contains(name)) {
      GLOG_INFO("removing the staged chunks of upload {} in region {}", name, region);
      GALLERY_RETURN_IF_ERROR(store->DiscardStagedBatch(name));
    }
  }
  return Status::Ok();
}

Status DiskService::Start() {
  std::vector<std::string> seals;
  std::set<std::string> live_uploads;
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(std::vector<domain::Operation> running,
                             tx->ListRunnableOperations(kNeverDue, kResumeBatch));
    for (const domain::Operation& op : running) {
      if (op.kind == OperationKind::kEndGetAccess) {
        seals.push_back(op.id);
      }
    }
    // Uploads of disks that are gone (a resource group's delete takes disks without this
    // service) or sealed (a crash right after the seal) are removed.
    GALLERY_ASSIGN_OR_RETURN(std::vector<domain::Subscription> subscriptions,
                             tx->ListSubscriptions());
    for (const domain::Subscription& sub : subscriptions) {
      metadata::ResourceQuery q;
      q.subscription = sub.id;
      q.type = Disk::kType;
      GALLERY_ASSIGN_OR_RETURN(metadata::ResourcePage page, tx->ListResources(q));
      for (const Resource& r : page.items) {
        const Disk& disk = std::get<Disk>(r);
        if (disk.manifest_id.empty()) {
          live_uploads.insert(disk.unique_id);
        }
      }
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.uploads_dir, ec)) {
    const std::string name = entry.path().stem().string();
    if (!live_uploads.contains(name)) {
      GLOG_INFO("removing {}, of an upload that ended", entry.path().string());
      std::filesystem::remove(entry.path(), ec);
    }
  }
  // A store that cannot be used now (a read-only or missing disk) keeps its leftovers until a
  // later start: it must not keep the other regions from being served.
  for (const std::string& region : stores_.Existing()) {
    if (Status cleaned = DiscardEndedUploads(region, live_uploads); !cleaned.ok()) {
      GLOG_WARN("store {}: cannot remove what ended uploads left: {}", region, cleaned.ToString());
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) {
      return Status::Ok();
    }
    stop_ = false;
    thread_ = std::thread([this] { Loop(); });
  }
  for (const std::string& id : seals) {
    GLOG_INFO("resuming the seal of operation {}", id);
    Enqueue(id);
  }
  return Status::Ok();
}

void DiskService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void DiskService::Enqueue(const std::string& operation_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(operation_id);
    progress_[operation_id] = 0;
  }
  cv_.notify_all();
}

void DiskService::Loop() {
  while (true) {
    std::string next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) {
        return;
      }
      next = queue_.front();
      queue_.pop_front();
    }
    Status sealed = Seal(next);
    int attempts = 1;
    for (int64_t delay_ms = options_.seal_retry_delay_ms;
         attempts < options_.seal_attempts && sealed.code() == StatusCode::kUnavailable;
         ++attempts, delay_ms *= 2) {
      GLOG_WARN("seal of operation {} (attempt {} of {}): {}; trying again in {} ms", next,
                attempts, options_.seal_attempts, sealed.ToString(), delay_ms);
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [this] { return stop_; })) {
        return;  // stopping: the next Start() resumes the seal
      }
      lock.unlock();
      sealed = Seal(next);
    }
    if (attempts > 1 && !sealed.ok()) {
      sealed = Status(sealed.code(), "The seal failed " + std::to_string(attempts) +
                                         " times; the last time: " + sealed.message())
                   .WithReason(sealed.reason());
    }
    if (!sealed.ok()) {
      GLOG_WARN("seal of operation {}: {}", next, sealed.ToString());
      Status failed = FailSeal(next, sealed);
      if (!failed.ok()) {
        GLOG_WARN("seal of operation {}: cannot record the failure: {}", next, failed.ToString());
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      progress_.erase(next);
    }
    cv_.notify_all();  // EndGetAccess calls waiting for this seal
  }
}

domain::Operation DiskService::NewOperation(const RequestContext& ctx, const Disk& disk,
                                            OperationKind kind) {
  domain::Operation op;
  op.origin = OriginOf(ctx);
  op.id = NewUuid(random_);
  op.subscription = disk.meta.id.subscription();
  op.location = disk.meta.location;
  op.kind = kind;
  op.resource_id = disk.meta.id;
  op.start_time = clock_.Now();
  op.not_before = op.start_time;
  return op;
}

// ---- ARM

Result<Accepted<Disk>> DiskService::Put(const RequestContext& ctx, const ResourceId& id,
                                        const domain::DiskInput& in, domain::UpdateMode mode,
                                        domain::PutCondition condition) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, ActionOn(id, Verb::kWrite), id));
  const domain::RuleContext rules{gallery_.regions(), gallery_.config().limits, clock_.Now()};
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, id, ctx.caller.tenant_id, /*for_write=*/true));
  GALLERY_ASSIGN_OR_RETURN(std::optional<Disk> existing, GetDisk(*tx, id));
  // Inside the write transaction: no other PUT can create or delete the disk in between.
  GALLERY_RETURN_IF_ERROR(CheckPutCondition(condition, id, existing.has_value()));
  Accepted<Disk> accepted;
  if (existing.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(accepted.resource, domain::UpdateDisk(*existing, in, mode, rules));
  } else {
    if (mode == domain::UpdateMode::kMerge) {
      return ResourceNotFound(id);
    }
    GALLERY_ASSIGN_OR_RETURN(accepted.resource, domain::NewDisk(id, in, NewUuid(random_), rules));
    accepted.created = true;
    // The blob exists before the disk does: a crash between them leaves an orphan file that
    // Start() removes, never a disk without its blob.
    GALLERY_RETURN_IF_ERROR(UploadOf(accepted.resource).status());
    GALLERY_RETURN_IF_ERROR(
        tx->PutSetting(kUniqueIdKey + accepted.resource.unique_id, id.ToString()));
  }
  GALLERY_RETURN_IF_ERROR(tx->PutResource(accepted.resource));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("{} disk {} by {} (correlation {})", accepted.created ? "create" : "update",
            id.ToString(), ctx.caller.object_id, ctx.correlation_id);
  return accepted;
}

Result<Disk> DiskService::Get(const RequestContext& ctx, const ResourceId& id) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Resource> found, gallery_.GetResource(ctx, id));
  if (const Disk* disk = std::get_if<Disk>(found.get())) {
    return *disk;
  }
  return Status::Internal("The stored resource '" + id.ToString() + "' is not a disk.");
}

Result<Page<Disk>> DiskService::List(const RequestContext& ctx, const ListScope& scope,
                                     const std::string& page_token) {
  return gallery_.ListDisks(ctx, scope, page_token);
}

Result<Disk> DiskService::GetForWrite(Transaction& tx, const RequestContext& ctx,
                                      const ResourceId& id) {
  GALLERY_RETURN_IF_ERROR(CheckAncestors(tx, id, ctx.caller.tenant_id, /*for_write=*/true));
  GALLERY_ASSIGN_OR_RETURN(std::optional<Disk> disk, GetDisk(tx, id));
  if (!disk.has_value()) {
    return ResourceNotFound(id);
  }
  return std::move(*disk);
}

Result<bool> DiskService::Delete(const RequestContext& ctx, const ResourceId& id) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, ActionOn(id, Verb::kDelete), id));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<Disk> disk, GetDisk(*tx, id));
  if (!disk.has_value()) {
    GALLERY_RETURN_IF_ERROR(CheckAncestors(*tx, id, ctx.caller.tenant_id, /*for_write=*/false));
    return false;
  }
  if (Sealing(*disk)) {
    return SealRunning(*disk);
  }
  GALLERY_RETURN_IF_ERROR(domain::CheckDiskDeletable(*disk));
  if (!disk->manifest_id.empty()) {
    Status gone = tx->DeleteManifest(disk->manifest_id);
    if (!gone.ok() && gone.code() != StatusCode::kNotFound) {
      return gone;
    }
  }
  GALLERY_RETURN_IF_ERROR(tx->PutSetting(kUniqueIdKey + disk->unique_id, ""));
  GALLERY_RETURN_IF_ERROR(tx->DeleteResource(id));
  GALLERY_RETURN_IF_ERROR(tx->DeleteRoleAssignmentsWithin(id).status());
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  // After the commit: a crash before this leaves an orphan blob that Start() removes.
  if (Status removed = RemoveUpload(disk->unique_id, disk->meta.location); !removed.ok()) {
    GLOG_WARN("deleted disk {}: upload blob not removed: {}", id.ToString(), removed.ToString());
  }
  GLOG_INFO("delete disk {} by {} (correlation {})", id.ToString(), ctx.caller.object_id,
            ctx.correlation_id);
  return true;
}

Result<DiskOperation> DiskService::BeginGetAccess(const RequestContext& ctx, const ResourceId& id,
                                                  const domain::DiskAccessInput& in) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kDiskBeginGetAccess, id));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(Disk current, GetForWrite(*tx, ctx, id));
  if (Sealing(current)) {
    return SealRunning(current);
  }
  DiskOperation out;
  out.operation = NewOperation(ctx, current, OperationKind::kBeginGetAccess);
  const domain::RuleContext rules{gallery_.regions(), gallery_.config().limits, clock_.Now()};
  // The grant is named by its operation, so the operation's result finds its URL.
  GALLERY_ASSIGN_OR_RETURN(out.disk, domain::GrantAccess(current, in, out.operation.id, rules));
  out.operation.status = OperationStatus::kSucceeded;
  out.operation.end_time = out.operation.start_time;
  GALLERY_RETURN_IF_ERROR(tx->PutResource(out.disk));
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(out.operation));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  const domain::DiskAccessGrant& grant = out.disk.grants.back();
  GLOG_INFO("grant {} access to disk {} by {} until {} ({} grants)", domain::ToString(grant.level),
            id.ToString(), ctx.caller.object_id, access::AccessExpiryText(grant.expires_at),
            out.disk.grants.size());
  return out;
}

Result<DiskOperation> DiskService::EndGetAccess(const RequestContext& ctx, const ResourceId& id,
                                                const std::optional<std::string>& grant_id) {
  GALLERY_RETURN_IF_ERROR(guard_.Require(ctx, access::kDiskEndGetAccess, id));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(Disk disk, GetForWrite(*tx, ctx, id));
  DiskOperation out;
  out.operation = NewOperation(ctx, disk, OperationKind::kEndGetAccess);
  if (Sealing(disk)) {
    // A second revocation joins the seal that runs.
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> running,
                             tx->GetOperation(disk.meta.operation_id));
    if (running.has_value()) {
      out.disk = disk;
      out.operation = *running;
      return out;
    }
  }
  const size_t held = disk.grants.size();
  const bool none_left = domain::RevokeGrants(disk, grant_id, out.operation.start_time);
  const bool seal = disk.state == DiskState::kActiveUpload && none_left;
  if (seal) {
    // Writes stop now (the grant is gone); the sealer finishes the operation.
    out.operation.not_before = kNeverDue;
    disk.meta.provisioning_state = ProvisioningState::kUpdating;
    disk.meta.operation_id = out.operation.id;
  } else {
    // Another reader's grant keeps the disk in ActiveSAS.
    if (disk.state == DiskState::kActiveSAS && none_left) {
      disk.state = DiskState::kUnattached;
    }
    out.operation.status = OperationStatus::kSucceeded;
    out.operation.end_time = out.operation.start_time;
  }
  disk.meta.updated_at = out.operation.start_time;
  GALLERY_RETURN_IF_ERROR(tx->PutResource(disk));
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(out.operation));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  out.disk = std::move(disk);
  GLOG_INFO("end access to disk {} by {}{}: {} of {} grants ended{}", id.ToString(),
            ctx.caller.object_id, grant_id.has_value() ? " for grant " + *grant_id : "",
            held - out.disk.grants.size(), held,
            seal ? " (sealing, operation " + out.operation.id + ")" : "");
  if (seal) {
    Enqueue(out.operation.id);
    AwaitSeal(out);
  }
  return out;
}

void DiskService::AwaitSeal(DiskOperation& sealing) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (progress_.size() > 1) {
      return;  // other seals go first: this one will not be quick
    }
    const bool ended =
        cv_.wait_for(lock, std::chrono::milliseconds(options_.seal_answer_wait_ms), [&] {
          return stop_ || !progress_.contains(sealing.operation.id);
        });
    if (!ended || stop_) {
      return;
    }
  }
  // Best effort: the seal is accepted already, so a failed read answers as if it were still
  // running (the client polls the operation).
  Status read = [&]() -> Status {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> op,
                             tx->GetOperation(sealing.operation.id));
    if (!op.has_value()) {
      return Status::Ok();
    }
    GALLERY_ASSIGN_OR_RETURN(std::optional<Disk> disk, GetDisk(*tx, op->resource_id));
    sealing.sealed_at_once = op->status == OperationStatus::kSucceeded;
    sealing.operation = std::move(*op);
    if (disk.has_value()) {
      sealing.disk = std::move(*disk);
    }
    return Status::Ok();
  }();
  if (!read.ok()) {
    GLOG_WARN("seal {}: cannot read its outcome: {}", sealing.operation.id, read.ToString());
  }
}

std::string DiskService::AccessUrl(const Disk& disk, const domain::DiskAccessGrant& grant,
                                   const std::string& base_url) const {
  const std::string permission = grant.level == domain::DiskAccessLevel::kWrite ? "w" : "r";
  return signer_.Url(
      base_url, "disks/" + disk.unique_id,
      {disk.unique_id, permission, grant.id, access::AccessExpiryText(grant.expires_at)});
}

Result<std::string> DiskService::AccessUrlOf(const RequestContext& ctx, const domain::Operation& op,
                                             const std::string& base_url) {
  GALLERY_ASSIGN_OR_RETURN(Disk disk, Get(ctx, op.resource_id));
  const domain::DiskAccessGrant* grant = domain::FindGrant(disk, op.id);
  if (grant == nullptr) {
    return Status::FailedPrecondition("The access granted by operation '" + op.id +
                                      "' was revoked or replaced by a later grant.")
        .WithReason("OperationNotAllowed");
  }
  return AccessUrl(disk, *grant, base_url);
}

std::optional<int> DiskService::PercentOf(const std::string& operation_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = progress_.find(operation_id);
  if (it == progress_.end()) {
    return std::nullopt;
  }
  return it->second;
}

// ---- data plane

Result<std::optional<Disk>> DiskService::FindByUniqueId(const std::string& unique_id) {
  std::optional<std::string> id_text;
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(id_text, tx->GetSetting(kUniqueIdKey + unique_id));
  }
  if (!id_text.has_value() || id_text->empty()) {
    return std::optional<Disk>();
  }
  GALLERY_ASSIGN_OR_RETURN(ResourceId id, ResourceId::Parse(*id_text));
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Resource> found, store_.FindResource(id));
  const Disk* disk = found == nullptr ? nullptr : std::get_if<Disk>(found.get());
  if (disk == nullptr || disk->unique_id != unique_id) {
    return std::optional<Disk>();  // deleted with its resource group
  }
  return std::optional<Disk>(*disk);
}

Result<std::shared_ptr<storage::PageBlob>> DiskService::OpenUpload(const Disk& disk) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<storage::UploadBlob> upload, UploadOf(disk));
  return std::shared_ptr<storage::PageBlob>(std::move(upload));
}

Result<std::unique_ptr<storage::VirtualDisk>> DiskService::OpenSealedDisk(const Disk& disk) {
  return manifests_.Open(disk.manifest_id, "disk '" + disk.meta.id.ToString() + "'");
}

// ---- seal

Status DiskService::Seal(const std::string& operation_id) {
  std::optional<domain::Operation> op;
  std::optional<Disk> disk;
  {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(op, tx->GetOperation(operation_id));
    if (!op.has_value() || op->terminal()) {
      return Status::Ok();
    }
    GALLERY_ASSIGN_OR_RETURN(disk, GetDisk(*tx, op->resource_id));
  }
  if (!disk.has_value() || disk->meta.operation_id != operation_id) {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
    op->status = OperationStatus::kCanceled;
    op->end_time = clock_.Now();
    op->error_code = "ResourceDeleted";
    op->error_message =
        "The disk '" + op->resource_id.ToString() + "' was deleted before it was sealed.";
    GALLERY_RETURN_IF_ERROR(tx->PutOperation(*op));
    GALLERY_RETURN_IF_ERROR(tx->Commit());
    signal_.Ended(*op);
    return Status::Ok();
  }
  bool opened_now = false;
  {
    std::lock_guard<std::mutex> lock(uploads_mu_);
    opened_now = !uploads_.contains(disk->unique_id);
  }
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<storage::UploadBlob> upload, UploadOf(*disk));
  if (opened_now && upload->lost_chunks() > 0) {
    // A seal resumed after a crash that cost acknowledged writes: sealing zeros in their
    // place would be wrong bytes. The pages left the page list, so a resumed upload resends.
    return Status::DataLoss(std::to_string(upload->lost_chunks()) + " chunks of " +
                            std::to_string(upload->chunk_size()) +
                            " bytes written before galleryd restarted were lost (they were not yet "
                            "durable when it stopped); grant Write access again, write those pages "
                            "again (gallery disk "
                            "upload --resume sends only what is missing) and seal again.")
        .WithReason("UploadIncomplete");
  }
  GALLERY_RETURN_IF_ERROR(CheckFooterPageWritten(*upload));
  storage::DiskImageInfo info;
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<storage::VirtualDisk> image,
                           storage::OpenDiskImage(upload->Source(), upload->size(),
                                                  storage::DeclaredFormat::kVhd, &info));
  // Valid: the chunks staged as the writes arrived join the store, and the ingest finds every
  // whole chunk of a fixed VHD there without reading it.
  GALLERY_RETURN_IF_ERROR(upload->CommitChunks());
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * store, stores_.For(disk->meta.location));
  storage::IngestOptions ingest;
  ingest.chunk_size = options_.chunk_size;
  ingest.threads = options_.ingest_threads;
  ingest.progress = [this, &operation_id](uint64_t done, uint64_t total) {
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    std::lock_guard<std::mutex> lock(mu_);
    progress_[operation_id] = std::min(percent, 99);  // 100 once committed
  };
  GALLERY_ASSIGN_OR_RETURN(storage::Manifest manifest, storage::Ingest(*image, *store, ingest));
  // Every chunk is durable: the manifest and the disk's new state commit together.
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<Disk> current, GetDisk(*tx, op->resource_id));
  if (!current.has_value() || current->meta.operation_id != operation_id) {
    return Status::Ok();  // deleted meanwhile; its chunks are garbage now
  }
  const TimestampMs now = clock_.Now();
  metadata::ManifestRecord record{NewUuid(random_), current->meta.location,
                                  storage::EncodeManifest(manifest), now};
  GALLERY_RETURN_IF_ERROR(tx->PutManifest(record));
  current->manifest_id = record.id;
  current->state = DiskState::kUnattached;
  current->disk_size_bytes = static_cast<int64_t>(info.virtual_size);
  if (info.footer.has_value()) {
    current->vhd_footer = storage::VhdFooterBytes(*info.footer);
  }
  current->meta.provisioning_state = ProvisioningState::kSucceeded;
  current->meta.operation_id.clear();
  current->meta.updated_at = now;
  GALLERY_RETURN_IF_ERROR(tx->PutResource(*current));
  op->status = OperationStatus::kSucceeded;
  op->end_time = now;
  ++op->attempts;
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(*op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  signal_.Ended(*op);
  if (Status removed = RemoveUpload(current->unique_id, current->meta.location); !removed.ok()) {
    GLOG_WARN("sealed disk {}: upload blob not removed: {}", current->meta.id.ToString(),
              removed.ToString());
  }
  GLOG_INFO("sealed disk {}: {} bytes, manifest {} ({} chunks)", current->meta.id.ToString(),
            info.virtual_size, record.id, manifest.chunks.size());
  return Status::Ok();
}

Status DiskService::FailSeal(const std::string& operation_id, const Status& why) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> op, tx->GetOperation(operation_id));
  if (!op.has_value() || op->terminal()) {
    return Status::Ok();
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<Disk> disk, GetDisk(*tx, op->resource_id));
  if (disk.has_value() && disk->meta.operation_id == operation_id) {
    // The uploaded bytes stay: the owner may fix ranges under a new Write grant and seal again.
    disk->state = DiskState::kReadyToUpload;
    disk->meta.provisioning_state = ProvisioningState::kSucceeded;
    disk->meta.operation_id.clear();
    disk->meta.updated_at = clock_.Now();
    GALLERY_RETURN_IF_ERROR(tx->PutResource(*disk));
  }
  op->status = OperationStatus::kFailed;
  op->end_time = clock_.Now();
  ++op->attempts;
  op->error_code = why.reason().empty() ? "InternalError" : why.reason();
  op->error_message = why.message();
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(*op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  signal_.Ended(*op);
  return Status::Ok();
}

}  // namespace gallery::service
