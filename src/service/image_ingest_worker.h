#pragma once
// ImageIngestWorker: the part of a managed image's creation that reads its blob disks.
//
// A new image whose disks name blobs on this server's storage-account endpoint is stored
// without data; its create operation stays in progress while this worker, on a thread of its
// own per image, opens each blob as a VHD and ingests it into the region's chunk store
// (ImageData::IngestBlob). Then, in one transaction, the manifests are recorded, the image's
// disks name them with their real sizes, and the operation becomes due, so the runner completes
// it. A blob that is missing or not a valid VHD fails the operation (and the image) with the
// parser's message, and no manifest is recorded. Transient errors (the store unavailable) are
// retried when the runner's lease expires. An image deleted or replaced meanwhile keeps
// nothing: its chunks are left to garbage collection.
//
// Thread-safe. Stop() (or the destructor) waits for running ingests.

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "domain/managed_image.h"
#include "metadata/metadata_store.h"
#include "service/gallery_service.h"
#include "service/image_data.h"
#include "service/operation_progress.h"
#include "service/operation_work.h"

namespace gallery::service {

// Whether `image` names a blob whose data is not stored yet.
bool AwaitsIngest(const domain::ManagedImage& image);

class ImageIngestWorker final : public OperationWork, public OperationProgress {
 public:
  // All must outlive the worker.
  ImageIngestWorker(metadata::MetadataStore& store, ImageData& data, const Clock& clock,
                    OperationSignal& runner);
  ~ImageIngestWorker() override;

  bool Needs(const domain::Operation& op, const metadata::Resource& resource) const override;
  void Start(const domain::Operation& op) override;
  void Stop();
  // How far a running ingest is: the disks done and the share of the current one read.
  std::optional<int> PercentOf(const std::string& operation_id) const override;

  // Ingests the blobs of `op`'s image and records the result, on the caller's thread. Start()
  // runs it on a thread; tests call it directly.
  Status Run(const domain::Operation& op);

 private:
  // Records a permanent failure: the operation and the image Failed with `error`.
  Status Fail(const domain::Operation& op, const Status& error);

  metadata::MetadataStore& store_;
  ImageData& data_;
  const Clock& clock_;
  OperationSignal& runner_;
  mutable std::mutex mu_;
  std::atomic<bool> stopping_{false};
  std::set<std::string> running_;  // operation ids
  std::map<std::string, int> percent_;  // operation id -> percent, while running
  std::vector<std::thread> threads_;
};

}  // namespace gallery::service
