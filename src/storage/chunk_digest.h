#pragma once
// ChunkDigest: the name of a chunk, the SHA-256 of its content (OpenSSL EVP).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gallery::storage {

using ChunkDigest = std::array<uint8_t, 32>;

// SHA-256 of `data`.
ChunkDigest DigestOf(std::span<const uint8_t> data);

// Lower-case hex, 64 characters.
std::string ToHex(const ChunkDigest& digest);
// The digest named by 64 hex characters (any case); nullopt otherwise.
std::optional<ChunkDigest> ParseDigest(std::string_view hex);

// True when every byte of `data` is zero (word-wise; the cheap test that keeps zero ranges from
// being hashed or written).
bool IsAllZero(std::span<const uint8_t> data);

}  // namespace gallery::storage
