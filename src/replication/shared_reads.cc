#include "replication/shared_reads.h"

#include <exception>
#include <string>

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
  Result<Bytes> out = Status::Internal("unread");
  try {
    Result<std::vector<uint8_t>> bytes = read();
    if (bytes.ok()) {
      out = Bytes(std::make_shared<const std::vector<uint8_t>>(std::move(*bytes)));
    } else {
      out = bytes.status();
    }
  } catch (const std::exception& e) {  // out of memory: an error for this read and its waiters
    out = Status::Internal("cannot read chunk " + storage::ToHex(digest) + " of store '" + store +
                           "': " + e.what());
  } catch (...) {  // the waiters are answered whatever was thrown
    out = Status::Internal("cannot read chunk " + storage::ToHex(digest) + " of store '" + store +
                           "': an unknown exception");
  }
  promise.set_value(out);
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t size = out.ok() ? (*out)->size() : 0;
  if (size > 0 && size <= keep_bytes_) {
    Keep(key, size);
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
