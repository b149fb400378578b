// chunk_size: the measurements behind kDefaultChunkSize (storage/ingest.h).
//
// For each chunk size, on a disk of random bytes held in memory: the time to ingest it into an
// empty FileChunkStore in a temporary folder (hashing, one file per chunk, the commit's flush),
// then the bytes a second disk adds to the same store when it differs from the first in 2% of
// its 4 KiB blocks, changed in runs of 1..64 consecutive blocks at random positions (how a new
// image version differs from the previous one).
//
//   chunk_size_bench [--size-mib 1024] [--threads 2] [--chunk-kib N (default: all five)]
//                    [--dir FOLDER (default: $TMPDIR or /tmp)]
//
// Not run by the tests: it writes several GiB.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"
#include "storage/ingest.h"

namespace gallery::storage {
namespace {

constexpr uint64_t kBlock = 4096;
constexpr double kChangedFraction = 0.02;
constexpr uint64_t kMaxRunBlocks = 64;

// A copy of `base` with kChangedFraction of its blocks rewritten, in runs.
std::vector<uint8_t> ChangedCopy(const std::vector<uint8_t>& base, uint64_t seed) {
  std::vector<uint8_t> out = base;
  const uint64_t blocks = base.size() / kBlock;
  const auto target = static_cast<uint64_t>(static_cast<double>(blocks) * kChangedFraction);
  std::vector<bool> changed(blocks);
  uint64_t changed_count = 0;
  std::mt19937_64 rng(seed);
  while (changed_count < target) {
    const uint64_t run = 1 + rng() % kMaxRunBlocks;
    const uint64_t start = rng() % blocks;
    for (uint64_t b = start; b < std::min(blocks, start + run) && changed_count < target; ++b) {
      for (uint64_t i = 0; i < kBlock; i += 8) {
        const uint64_t v = rng();
        std::memcpy(out.data() + b * kBlock + i, &v, 8);
      }
      if (!changed[b]) {
        changed[b] = true;
        ++changed_count;
      }
    }
  }
  return out;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Run(uint64_t size_mib, int threads, const std::vector<uint32_t>& chunk_sizes) {
  const uint64_t size = size_mib << 20;
  std::fprintf(stderr, "generating two disks of %llu MiB...\n",
               static_cast<unsigned long long>(size_mib));
  MemoryDisk first(MemoryDisk::RandomBytes(size, 1));
  MemoryDisk second(ChangedCopy(first.bytes(), 2));
  std::printf(
      "disk %llu MiB, %d threads, second disk: %.0f%% of 4 KiB blocks changed in runs of "
      "1..%llu\n\n",
      static_cast<unsigned long long>(size_mib), threads, kChangedFraction * 100,
      static_cast<unsigned long long>(kMaxRunBlocks));
  std::printf(
      "| chunk size | chunks | ingest s | ingest MB/s | 2nd disk s | 2nd disk new bytes |\n");
  std::printf("|---|---|---|---|---|---|\n");
  // The stores are removed only at the end: on ext4 without a journal, creating files right
  // after deleting thousands makes the inode allocator skip every recently freed inode, which
  // would charge one row for the clean-up of the previous one.
  std::vector<std::unique_ptr<TempDir>> temps;
  for (uint32_t chunk_size : chunk_sizes) {
    temps.push_back(std::make_unique<TempDir>());
    Result<std::unique_ptr<FileChunkStore>> store = FileChunkStore::Open(temps.back()->path());
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    IngestOptions options;
    options.chunk_size = chunk_size;
    options.threads = threads;
    auto start = std::chrono::steady_clock::now();
    Result<Manifest> m1 = Ingest(first, **store, options);
    const double first_s = Seconds(start);
    Result<StoreUsage> before = (*store)->Usage();
    start = std::chrono::steady_clock::now();
    Result<Manifest> m2 = Ingest(second, **store, options);
    const double second_s = Seconds(start);
    Result<StoreUsage> after = (*store)->Usage();
    if (!m1.ok() || !m2.ok() || !before.ok() || !after.ok()) {
      std::fprintf(stderr, "ingest failed: %s %s\n", m1.status().ToString().c_str(),
                   m2.status().ToString().c_str());
      return 1;
    }
    const double added = static_cast<double>(after->stored_bytes - before->stored_bytes);
    std::printf("| %u KiB | %llu | %.2f | %.0f | %.2f | %.1f%% |\n", chunk_size >> 10,
                static_cast<unsigned long long>(before->chunks), first_s,
                static_cast<double>(size) / first_s / 1e6, second_s,
                100.0 * added / static_cast<double>(size));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace gallery::storage

int main(int argc, char** argv) {
  uint64_t size_mib = 1024;
  int threads = 2;
  std::string dir;
  std::vector<uint32_t> chunk_sizes = {64u << 10, 128u << 10, 256u << 10, 1u << 20, 4u << 20};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--size-mib") {
      size_mib = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (flag == "--chunk-kib") {
      chunk_sizes = {static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 10) << 10)};
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (!dir.empty()) {
    setenv("TMPDIR", dir.c_str(), 1);  // where TempDir makes the stores
  }
  return gallery::storage::Run(size_mib, threads, chunk_sizes);
}
