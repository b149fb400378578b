#include "service/operation_failure.h"

namespace gallery::service {

Status FailOperation(metadata::Transaction& tx, domain::Operation* op, std::string code,
                     std::string message, TimestampMs now) {
  op->status = domain::OperationStatus::kFailed;
  op->end_time = now;
  op->error_code = std::move(code);
  op->error_message = std::move(message);
  GALLERY_RETURN_IF_ERROR(tx.PutOperation(*op));
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> resource,
                           tx.GetResource(op->resource_id));
  if (resource.has_value() && metadata::Meta(*resource).operation_id == op->id) {
    metadata::Meta(*resource).provisioning_state = domain::ProvisioningState::kFailed;
    metadata::Meta(*resource).operation_id.clear();
    GALLERY_RETURN_IF_ERROR(tx.PutResource(*resource));
  }
  return Status::Ok();
}

}  // namespace gallery::service
