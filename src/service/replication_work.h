#pragma once
// ReplicationWork: a version's create or update operation completes when its replicas do.
//
// The operation runner asks Needs() for a due version operation: true while a replica of the
// version is Queued or Replicating (replicas are planned in the request's transaction,
// replication/replica_plan.h). Start() kicks the replicator (replication/replicator.h) for the
// version; the runner calls it again after each lease, which also starts retries whose time
// has come, and at galleryd's start, which resumes what a crash interrupted. When the
// replicator has settled a version (nothing pending), Settled() makes its operation due (every
// replica Completed: the runner sets it Succeeded) or fails it with the failed regions' details
// (the version Failed), as Azure reports a version whose replication failed.
//
// Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/time.h"
#include "metadata/metadata_store.h"
#include "replication/replicator.h"
#include "service/operation_progress.h"
#include "service/operation_runner.h"
#include "service/operation_work.h"

namespace gallery::service {

class ReplicationWork final : public OperationWork, public OperationProgress {
 public:
  // All must outlive this object. Registers itself as the replicator's settled callback.
  ReplicationWork(metadata::MetadataStore& store, replication::Replicator& replicator,
                  const Clock& clock, OperationSignal& runner);

  bool Needs(const domain::Operation& op, const metadata::Resource& resource) const override;
  void Start(const domain::Operation& op) override;

  // Records the end of `version`'s replication in its operation (see above).
  Status Settled(const ResourceId& version);

  // The mean progress of the version's regions (by bytes where a job runs), while its
  // operation waits for replication in this process.
  std::optional<int> PercentOf(const std::string& operation_id) const override;

 private:
  void Forget(const std::string& operation_id);

  metadata::MetadataStore& store_;
  replication::Replicator& replicator_;
  const Clock& clock_;
  OperationSignal& runner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, ResourceId> versions_;  // operation id -> version, since Start
};

}  // namespace gallery::service
