#include "domain/operation.h"

namespace gallery::domain {

std::string_view ToString(OperationKind kind) {
  switch (kind) {
    case OperationKind::kCreate:
      return "Create";
    case OperationKind::kUpdate:
      return "Update";
    case OperationKind::kDelete:
      return "Delete";
    case OperationKind::kBeginGetAccess:
      return "BeginGetAccess";
    case OperationKind::kEndGetAccess:
      return "EndGetAccess";
  }
  return "Unknown";
}

std::string_view ToString(OperationStatus status) {
  switch (status) {
    case OperationStatus::kInProgress:
      return "InProgress";
    case OperationStatus::kSucceeded:
      return "Succeeded";
    case OperationStatus::kFailed:
      return "Failed";
    case OperationStatus::kCanceled:
      return "Canceled";
  }
  return "Unknown";
}

}  // namespace gallery::domain
