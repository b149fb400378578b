#include "service/image_data.h"

#include <sys/stat.h>

#include "storage/account_blobs.h"
#include "storage/disk_image.h"
#include "storage/vhd_format.h"

namespace gallery::service {

ImageData::ImageData(StoreForRegion stores, ImageDataOptions options, Random& random)
    : stores_(std::move(stores)), options_(std::move(options)), random_(random) {}

Result<domain::BlobLocation> ImageData::ServedBlob(const std::string& uri,
                                                   const std::string& field) const {
  return domain::ParseServedBlobUri(uri, endpoints_, field);
}

std::filesystem::path ImageData::BlobPath(const std::string& tenant,
                                          const domain::BlobLocation& at) const {
  return storage::AccountBlobPath(options_.blobs_root, tenant, at);
}

namespace {

Status ManifestNotFound(const std::string& manifest_id) {
  return Status::NotFound("The data of the source (manifest '" + manifest_id + "') was not found.")
      .WithReason("ManifestNotFound");
}

}  // namespace

Result<int64_t> ImageData::ManifestSize(metadata::Transaction& tx, const std::string& manifest_id,
                                        int64_t recorded) const {
  if (recorded > 0) {
    return recorded;
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::ManifestRecord> source,
                           tx.GetManifest(manifest_id));
  if (!source.has_value()) {
    return ManifestNotFound(manifest_id);
  }
  GALLERY_ASSIGN_OR_RETURN(storage::Manifest manifest, storage::DecodeManifest(source->body));
  return static_cast<int64_t>(manifest.virtual_size);
}

Result<std::string> ImageData::CopyManifest(metadata::Transaction& tx,
                                            const std::string& manifest_id,
                                            const std::string& region, TimestampMs now) {
  std::string id = NewUuid(random_);
  // In the region's first store, which is named like the region.
  Status copied = tx.PutManifestCopy(manifest_id, id, region, now);
  if (copied.code() == StatusCode::kNotFound) {
    return ManifestNotFound(manifest_id);
  }
  GALLERY_RETURN_IF_ERROR(copied);
  return id;
}

Status ImageData::CopyImageManifests(metadata::Transaction& tx, const domain::ManagedImage& image,
                                     domain::GalleryImageVersion* version, TimestampMs now) {
  auto copy = [&](const domain::ImageDisk& from, domain::DiskImage* to) -> Status {
    if (from.manifest_id.empty()) {
      return Status::Ok();
    }
    GALLERY_ASSIGN_OR_RETURN(to->manifest_id,
                             CopyManifest(tx, from.manifest_id, version->meta.location, now));
    GALLERY_ASSIGN_OR_RETURN(to->size_bytes, ManifestSize(tx, from.manifest_id, from.size_bytes));
    to->size_in_gb = domain::SizeInGiB(to->size_bytes);
    to->vhd_footer = from.vhd_footer;
    return Status::Ok();
  };
  GALLERY_RETURN_IF_ERROR(copy(image.os_disk, &version->os_disk_image));
  for (size_t i = 0; i < image.data_disks.size() && i < version->data_disk_images.size(); ++i) {
    GALLERY_RETURN_IF_ERROR(copy(image.data_disks[i], &version->data_disk_images[i]));
  }
  return Status::Ok();
}

Result<ImageData::IngestedBlob> ImageData::IngestBlob(
    const std::string& tenant, const domain::BlobLocation& at, const std::string& region,
    const std::function<void(uint64_t, uint64_t)>& progress, std::atomic<bool>* cancel) {
  const std::filesystem::path path = BlobPath(tenant, at);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("The blob '" + at.account + "/" + at.container + "/" +
                                   at.blob + "' does not exist on this server's blob endpoint.")
        .WithReason("InvalidParameter");
  }
  GALLERY_ASSIGN_OR_RETURN(storage::ChunkStore * store, stores_(region));
  storage::DiskImageInfo info;
  // A blob holds a VHD file as tools write it: a dynamic VHD's length is whatever its blocks
  // take, unrelated to its disk size (which must still be whole MiB).
  GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<storage::VirtualDisk> disk,
                           storage::OpenDiskImage(path.string(), static_cast<uint64_t>(st.st_size),
                                                  storage::DeclaredFormat::kVhdFile, &info));
  storage::IngestOptions options = options_.ingest;
  options.progress = progress;
  options.cancel = cancel;
  IngestedBlob out;
  GALLERY_ASSIGN_OR_RETURN(out.manifest, storage::Ingest(*disk, *store, options));
  if (info.footer.has_value()) {
    out.vhd_footer = storage::VhdFooterBytes(*info.footer);
  }
  return out;
}

Result<std::string> ImageData::CommitManifest(metadata::Transaction& tx,
                                              const storage::Manifest& manifest,
                                              const std::string& region) {
  metadata::ManifestRecord record;
  record.id = NewUuid(random_);
  record.store = region;
  record.body = storage::EncodeManifest(manifest);
  GALLERY_RETURN_IF_ERROR(tx.PutManifest(record));
  return record.id;
}

std::vector<std::string> ManifestsOf(const metadata::Resource& resource) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (!id.empty()) {
      out.push_back(id);
    }
  };
  if (const auto* image = std::get_if<domain::ManagedImage>(&resource)) {
    add(image->os_disk.manifest_id);
    for (const domain::ImageDisk& d : image->data_disks) {
      add(d.manifest_id);
    }
  } else if (const auto* disk = std::get_if<domain::Disk>(&resource)) {
    add(disk->manifest_id);
  } else if (const auto* version = std::get_if<domain::GalleryImageVersion>(&resource)) {
    add(version->os_disk_image.manifest_id);
    for (const domain::DiskImage& d : version->data_disk_images) {
      add(d.manifest_id);
    }
    for (const domain::Replica& replica : version->replicas) {
      for (const std::string& id : replica.manifests) {
        add(id);
      }
    }
  }
  return out;
}

std::string VhdFooterOf(const metadata::Resource& resource, const std::string& manifest_id) {
  auto footer_of = [&](const auto& os, const auto& data) -> std::string {
    if (os.manifest_id == manifest_id) {
      return os.vhd_footer;
    }
    for (const auto& d : data) {
      if (d.manifest_id == manifest_id) {
        return d.vhd_footer;
      }
    }
    return {};
  };
  if (const auto* image = std::get_if<domain::ManagedImage>(&resource)) {
    return footer_of(image->os_disk, image->data_disks);
  }
  if (const auto* version = std::get_if<domain::GalleryImageVersion>(&resource)) {
    return footer_of(version->os_disk_image, version->data_disk_images);
  }
  if (const auto* disk = std::get_if<domain::Disk>(&resource)) {
    return disk->manifest_id == manifest_id ? disk->vhd_footer : std::string();
  }
  return {};
}

Status DeleteManifestsOf(metadata::Transaction& tx, const metadata::Resource& resource) {
  for (const std::string& id : ManifestsOf(resource)) {
    Status deleted = tx.DeleteManifest(id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      return deleted;
    }
  }
  return Status::Ok();
}

}  // namespace gallery::service
