#pragma once
// Test utilities of the chunk store tests and the chunk-size benchmark (never in the product):
// MemoryDisk, a test double of VirtualDisk over an in-memory buffer that can declare ranges
// known to be zero, counts the bytes read and can be told to fail reads at an offset; and
// TempDir, a folder removed with its contents at the end of its scope; ForwardingChunkStore, the
// base of test doubles that change a few methods of a real store.

#include <stdlib.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>
#include <vector>

#include "storage/chunk_store.h"
#include "storage/virtual_disk.h"

namespace gallery::storage {

class MemoryDisk final : public VirtualDisk {
 public:
  explicit MemoryDisk(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}

  // `size` bytes from a seeded generator (deterministic per seed).
  static std::vector<uint8_t> RandomBytes(size_t size, uint64_t seed) {
    std::vector<uint8_t> out(size);
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i + 8 <= size; i += 8) {
      uint64_t v = rng();
      std::memcpy(out.data() + i, &v, 8);
    }
    for (size_t i = size / 8 * 8; i < size; ++i) {
      out[i] = static_cast<uint8_t>(rng());
    }
    return out;
  }

  uint64_t size() const override { return bytes_.size(); }

  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
      return Status::InvalidArgument("read outside the disk");
    }
    if (fail_at_ < offset + out.size() && offset <= fail_at_) {
      return Status::Unavailable("injected read failure at " + std::to_string(fail_at_));
    }
    std::memcpy(out.data(), bytes_.data() + offset, out.size());
    bytes_read_ += out.size();
    return Status::Ok();
  }

  bool KnownZero(uint64_t offset, uint64_t length) const override {
    for (const auto& [start, end] : known_zero_) {
      if (offset >= start && offset + length <= end) {
        return true;
      }
    }
    return false;
  }

  // Declares [start, end) known zero; zeroes it so the claim stays true.
  void SetKnownZero(uint64_t start, uint64_t end) {
    std::memset(bytes_.data() + start, 0, end - start);
    known_zero_.emplace_back(start, end);
  }
  std::optional<ChunkDigest> KnownDigest(uint64_t offset, uint64_t length) const override {
    for (const auto& [start, digest] : known_digests_) {
      if (offset == start && length == known_length_) {
        return digest;
      }
    }
    return std::nullopt;
  }
  // Declares the digest of the `length` bytes at `start` known (whatever it is: a test may lie).
  void SetKnownDigest(uint64_t start, uint64_t length, const ChunkDigest& digest) {
    known_length_ = length;
    known_digests_.emplace_back(start, digest);
  }

  // Reads touching `offset` fail with Unavailable.
  void FailReadsAt(uint64_t offset) { fail_at_ = offset; }
  uint64_t bytes_read() const { return bytes_read_.load(); }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
  std::vector<std::pair<uint64_t, uint64_t>> known_zero_;
  std::vector<std::pair<uint64_t, ChunkDigest>> known_digests_;
  uint64_t known_length_ = 0;
  uint64_t fail_at_ = UINT64_MAX;
  mutable std::atomic<uint64_t> bytes_read_{0};
};

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gallery_chunks_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A ChunkStore that passes every call to `inner`; tests override what they observe or break.
class ForwardingChunkStore : public ChunkStore {
 public:
  explicit ForwardingChunkStore(ChunkStore& inner) : inner_(inner) {}
  Result<bool> Contains(const ChunkDigest& d) override { return inner_.Contains(d); }
  Result<bool> ContainsWhole(const ChunkDigest& d, uint64_t length) override {
    return inner_.ContainsWhole(d, length);
  }
  Result<std::vector<uint8_t>> Read(const ChunkDigest& d) override { return inner_.Read(d); }
  std::unique_ptr<ChunkBatch> BeginBatch() override { return inner_.BeginBatch(); }
  Result<std::unique_ptr<StagedBatch>> OpenStagedBatch(const std::string& name) override {
    return inner_.OpenStagedBatch(name);
  }
  Status DiscardStagedBatch(const std::string& name) override {
    return inner_.DiscardStagedBatch(name);
  }
  Result<std::vector<std::string>> ListStagedBatches() override {
    return inner_.ListStagedBatches();
  }
  Status Remove(const ChunkDigest& d) override { return inner_.Remove(d); }
  Result<std::optional<uint64_t>> RemoveIfUnused(const ChunkDigest& d, TimestampMs t) override {
    return inner_.RemoveIfUnused(d, t);
  }
  Status ForEach(const std::function<void(const ChunkDigest&, TimestampMs)>& fn) override {
    return inner_.ForEach(fn);
  }
  Result<StoreUsage> Usage() override { return inner_.Usage(); }

 protected:
  ChunkStore& inner_;
};

}  // namespace gallery::storage
