#pragma once
// DiskServiceOptions: the knobs of disk uploads and seals (disk_service.h), read from the
// configuration file's "disks" section (config_loader.h) into ServiceConfig::disks.

#include <cstdint>
#include <filesystem>

#include "storage/ingest.h"
#include "storage/upload_blob.h"

namespace gallery::service {

struct DiskServiceOptions {
  // Where upload blobs live: {uploads_dir}/{uniqueId}.blob and .slots.
  std::filesystem::path uploads_dir;
  // Chunks of uploads and of the ingest of a seal: their size (a power of two, 4 KiB..64 MiB)
  // and the ingest's worker threads.
  uint32_t chunk_size = storage::kDefaultChunkSize;
  int ingest_threads = storage::kDefaultIngestThreads;
  // Helper threads hashing and staging the chunks of page writes (0: the request's thread).
  int upload_write_threads = storage::kDefaultUploadWriteThreads;
  // The most separate ranges of written pages one upload may have (a write that would make
  // more is refused, storage::PageMap): memory per upload is bounded by it.
  int64_t max_page_ranges = static_cast<int64_t>(storage::kMaxPageMapRanges);
  // A seal that fails on I/O (Unavailable: a store folder gone, a read error) is tried this
  // many times in all, waiting seal_retry_delay_ms, then twice that, and so on, in between;
  // any other failure (a refused VHD, lost data, a full disk) ends it at once.
  int seal_attempts = 3;
  int64_t seal_retry_delay_ms = 2000;
  // EndGetAccess of an upload waits up to this long for its seal, so that a seal done by then
  // is answered as complete (the API's 200) instead of after the client's first poll interval
  // (Retry-After: 1 s). It holds the request's thread meanwhile: keep it short. A seal queued
  // behind others is answered at once.
  int64_t seal_answer_wait_ms = 1000;
};

}  // namespace gallery::service
