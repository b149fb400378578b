#include "service/image_ingest_worker.h"

#include "service/operation_failure.h"

#include "common/log.h"
#include "storage/ingest.h"

namespace gallery::service {

using domain::ImageDisk;
using domain::ManagedImage;
using metadata::Transaction;
using metadata::TxMode;

namespace {

bool DiskAwaitsIngest(const ImageDisk& disk) {
  return !disk.blob_uri.empty() && disk.manifest_id.empty();
}

// The blob a stored blobUri names. Its endpoint was checked when the image was accepted; the
// server may listen on another port since, so only the path counts now.
Result<domain::BlobLocation> StoredBlob(const std::string& uri) {
  const size_t scheme = uri.find("://");
  const size_t path = scheme == std::string::npos ? scheme : uri.find('/', scheme + 3);
  if (path == std::string::npos) {
    return Status::InvalidArgument("The blob URI '" + uri + "' names no blob.")
        .WithReason("InvalidParameter");
  }
  const std::string without_query = uri.substr(path, uri.find_first_of("?#", path) - path);
  return domain::ParseBlobPath(without_query);
}

// Errors that another attempt would not change: the blob and its content are the user's.
bool Permanent(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ||
         s.code() == StatusCode::kFailedPrecondition || s.code() == StatusCode::kDataLoss;
}

}  // namespace

bool AwaitsIngest(const ManagedImage& image) {
  if (DiskAwaitsIngest(image.os_disk)) {
    return true;
  }
  for (const ImageDisk& d : image.data_disks) {
    if (DiskAwaitsIngest(d)) {
      return true;
    }
  }
  return false;
}

ImageIngestWorker::ImageIngestWorker(metadata::MetadataStore& store, ImageData& data,
                                     const Clock& clock, OperationSignal& runner)
    : store_(store), data_(data), clock_(clock), runner_(runner) {}

ImageIngestWorker::~ImageIngestWorker() { Stop(); }

bool ImageIngestWorker::Needs(const domain::Operation& op,
                              const metadata::Resource& resource) const {
  const auto* image = std::get_if<ManagedImage>(&resource);
  return op.kind == domain::OperationKind::kCreate && image != nullptr && AwaitsIngest(*image);
}

void ImageIngestWorker::Start(const domain::Operation& op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || running_.count(op.id) > 0) {
    return;
  }
  running_.insert(op.id);
  threads_.emplace_back([this, op] {
    Status s = Run(op);
    if (!s.ok()) {
      GLOG_WARN("ingest for operation {} on {}: {} (retried later)", op.id,
                op.resource_id.ToString(), s.ToString());
    }
    std::lock_guard<std::mutex> done(mu_);
    running_.erase(op.id);
  });
}

std::optional<int> ImageIngestWorker::PercentOf(const std::string& operation_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = percent_.find(operation_id);
  if (it == percent_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void ImageIngestWorker::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& t : threads) {
    t.join();
  }
}

Status ImageIngestWorker::Run(const domain::Operation& op) {
  std::optional<ManagedImage> image;
  {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kRead));
    GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> found,
                             tx->GetResource(op.resource_id));
    if (found.has_value() && std::holds_alternative<ManagedImage>(*found)) {
      image = std::get<ManagedImage>(std::move(*found));
    }
  }
  if (!image.has_value() || image->meta.operation_id != op.id || !AwaitsIngest(*image)) {
    return Status::Ok();  // deleted, replaced or done: the runner sees to the operation
  }
  std::vector<ImageDisk*> disks{&image->os_disk};
  for (ImageDisk& d : image->data_disks) {
    disks.push_back(&d);
  }
  // Ingest first, outside any transaction; record every manifest together afterwards.
  std::vector<std::pair<ImageDisk*, ImageData::IngestedBlob>> ingested;
  std::erase_if(disks, [](const ImageDisk* d) { return !DiskAwaitsIngest(*d); });
  struct Forget {  // the progress is only told while the ingest runs
    ImageIngestWorker& worker;
    const std::string& id;
    ~Forget() {
      std::lock_guard<std::mutex> lock(worker.mu_);
      worker.percent_.erase(id);
    }
  } forget{*this, op.id};
  for (size_t i = 0; i < disks.size(); ++i) {
    ImageDisk* disk = disks[i];
    auto progress = [this, &op, i, count = disks.size()](uint64_t done, uint64_t total) {
      const uint64_t share = total == 0 ? 100 : done * 100 / total;
      std::lock_guard<std::mutex> lock(mu_);
      percent_[op.id] = static_cast<int>(std::min<uint64_t>(99, (i * 100 + share) / count));
    };
    Result<domain::BlobLocation> at = StoredBlob(disk->blob_uri);
    Result<ImageData::IngestedBlob> manifest =
        at.ok()
            ? data_.IngestBlob(op.origin.tenant_id, *at, image->meta.location, progress, &stopping_)
            : Result<ImageData::IngestedBlob>(at.status());
    if (!manifest.ok()) {
      if (Permanent(manifest.status())) {
        return Fail(op, Status(manifest.status().code(),
                               "The blob '" + disk->blob_uri +
                                   "' cannot be made into an image disk: " +
                                   manifest.status().message())
                            .WithReason(manifest.status().reason().empty()
                                            ? "InvalidParameter"
                                            : manifest.status().reason()));
      }
      return manifest.status();
    }
    ingested.emplace_back(disk, std::move(*manifest));
  }
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> current,
                           tx->GetResource(op.resource_id));
  const auto* still = current.has_value() ? std::get_if<ManagedImage>(&*current) : nullptr;
  if (still == nullptr || still->meta.operation_id != op.id) {
    return Status::Ok();  // gone meanwhile: nothing recorded, the chunks are garbage
  }
  for (auto& [disk, blob] : ingested) {
    GALLERY_ASSIGN_OR_RETURN(disk->manifest_id,
                             data_.CommitManifest(*tx, blob.manifest, image->meta.location));
    disk->size_bytes = static_cast<int64_t>(blob.manifest.virtual_size);
    disk->disk_size_gb = domain::SizeInGiB(disk->size_bytes);
    disk->vhd_footer = std::move(blob.vhd_footer);  // exported as it came
  }
  GALLERY_RETURN_IF_ERROR(tx->PutResource(*image));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> stored, tx->GetOperation(op.id));
  if (stored.has_value() && !stored->terminal()) {
    stored->not_before = clock_.Now();  // due now: the runner completes it
    GALLERY_RETURN_IF_ERROR(tx->PutOperation(*stored));
  }
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("ingested {} disk(s) of {}", ingested.size(), op.resource_id.ToString());
  runner_.Notify();
  return Status::Ok();
}

Status ImageIngestWorker::Fail(const domain::Operation& op, const Status& error) {
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, store_.Begin(TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<domain::Operation> stored, tx->GetOperation(op.id));
  if (!stored.has_value() || stored->terminal()) {
    return Status::Ok();
  }
  GALLERY_RETURN_IF_ERROR(
      FailOperation(*tx, &*stored, error.reason(), error.message(), clock_.Now()));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_WARN("operation {} on {} failed: {}", op.id, op.resource_id.ToString(), error.message());
  runner_.Ended(*stored);
  return Status::Ok();
}

}  // namespace gallery::service
