#pragma once
// ResourceMemo: remembers the Resource decoded from a stored body, so that reading a row that
// has not changed costs a lookup and a byte comparison instead of a JSON parse (a parse and
// decode of a version document costs tens of microseconds; the server reads far more than it
// writes).
//
// An entry is valid only for the exact body bytes it was decoded from, so the memo returns what
// decoding that row would return, whatever transaction or snapshot the row was read in: a
// changed row simply misses. It is a cache of a pure function, never of the database's state.
//
//   if (auto hit = memo.Find(key, type, body)) return *hit;
//   GALLERY_ASSIGN_OR_RETURN(Resource r, Decode(type, body));
//   memo.Remember(key, type, body, r);
//
// Bounded by the total size of the remembered bodies; when full, arbitrary entries are
// forgotten. Thread-safe.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metadata/metadata_store.h"

namespace gallery::metadata {

class ResourceMemo {
 public:
  // Remembers bodies totalling at most `capacity_bytes`; 0 remembers nothing.
  explicit ResourceMemo(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // The resource remembered for row `key` if it was decoded from exactly this `type` and
  // `body`; else null.
  std::shared_ptr<const Resource> Find(std::string_view key, std::string_view type,
                                       std::string_view body) const;

  // Remembers that row `key` with `type` and `body` decodes to `resource`, replacing what `key`
  // had. Only remember what DecodeResource returned for exactly these bytes. A body larger than
  // the whole capacity is not remembered.
  void Remember(std::string_view key, std::string_view type, std::string_view body,
                const Resource& resource);

  size_t size_bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string type;
    std::string body;
    std::shared_ptr<const Resource> resource;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const size_t capacity_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;  // by row key
  size_t size_bytes_ = 0;  // sum of entries_' body sizes
};

}  // namespace gallery::metadata
