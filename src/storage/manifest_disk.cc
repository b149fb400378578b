#include "storage/manifest_disk.h"

#include <algorithm>
#include <cstring>

namespace gallery::storage {

namespace {

bool InRange(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

ManifestDisk::ManifestDisk(Manifest manifest, ChunkStore& store, size_t cached_chunks)
    : ManifestDisk(std::make_shared<const Manifest>(std::move(manifest)), store, cached_chunks) {}

ManifestDisk::ManifestDisk(std::shared_ptr<const Manifest> manifest, ChunkStore& store,
                           size_t cached_chunks)
    : manifest_(std::move(manifest)),
      valid_(ValidateManifest(*manifest_)),
      store_(store),
      cached_chunks_(std::max<size_t>(1, cached_chunks)) {}

Result<ManifestDisk::ChunkBytes> ManifestDisk::Chunk(uint64_t index) const {
  const ChunkDigest& digest = *manifest_->chunks[index];
  {
    std::lock_guard lock(mu_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first == digest) {
        cache_.splice(cache_.begin(), cache_, it);
        return it->second;
      }
    }
  }
  // Read and verified outside the lock: readers of other chunks do not wait on this one.
  Result<std::vector<uint8_t>> read = store_.Read(digest);
  if (!read.ok()) {
    if (read.status().code() == StatusCode::kNotFound) {
      return Status::DataLoss("chunk " + ToHex(digest) + " of the disk is missing from the store");
    }
    return read.status();
  }
  if (read->size() != ChunkLength(*manifest_, index)) {
    return Status::DataLoss("chunk " + ToHex(digest) + " has " + std::to_string(read->size()) +
                            " bytes where the manifest needs " +
                            std::to_string(ChunkLength(*manifest_, index)));
  }
  auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(read).value());
  std::lock_guard lock(mu_);
  cache_.emplace_front(digest, bytes);
  if (cache_.size() > cached_chunks_) {
    cache_.pop_back();
  }
  return bytes;
}

Status ManifestDisk::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  if (!valid_.ok()) {
    return Status::DataLoss("the disk's manifest is inconsistent: " + valid_.message());
  }
  if (!InRange(offset, out.size(), manifest_->virtual_size)) {
    return Status::InvalidArgument("read of " + std::to_string(out.size()) + " bytes at " +
                                   std::to_string(offset) + " leaves the disk of " +
                                   std::to_string(manifest_->virtual_size) + " bytes");
  }
  const uint64_t chunk_size = manifest_->chunk_size;
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t position = offset + done;
    const uint64_t index = position / chunk_size;
    const uint64_t within = position % chunk_size;
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>(out.size() - done, ChunkLength(*manifest_, index) - within));
    if (!manifest_->chunks[index]) {
      std::memset(out.data() + done, 0, n);
    } else {
      GALLERY_ASSIGN_OR_RETURN(ChunkBytes bytes, Chunk(index));
      std::memcpy(out.data() + done, bytes->data() + within, n);
    }
    done += n;
  }
  return Status::Ok();
}

bool ManifestDisk::KnownZero(uint64_t offset, uint64_t length) const {
  if (!valid_.ok() || !InRange(offset, length, manifest_->virtual_size)) {
    return false;
  }
  if (length == 0) {
    return true;
  }
  const uint64_t first = offset / manifest_->chunk_size;
  const uint64_t last = (offset + length - 1) / manifest_->chunk_size;
  for (uint64_t i = first; i <= last; ++i) {
    if (manifest_->chunks[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace gallery::storage
