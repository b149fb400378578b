#include "service/replication_work.h"

#include "service/operation_failure.h"

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

void ReplicationWork::Start(const domain::Operation& op) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    versions_.emplace(op.id, op.resource_id);
  }
  replicator_.Kick(op.resource_id);
}

std::optional<int> ReplicationWork::PercentOf(const std::string& operation_id) const {
  ResourceId id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = versions_.find(operation_id);
    if (it == versions_.end()) {
      return std::nullopt;
    }
    id = it->second;
  }
  Result<std::shared_ptr<const metadata::Resource>> found = store_.FindResource(id);
  const auto* version = found.ok() && *found != nullptr
                            ? std::get_if<domain::GalleryImageVersion>(found->get())
                            : nullptr;
  if (version == nullptr || version->meta.operation_id != operation_id) {
    std::lock_guard<std::mutex> lock(mu_);
    versions_.erase(operation_id);  // over (or replaced): forget it
    return std::nullopt;
  }
  const std::vector<domain::RegionReplication> regions = domain::SummarizeReplication(
      *version, [&](const std::string& region) { return replicator_.Live(id, region); });
  if (regions.empty()) {
    return std::nullopt;
  }
  int sum = 0;
  for (const domain::RegionReplication& r : regions) {
    sum += r.progress;
  }
  return std::min(99, sum / static_cast<int>(regions.size()));
}

void ReplicationWork::Forget(const std::string& operation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  versions_.erase(operation_id);
}

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
    Forget(version->meta.operation_id);
    runner_.Notify();
    return Status::Ok();
  }
  Forget(version->meta.operation_id);
  std::string details;
  for (const domain::RegionReplication& r : domain::SummarizeReplication(*version)) {
    if (r.state == domain::ReplicationState::kFailed) {
      details += (details.empty() ? "" : " ") + r.details;
    }
  }
  GALLERY_RETURN_IF_ERROR(FailOperation(*tx, &*op, "ReplicationFailed", details, clock_.Now()));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_WARN("replication of {} failed: {}", version_id.ToString(), details);
  runner_.Ended(*op);
  return Status::Ok();
}

}  // namespace gallery::service
