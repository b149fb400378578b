#pragma once
// Operation: a long-running ARM operation (PUT/PATCH/DELETE answered with Azure-AsyncOperation).
// It is stored durably when the request is accepted and advanced by the server on its own, so
// a client that never polls (--no-wait) and a server restarted with kill -9 both see it finish.

#include <string>

#include "common/resource_id.h"
#include "common/status.h"
#include "common/time.h"

namespace gallery::domain {

// kBeginGetAccess and kEndGetAccess are a disk's grant and revocation (its POST actions); an
// kEndGetAccess of an uploading disk seals it, done by the disk service, not the runner.
enum class OperationKind { kCreate, kUpdate, kDelete, kBeginGetAccess, kEndGetAccess };
enum class OperationStatus { kInProgress, kSucceeded, kFailed, kCanceled };

std::string_view ToString(OperationKind kind);
std::string_view ToString(OperationStatus status);

// Who asked for an operation: the activity log records its completion in their name, with the
// ids the request carried.
struct OperationOrigin {
  std::string tenant_id;
  std::string caller_object_id;
  std::string caller_name;
  std::string correlation_id;
  std::string client_request_id;
};

struct Operation {
  std::string id;  // GUID; names the operation in its status URL
  std::string subscription;
  std::string location;  // region short name, part of the status URL
  OperationKind kind = OperationKind::kCreate;
  ResourceId resource_id;
  OperationStatus status = OperationStatus::kInProgress;
  TimestampMs start_time = 0;
  TimestampMs end_time = 0;
  // The earliest time the server may complete it (a configurable minimum duration).
  TimestampMs not_before = 0;
  // When status is kFailed: the error code and message shown to the client.
  std::string error_code;
  std::string error_message;
  int32_t attempts = 0;
  OperationOrigin origin;

  bool terminal() const { return status != OperationStatus::kInProgress; }
};

}  // namespace gallery::domain
