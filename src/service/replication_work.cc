#include "service/replication_work.h"

#include "common/log.h"
#include "domain/replication_status.h"

namespace gallery::service {

ReplicationWork::ReplicationWork(metadata::MetadataStore& store,
                                 replication::Replicator& replicator, const Clock& clock,
                                 OperationSignal& runner)
    : store_(store), replicator_(replicator), clock_(clock), runner_(runner) {
  replicator_.OnSettled([this](const ResourceId& version) {
    Status s = Settled(version);
    if (!s.ok()) {
      // The runner's lease finds the operation again and Needs() decides anew.
      GLOG_WARN("cannot record the end of replication of {}: {}", version.ToString(),
                s.ToString());
    }
  });
}

bool ReplicationWork::Needs(const domain::Operation& op,
                            const metadata::Resource& resource) const {
  const auto* version = std::get_if<domain::GalleryImageVersion>(&resource);
  return op.kind != domain::OperationKind::kDelete && version != nullptr &&
         domain::ReplicationPending(*version);
}

void ReplicationWork::Start(const domain::Operation& op) { replicator_.Kick(op.resource_id); }

Status ReplicationWork::Settled(const ResourceId& version_id) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> current,
                           tx->GetResource(version_id));
  auto* version =
      current.has_value() ? std::get_if<domain::GalleryImageVersion>(&*current) : nullptr;
  if (version == nullptr || version->meta.operation_id.empty() ||
      domain::ReplicationPending(*version)) {
    return Status::Ok();
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> op,
                           tx->GetOperation(version->meta.operation_id));
  if (!op.has_value() || op->terminal()) {
    return Status::Ok();
  }
  if (!domain::ReplicationFailed(*version)) {
    op->not_before = std::min(op->not_before, clock_.Now());  // due: the runner completes it
    GALLERY_RETURN_IF_ERROR(tx->PutOperation(*op));
    GALLERY_RETURN_IF_ERROR(tx->Commit());
    runner_.Notify();
    return Status::Ok();
  }
  std::string details;
  for (const domain::RegionReplication& r : domain::SummarizeReplication(*version)) {
    if (r.state == domain::ReplicationState::kFailed) {
      details += (details.empty() ? "" : " ") + r.details;
    }
  }
  op->status = domain::OperationStatus::kFailed;
  op->end_time = clock_.Now();
  op->error_code = "ReplicationFailed";
  op->error_message = details;
  GALLERY_RETURN_IF_ERROR(tx->PutOperation(*op));
  version->meta.provisioning_state = domain::ProvisioningState::kFailed;
  version->meta.operation_id.clear();
  GALLERY_RETURN_IF_ERROR(tx->PutResource(*current));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_WARN("replication of {} failed: {}", version_id.ToString(), details);
  runner_.Ended(*op);
  return Status::Ok();
}

}  // namespace gallery::service
