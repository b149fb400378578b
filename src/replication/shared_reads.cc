#include "replication/shared_reads.h"

#include <exception>

namespace gallery::replication {

Result<SharedReads::Bytes> SharedReads::Read(const std::string& store,
                                             const storage::ChunkDigest& digest,
                                             const ReadFn& read) {
  Key key{store, digest};
  std::promise<Result<Bytes>> promise;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (auto it = slots_.find(key); it != slots_.end()) {
      ++counts_.shared;
      std::shared_future<Result<Bytes>> result = it->second.result;
      lock.unlock();
      return result.get();  // waits while the read is in flight
    }
    ++counts_.reads;
    slots_.emplace(key, Slot{promise.get_future().share()});
  }
  Result<Bytes> out = Status::NotFound("no read");
  try {
    Result<std::vector<uint8_t>> bytes = read();
    out = bytes.ok() ? Result<Bytes>(std::make_shared<const std::vector<uint8_t>>(std::move(*bytes)))
                     : Result<Bytes>(bytes.status());
  } catch (...) {  // the waiters get the exception too; nothing is kept
    promise.set_exception(std::current_exception());
    std::lock_guard<std::mutex> lock(mu_);
    slots_.erase(key);
    throw;
  }
  promise.set_value(out);
  std::lock_guard<std::mutex> lock(mu_);
  if (out.ok() && (*out)->size() <= keep_bytes_) {
    Keep(key, (*out)->size());
  } else {
    slots_.erase(key);
  }
  return out;
}

void SharedReads::Keep(const Key& key, uint64_t size) {
  while (kept_bytes_ + size > keep_bytes_ && !kept_order_.empty()) {
    auto it = slots_.find(kept_order_.front());
    kept_order_.pop_front();
    kept_bytes_ -= it->second.size;
    slots_.erase(it);
  }
  slots_.at(key).size = size;
  kept_order_.push_back(key);
  kept_bytes_ += size;
}

SharedReads::Counts SharedReads::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

uint64_t SharedReads::kept_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kept_bytes_;
}

}  // namespace gallery::replication
