#pragma once
// Little-endian integers in byte strings: the on-disk encodings of manifests and page maps.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gallery {

template <typename T>
void AppendLe(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(value >> (8 * i))));
  }
}

// The T at byte `pos` of `in`; `in` must hold sizeof(T) bytes there.
template <typename T>
T ReadLe(std::string_view in, size_t pos) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(in[pos + i])) << (8 * i));
  }
  return value;
}

}  // namespace gallery
