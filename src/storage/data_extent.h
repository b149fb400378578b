#pragma once
// DataExtent: a byte range that may hold non-zero bytes, as the readers of sparse things report
// them (ImageSource::DataExtents, VirtualDisk::DataExtents): everything outside a list of them
// is known to read as zeros, found without reading it. A list is in order, its extents
// disjoint and not touching; an extent may still hold zeros (it is "may", not "does").
//
//   std::vector<DataExtent> extents;
//   AppendExtent(extents, 0, 4096);
//   AppendExtent(extents, 4096, 512);   // extents == {{0, 4608}}

#include <cstdint>
#include <vector>

namespace gallery::storage {

struct DataExtent {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t end() const { return offset + length; }
  bool operator==(const DataExtent&) const = default;
};

// Appends [offset, offset + length) to `extents`, whose extents all start before `offset`,
// merging it into the last one when they overlap or touch. An empty range adds nothing.
inline void AppendExtent(std::vector<DataExtent>& extents, uint64_t offset, uint64_t length) {
  if (length == 0) {
    return;
  }
  if (!extents.empty() && extents.back().end() >= offset) {
    const uint64_t end = offset + length;
    if (end > extents.back().end()) {
      extents.back().length = end - extents.back().offset;
    }
    return;
  }
  extents.push_back({offset, length});
}

}  // namespace gallery::storage
