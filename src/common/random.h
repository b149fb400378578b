#pragma once
// Randomness behind an interface, so tests can make ids predictable.

#include <cstdint>
#include <memory>
#include <string>

namespace gallery {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `n` bytes. Thread-safe.
  virtual std::string Bytes(size_t n) = 0;
};

// Cryptographically strong bytes from the OS (OpenSSL RAND_bytes). Thread-safe.
std::unique_ptr<Random> NewSystemRandom();

// A lower-case RFC 4122 version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUuid(Random& random);
// The same from a fast per-thread generator seeded once from the operating system: unique, but
// predictable to someone who saw earlier ones. For ids that only label things (request ids, on
// every request); secrets, tokens and resource ids come from Random.
std::string NewLabelUuid();
// `n` random bytes as URL-safe base64 without padding (secrets, tokens).
std::string RandomToken(Random& random, size_t n);
// A secret handed to people (client secrets): RandomToken that never starts with '-', so a
// command line (`az login -p SECRET`) never takes it for an option.
std::string NewClientSecret(Random& random, size_t n);

}  // namespace gallery
