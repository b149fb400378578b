#include "metadata/resource_memo.h"

#include <utility>

namespace gallery::metadata {

std::shared_ptr<const Resource> ResourceMemo::Find(std::string_view key, std::string_view type,
                                                   std::string_view body) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.body != body || it->second.type != type) {
    return nullptr;
  }
  return it->second.resource;
}

void ResourceMemo::Remember(std::string_view key, std::string_view type, std::string_view body,
                            const Resource& resource) {
  if (body.size() > capacity_bytes_) {
    return;
  }
  // Copy outside the lock: readers on other threads should wait for a lookup, not a copy.
  auto shared = std::make_shared<const Resource>(resource);
  std::string body_copy(body);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    size_bytes_ -= it->second.body.size();
    entries_.erase(it);
  }
  while (size_bytes_ + body_copy.size() > capacity_bytes_ && !entries_.empty()) {
    // Forget an arbitrary entry: a miss costs one decode, so no recency bookkeeping is kept.
    size_bytes_ -= entries_.begin()->second.body.size();
    entries_.erase(entries_.begin());
  }
  size_bytes_ += body_copy.size();
  entries_.emplace(std::string(key),
                   Entry{std::string(type), std::move(body_copy), std::move(shared)});
}

size_t ResourceMemo::size_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_bytes_;
}

size_t ResourceMemo::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace gallery::metadata
