#include "service/export_grants.h"

#include <algorithm>

#include "common/log.h"
#include "service/image_data.h"

namespace gallery::service {

namespace {

Status NotExportable(const metadata::Resource& resource) {
  return Status::InvalidArgument("The resource '" + metadata::Meta(resource).id.ToString() +
                                 "' has no data to export: only managed images and image "
                                 "versions do.")
      .WithReason("InvalidResourceType");
}

// The manifest `resource` exports for `lun`; InvalidArgument for a type without exports.
Result<std::string> ExportedManifestOf(const metadata::Resource& resource,
                                       std::optional<int32_t> lun) {
  if (const auto* image = std::get_if<domain::ManagedImage>(&resource)) {
    return domain::ExportedManifest(*image, lun);
  }
  if (const auto* version = std::get_if<domain::GalleryImageVersion>(&resource)) {
    return domain::ExportedManifest(*version, lun);
  }
  return NotExportable(resource);
}

}  // namespace

domain::Operation ExportGrants::DoneOperation(const RequestContext& ctx,
                                              const metadata::Resource& resource,
                                              domain::OperationKind kind) {
  const domain::TrackedResource& meta = metadata::Meta(resource);
  domain::Operation op;
  op.origin = OriginOf(ctx);
  op.id = NewUuid(random_);
  op.subscription = meta.id.subscription();
  op.location = meta.location;
  op.kind = kind;
  op.resource_id = meta.id;
  op.start_time = op.end_time = op.not_before = clock_.Now();
  op.status = domain::OperationStatus::kSucceeded;
  return op;
}

Result<domain::Operation> ExportGrants::BeginGetAccess(const RequestContext& ctx,
                                                       const ResourceId& id,
                                                       const domain::ExportAccessInput& in) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const metadata::Resource> resource,
                           gallery_.GetResource(ctx, id));
  GALLERY_ASSIGN_OR_RETURN(std::string manifest_id, ExportedManifestOf(*resource, in.lun));
  domain::Operation op = DoneOperation(ctx, *resource, domain::OperationKind::kBeginGetAccess);
  // The grant is named by its operation, so the operation's result finds its URL.
  GALLERY_ASSIGN_OR_RETURN(
      domain::ExportGrant grant,
      domain::NewExportGrant(op.resource_id, manifest_id, in, op.id, op.start_time));
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  GALLERY_RETURN_IF_ERROR(tx->PruneExportGrants(op.start_time).status());
  GALLERY_RETURN_IF_ERROR(tx->PutExportGrant(grant));
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("grant Read access to the data of {}{} by {} until {}", id.ToString(),
            in.lun.has_value() ? " (lun " + std::to_string(*in.lun) + ")" : "",
            ctx.caller.object_id, access::AccessExpiryText(grant.expires_at));
  return op;
}

Result<domain::Operation> ExportGrants::EndGetAccess(const RequestContext& ctx,
                                                     const ResourceId& id,
                                                     const std::optional<std::string>& grant_id) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const metadata::Resource> resource,
                           gallery_.GetResource(ctx, id));
  if (!std::holds_alternative<domain::ManagedImage>(*resource) &&
      !std::holds_alternative<domain::GalleryImageVersion>(*resource)) {
    return NotExportable(*resource);
  }
  domain::Operation op = DoneOperation(ctx, *resource, domain::OperationKind::kEndGetAccess);
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(int64_t revoked, grant_id.has_value()
                                                ? tx->DeleteExportGrant(op.resource_id, *grant_id)
                                                : tx->DeleteExportGrantsOf(op.resource_id));
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(op));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("end access to the data of {} by {} ({} grants revoked)", id.ToString(),
            ctx.caller.object_id, revoked);
  return op;
}

Result<std::string> ExportGrants::AccessUrlOf(const RequestContext& ctx,
                                              const domain::Operation& op,
                                              const std::string& base_url) {
  GALLERY_RETURN_IF_ERROR(gallery_.GetResource(ctx, op.resource_id).status());
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::ExportGrant> grant, Find(op.id));
  if (!grant.has_value()) {
    return Status::FailedPrecondition("The access granted by operation '" + op.id +
                                      "' was revoked or has expired.")
        .WithReason("OperationNotAllowed");
  }
  const std::string blob = kUrlPrefix + grant->id;
  return signer_.Url(base_url, blob,
                     {blob, "r", grant->id, access::AccessExpiryText(grant->expires_at)});
}

Result<std::optional<domain::ExportGrant>> ExportGrants::Find(const std::string& grant_id) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
  return tx->GetExportGrant(grant_id);
}

Result<std::optional<ExportedDisk>> ExportGrants::Open(const domain::ExportGrant& grant) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const metadata::Resource> resource,
                           store_.FindResource(grant.resource));
  if (resource == nullptr) {
    return std::optional<ExportedDisk>();
  }
  const std::vector<std::string> owned = ManifestsOf(*resource);
  if (std::find(owned.begin(), owned.end(), grant.manifest_id) == owned.end()) {
    return std::optional<ExportedDisk>();
  }
  const domain::TrackedResource& meta = metadata::Meta(*resource);
  ExportedDisk out;
  GALLERY_ASSIGN_OR_RETURN(
      out.bytes, manifests_.Open(grant.manifest_id, "'" + meta.id.ToString() + "'"));
  out.manifest_id = grant.manifest_id;
  out.vhd_footer = VhdFooterOf(*resource, grant.manifest_id);
  out.created_at = meta.created_at;
  out.updated_at = meta.updated_at;
  return std::optional<ExportedDisk>(std::move(out));
}

}  // namespace gallery::service
