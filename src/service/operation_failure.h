#pragma once
// FailOperation: the one way work that runs beside the operation runner (image ingests,
// replication) ends an operation for good.

#include "common/result.h"
#include "common/time.h"
#include "domain/operation.h"
#include "metadata/metadata_store.h"

namespace gallery::service {

// Inside `tx`: `op` (in progress, as stored) becomes Failed at `now` with `code` and
// `message`, and its resource, if this operation still owns it, Failed with no operation.
// The caller commits, then tells the runner (OperationSignal::Ended) with the updated `*op`.
Status FailOperation(metadata::Transaction& tx, domain::Operation* op, std::string code,
                     std::string message, TimestampMs now);

}  // namespace gallery::service
