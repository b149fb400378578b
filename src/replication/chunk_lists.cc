#include "replication/chunk_lists.h"

#include <exception>

namespace gallery::replication {

Result<ChunkLists::Shared> ChunkLists::Get(const std::string& key, const MakeFn& make) {
  std::promise<Result<Shared>> promise;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (auto it = held_.find(key); it != held_.end()) {
      if (Shared list = it->second.lock()) {
        ++counts_.shared;
        return list;
      }
    }
    if (auto it = making_.find(key); it != making_.end()) {
      ++counts_.shared;
      std::shared_future<Result<Shared>> made = it->second;
      lock.unlock();
      return made.get();  // waits while another job makes it
    }
    ++counts_.made;
    making_.emplace(key, promise.get_future().share());
  }
  Result<Shared> out = Status::Internal("unmade");
  try {
    Result<List> list = make();
    if (list.ok()) {
      out = Shared(std::make_shared<const List>(std::move(*list)));
    } else {
      out = list.status();
    }
  } catch (const std::exception& e) {  // out of memory: an error for this job and its waiters
    out = Status::Internal("cannot list the chunks to copy: " + std::string(e.what()));
  } catch (...) {  // the waiters are answered whatever was thrown
    out = Status::Internal("cannot list the chunks to copy: an unknown exception");
  }
  promise.set_value(out);
  std::lock_guard<std::mutex> lock(mu_);
  making_.erase(key);
  std::erase_if(held_, [](const auto& entry) { return entry.second.expired(); });
  if (out.ok()) {
    held_[key] = *out;
  }
  return out;
}

ChunkLists::Counts ChunkLists::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

size_t ChunkLists::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, list] : held_) {
    n += list.expired() ? 0 : 1;
  }
  return n;
}

}  // namespace gallery::replication
