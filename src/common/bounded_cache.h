#pragma once
// BoundedCache: a thread-safe map from string keys to values, bounded by the total "size" its
// caller assigns to each value. When a new value would not fit, arbitrary entries are
// forgotten: the caches built on it (decoded resources, rendered responses) are caches of pure
// functions whose miss costs one recomputation, so no recency bookkeeping is kept.
//
//   BoundedCache<Entry> cache(16 << 20);
//   cache.Put(key, entry, entry.body.size());
//   auto hit = cache.Visit(key, [&](const Entry& e) { return e.valid_for(x) ? e.value : nullptr; });
//
// Values are only read under the cache's lock through Visit, so a reader copies what it needs
// (typically a shared_ptr) rather than the whole value.

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace gallery {

template <typename V>
class BoundedCache {
 public:
  // Keeps values whose sizes total at most `capacity`; 0 keeps nothing.
  explicit BoundedCache(size_t capacity) : capacity_(capacity) {}

  // Calls `use(const V&)` on the value of `key` under the lock and returns its result, or a
  // value-initialized result when `key` is absent. `use` must be quick and must not call back
  // into the cache.
  template <typename F>
  auto Visit(std::string_view key, F use) const -> decltype(use(std::declval<const V&>())) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      return {};
    }
    return use(it->second.value);
  }

  // Stores `value` of `size` under `key`, replacing what `key` had. A value larger than the
  // whole capacity is not stored (and replaces nothing).
  void Put(std::string key, V value, size_t size) {
    if (size > capacity_) {
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      size_ -= it->second.size;
      entries_.erase(it);
    }
    while (size_ + size > capacity_ && !entries_.empty()) {
      size_ -= entries_.begin()->second.size;
      entries_.erase(entries_.begin());
    }
    size_ += size;
    entries_.emplace(std::move(key), Slot{std::move(value), size});
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return size_;
  }
  size_t entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  struct Slot {
    V value;
    size_t size;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot, StringHash, std::equal_to<>> entries_;
  size_t size_ = 0;  // sum of the entries' sizes
};

}  // namespace gallery
