#include "storage/chunk_digest.h"

#include <openssl/evp.h>

#include <cstring>

namespace gallery::storage {

ChunkDigest DigestOf(std::span<const uint8_t> data) {
  ChunkDigest out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string ToHex(const ChunkDigest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digest.size() * 2, '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<ChunkDigest> ParseDigest(std::string_view hex) {
  ChunkDigest out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

bool IsAllZero(std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  for (; n > 0 && reinterpret_cast<uintptr_t>(p) % sizeof(uint64_t) != 0; ++p, --n) {
    if (*p != 0) return false;
  }
  for (; n >= 4 * sizeof(uint64_t); p += 4 * sizeof(uint64_t), n -= 4 * sizeof(uint64_t)) {
    uint64_t w[4];
    std::memcpy(w, p, sizeof w);
    if ((w[0] | w[1] | w[2] | w[3]) != 0) return false;
  }
  for (; n > 0; ++p, --n) {
    if (*p != 0) return false;
  }
  return true;
}

}  // namespace gallery::storage
