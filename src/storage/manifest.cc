#include "storage/manifest.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "common/little_endian.h"

namespace gallery::storage {

namespace {

constexpr char kMagic[4] = {'G', 'M', 'A', 'N'};
constexpr uint16_t kVersion = 1;
// magic, version, flags, virtual_size, chunk_size, chunk count.
constexpr size_t kHeaderBytes = 4 + 2 + 2 + 8 + 4 + 8;
constexpr size_t kChecksumBytes = 8;
constexpr size_t kDigestBytes = sizeof(ChunkDigest);

ChunkDigest DigestOfText(std::string_view text) {
  return DigestOf({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

Status Damaged(const std::string& what) { return Status::DataLoss("manifest is damaged: " + what); }

}  // namespace

uint64_t ChunkCount(uint64_t virtual_size, uint32_t chunk_size) {
  if (chunk_size == 0) {
    return 0;
  }
  return virtual_size / chunk_size + (virtual_size % chunk_size != 0 ? 1 : 0);
}

uint32_t ChunkLength(const Manifest& manifest, uint64_t index) {
  uint64_t start = index * manifest.chunk_size;
  return static_cast<uint32_t>(
      std::min<uint64_t>(manifest.chunk_size, manifest.virtual_size - start));
}

Status ValidateManifest(const Manifest& manifest) {
  if (manifest.chunk_size == 0) {
    return Status::InvalidArgument("manifest chunk size must be positive");
  }
  uint64_t expected = ChunkCount(manifest.virtual_size, manifest.chunk_size);
  if (manifest.chunks.size() != expected) {
    return Status::InvalidArgument("manifest of " + std::to_string(manifest.virtual_size) +
                                   " bytes in chunks of " + std::to_string(manifest.chunk_size) +
                                   " needs " + std::to_string(expected) + " chunks, has " +
                                   std::to_string(manifest.chunks.size()));
  }
  return Status::Ok();
}

std::string EncodeManifest(const Manifest& manifest) {
  const uint64_t count = manifest.chunks.size();
  std::string out(kMagic, sizeof kMagic);
  AppendLe<uint16_t>(out, kVersion);
  AppendLe<uint16_t>(out, 0);
  AppendLe<uint64_t>(out, manifest.virtual_size);
  AppendLe<uint32_t>(out, manifest.chunk_size);
  AppendLe<uint64_t>(out, count);
  std::string bitmap((count + 7) / 8, '\0');
  for (uint64_t i = 0; i < count; ++i) {
    if (manifest.chunks[i]) {
      bitmap[i / 8] = static_cast<char>(static_cast<uint8_t>(bitmap[i / 8]) | (1u << (i % 8)));
    }
  }
  out += bitmap;
  for (const auto& chunk : manifest.chunks) {
    if (chunk) {
      out.append(reinterpret_cast<const char*>(chunk->data()), chunk->size());
    }
  }
  ChunkDigest sum = DigestOfText(out);
  out.append(reinterpret_cast<const char*>(sum.data()), kChecksumBytes);
  return out;
}

Result<Manifest> DecodeManifest(std::string_view body) {
  if (body.size() < sizeof kMagic || std::memcmp(body.data(), kMagic, sizeof kMagic) != 0) {
    return Status::InvalidArgument("not a Gallery manifest (bad magic)");
  }
  if (body.size() < kHeaderBytes + kChecksumBytes) {
    return Damaged("truncated to " + std::to_string(body.size()) + " bytes");
  }
  const std::string_view covered = body.substr(0, body.size() - kChecksumBytes);
  const ChunkDigest sum = DigestOfText(covered);
  if (std::memcmp(sum.data(), body.data() + covered.size(), kChecksumBytes) != 0) {
    return Damaged("checksum mismatch");
  }
  const uint16_t version = ReadLe<uint16_t>(body, 4);
  if (version != kVersion) {
    return Status::InvalidArgument("manifest version " + std::to_string(version) +
                                   " is not supported (this build reads version " +
                                   std::to_string(kVersion) + ")");
  }
  if (ReadLe<uint16_t>(body, 6) != 0) {
    return Damaged("unknown flags");
  }
  Manifest manifest;
  manifest.virtual_size = ReadLe<uint64_t>(body, 8);
  manifest.chunk_size = ReadLe<uint32_t>(body, 16);
  const uint64_t count = ReadLe<uint64_t>(body, 20);
  if (manifest.chunk_size == 0 || count != ChunkCount(manifest.virtual_size, manifest.chunk_size)) {
    return Damaged("chunk count does not match the size");
  }
  // Checked before allocating: a hostile count cannot make us reserve more than the body.
  const size_t rest = covered.size() - kHeaderBytes;
  const uint64_t bitmap_bytes = count / 8 + (count % 8 != 0 ? 1 : 0);
  if (bitmap_bytes > rest) {
    return Damaged("bitmap truncated");
  }
  const std::string_view bitmap = covered.substr(kHeaderBytes, bitmap_bytes);
  uint64_t present = 0;
  for (uint64_t i = 0; i < count; ++i) {
    present += (static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1u;
  }
  if (count % 8 != 0 && (static_cast<uint8_t>(bitmap.back()) >> (count % 8)) != 0) {
    return Damaged("bitmap has bits past the last chunk");
  }
  if (rest - bitmap_bytes != present * kDigestBytes) {
    return Damaged("digest list has the wrong length");
  }
  manifest.chunks.resize(count);
  size_t pos = kHeaderBytes + bitmap_bytes;
  for (uint64_t i = 0; i < count; ++i) {
    if ((static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1u) {
      ChunkDigest d;
      std::memcpy(d.data(), covered.data() + pos, kDigestBytes);
      manifest.chunks[i] = d;
      pos += kDigestBytes;
    }
  }
  return manifest;
}

std::vector<ChunkDigest> DistinctChunks(const Manifest& manifest) {
  std::vector<ChunkDigest> out;
  for (const auto& chunk : manifest.chunks) {
    if (chunk) {
      out.push_back(*chunk);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::pair<ChunkDigest, uint32_t>> ChunksInUseOrder(
    std::span<const Manifest> manifests) {
  std::vector<std::pair<ChunkDigest, uint32_t>> all;
  for (const Manifest& manifest : manifests) {
    for (uint64_t i = 0; i < manifest.chunks.size(); ++i) {
      if (manifest.chunks[i]) {
        all.emplace_back(*manifest.chunks[i], ChunkLength(manifest, i));
      }
    }
  }
  // Positions sorted by digest (stably: the first use of a digest comes first), then the first
  // of each digest kept in place. The same digest always has the same content, hence length.
  std::vector<size_t> by_digest(all.size());
  std::iota(by_digest.begin(), by_digest.end(), size_t{0});
  std::stable_sort(by_digest.begin(), by_digest.end(),
                   [&](size_t a, size_t b) { return all[a].first < all[b].first; });
  std::vector<bool> first(all.size(), false);
  for (size_t k = 0; k < by_digest.size(); ++k) {
    first[by_digest[k]] = k == 0 || all[by_digest[k - 1]].first != all[by_digest[k]].first;
  }
  size_t kept = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (first[i]) {
      all[kept++] = all[i];
    }
  }
  all.resize(kept);
  return all;
}

uint64_t StoredBytes(const Manifest& manifest) {
  uint64_t total = 0;
  for (const auto& [digest, length] : ChunksInUseOrder({&manifest, 1})) {
    total += length;
  }
  return total;
}

}  // namespace gallery::storage
