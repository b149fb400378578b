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
//   if (auto hit = memo.Find(key, type, body)) return hit;
//   GALLERY_ASSIGN_OR_RETURN(Resource r, Decode(type, body));
//   return memo.Remember(key, type, body, std::move(r));
//
// Bounded by the total size of the remembered bodies; when full, arbitrary entries are
// forgotten. Thread-safe.

#include <memory>
#include <string>
#include <string_view>

#include "common/bounded_cache.h"
#include "metadata/metadata_store.h"

namespace gallery::metadata {

class ResourceMemo {
 public:
  // Remembers bodies totalling at most `capacity_bytes`; 0 remembers nothing.
  explicit ResourceMemo(size_t capacity_bytes) : entries_(capacity_bytes) {}

  // The resource remembered for row `key` if it was decoded from exactly this `type` and
  // `body`; else null.
  std::shared_ptr<const Resource> Find(std::string_view key, std::string_view type,
                                       std::string_view body) const;

  // Remembers that row `key` with `type` and `body` decodes to `resource`, replacing what `key`
  // had, and returns the shared copy (Find returns that same object until the row changes).
  // Only remember what DecodeResource returned for exactly these bytes. A body larger than the
  // whole capacity is not remembered (the returned copy is then not shared with later reads).
  std::shared_ptr<const Resource> Remember(std::string_view key, std::string_view type,
                                           std::string_view body, Resource resource);

  size_t size_bytes() const { return entries_.size(); }
  size_t entries() const { return entries_.entries(); }

 private:
  struct Entry {
    std::string type;
    std::string body;
    std::shared_ptr<const Resource> resource;
  };
  BoundedCache<Entry> entries_;  // by row key, sized by body bytes
};

}  // namespace gallery::metadata
