#pragma once
// OperationProgress: how far the long work of an operation is, for its status
// (`percentComplete`). Implemented by the workers that run such work: disk seals
// (disk_service.h) and image ingests (image_ingest_worker.h).

#include <optional>
#include <string>

namespace gallery::service {

class OperationProgress {
 public:
  virtual ~OperationProgress() = default;
  // 0..99 while the work of `operation_id` runs in this process; nullopt otherwise (not
  // started, done, or another worker's).
  virtual std::optional<int> PercentOf(const std::string& operation_id) const = 0;
};

}  // namespace gallery::service
