#pragma once
// OperationWork: work a long-running operation needs before the operation runner may complete
// it, done off the runner's thread (ingesting an image's blob takes seconds to minutes).
//
// The runner asks Needs() for each due operation; when true, it calls Start() and looks at the
// operation again after a lease (so a galleryd restarted mid-way starts the work again). The
// work, when it ends, records its result in the store itself: either the resource holds what
// it needed (Needs() is false now) and the operation is due at once, or the operation and the
// resource are Failed. Then it wakes the runner (OperationSignal::Notify).

#include "domain/operation.h"
#include "metadata/metadata_store.h"

namespace gallery::service {

class OperationWork {
 public:
  virtual ~OperationWork() = default;
  // Whether `resource`, the resource of in-progress `op`, still needs this work.
  virtual bool Needs(const domain::Operation& op, const metadata::Resource& resource) const = 0;
  // Starts the work for `op` unless it is already running. Thread-safe.
  virtual void Start(const domain::Operation& op) = 0;
};

}  // namespace gallery::service
