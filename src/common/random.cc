#include "common/random.h"

#include "common/base64.h"

#include <openssl/rand.h>

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

std::string NewUuid(Random& random) {
  std::string b = random.Bytes(16);
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

std::string RandomToken(Random& random, size_t n) { return Base64UrlEncode(random.Bytes(n)); }

}  // namespace gallery
