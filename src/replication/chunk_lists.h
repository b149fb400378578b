#pragma once
// ChunkLists: a version's chunk list, made once for the region jobs that run at the same time.
//
// Every region job of a version copies the same chunks: the distinct chunks of the version's
// disks in the order of their first use, read from the stores that hold the source manifests.
// Making that list decodes every manifest and sets apart every distinct chunk; for a 100 GiB
// disk that is about 3.3 million entries (some 130 MB) and most of a second of a core, which
// each of the version's jobs used to pay again at the same moment. Here a job that asks for a
// list another job holds, or is making, gets that one. A list goes when its last job lets it
// go: nothing is kept between runs. A failed make (an exception from `make` becomes an
// Internal error) is handed to the jobs that waited for it and not kept.
//
//   ChunkLists lists;
//   Result<ChunkLists::Shared> list = lists.Get(key, [&] { return MakeList(...); });
//
// Thread-safe.

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/chunk_digest.h"

namespace gallery::replication {

class ChunkLists {
 public:
  struct List {
    // Distinct chunks and their content's lengths, in order of first use.
    std::vector<std::pair<storage::ChunkDigest, uint32_t>> chunks;
    // The stores of the disks' source manifests, each once, in disk order.
    std::vector<std::string> source_stores;
  };
  using Shared = std::shared_ptr<const List>;
  using MakeFn = std::function<Result<List>()>;

  // The list for `key`, which names what it is made of (the ids of the source manifests, which
  // are never replaced: metadata_store.h's PutManifest): one that a job holds or is making, or
  // else `make`'s, which this call runs.
  Result<Shared> Get(const std::string& key, const MakeFn& make);

  struct Counts {
    uint64_t made = 0;    // calls that ran `make`
    uint64_t shared = 0;  // calls served by another call's list, held or being made
  };
  Counts counts() const;
  // Lists held by jobs now.
  size_t held() const;

 private:
  mutable std::mutex mu_;
  Counts counts_;
  std::map<std::string, std::weak_ptr<const List>> held_;
  std::map<std::string, std::shared_future<Result<Shared>>> making_;
};

}  // namespace gallery::replication
