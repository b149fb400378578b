#include "common/random.h"

#include "common/base64.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>

namespace gallery {

namespace {

class SystemRandom final : public Random {
 public:
  std::string Bytes(size_t n) override {
    std::string out(n, '\0');
    // RAND_bytes only fails when the OS entropy source is broken; nothing sane can continue.
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
      std::abort();
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Random> NewSystemRandom() { return std::make_unique<SystemRandom>(); }

// Formats 16 random bytes as a version-4 UUID.
std::string FormatUuid(std::string b) {
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out += '-';
    }
    out += kHex[(static_cast<unsigned char>(b[i]) >> 4) & 0xf];
    out += kHex[static_cast<unsigned char>(b[i]) & 0xf];
  }
  return out;
}

std::string NewUuid(Random& random) { return FormatUuid(random.Bytes(16)); }

std::string NewLabelUuid() {
  thread_local std::mt19937_64 generator = [] {
    std::array<unsigned char, 32> seed_bytes;
    if (RAND_bytes(seed_bytes.data(), static_cast<int>(seed_bytes.size())) != 1) {
      std::abort();  // as in SystemRandom: no entropy source, nothing sane can continue
    }
    std::array<uint32_t, 8> words;
    std::memcpy(words.data(), seed_bytes.data(), seed_bytes.size());
    std::seed_seq seq(words.begin(), words.end());
    return std::mt19937_64(seq);
  }();
  std::string b(16, '\0');
  for (size_t i = 0; i < 16; i += 8) {
    const uint64_t v = generator();
    std::memcpy(b.data() + i, &v, 8);
  }
  return FormatUuid(std::move(b));
}

std::string RandomToken(Random& random, size_t n) { return Base64UrlEncode(random.Bytes(n)); }

std::string NewClientSecret(Random& random, size_t n) {
  while (true) {
    std::string secret = RandomToken(random, n);
    if (secret.empty() || secret[0] != '-') {
      return secret;  // redrawn, not edited: every secret stays uniformly random
    }
  }
}

}  // namespace gallery
