#pragma once
// RenderCache: remembers the JSON text of a resource as the API renders it, so that a GET of
// an unchanged resource costs a lookup and a copy instead of building and serializing its JSON
// document (the largest part of a GET's own work).
//
// An entry is keyed by what the text depends on besides the resource (its id and the
// api-version) and is valid only for the exact resource object it was rendered from: the
// metadata store hands out the same immutable object while the stored resource is unchanged
// (MetadataStore::FindResource), and the entry holds that object, so its address cannot be
// reused by another resource while the entry lives. A changed resource is a new object: it
// misses, and its rendering replaces the stale entry. The cache never answers from stale
// state. Bounded by the text bytes plus an allowance for the resource each entry holds;
// thread-safe.

#include <memory>
#include <string>
#include <string_view>

#include "common/bounded_cache.h"
#include "metadata/metadata_store.h"

namespace gallery::api {

class RenderCache {
 public:
  explicit RenderCache(size_t capacity_bytes) : entries_(capacity_bytes) {}

  // The text remembered under `key` for exactly `source`, or null.
  std::shared_ptr<const std::string> Find(std::string_view key,
                                          const metadata::Resource* source) const {
    return entries_.Visit(key, [&](const Entry& e) {
      return e.source.get() == source ? e.text : nullptr;
    });
  }

  // Remembers `text` as the rendering of `source` under `key`.
  void Remember(std::string key, std::shared_ptr<const metadata::Resource> source,
                std::shared_ptr<const std::string> text) {
    // The held resource is about as large as its rendering.
    const size_t size = 2 * text->size();
    entries_.Put(std::move(key), Entry{std::move(source), std::move(text)}, size);
  }

  size_t entries() const { return entries_.entries(); }

 private:
  struct Entry {
    std::shared_ptr<const metadata::Resource> source;
    std::shared_ptr<const std::string> text;
  };
  BoundedCache<Entry> entries_;
};

}  // namespace gallery::api
