#pragma once
// Replicator: the worker pool that makes a version's planned replicas real.
//
// A version's replicas (domain::Replica, planned by replica_plan.h inside the transaction that
// changed the profile) are its durable tasks. One job fills every pending replica of one
// (version, region): for each distinct chunk of the version's disks (listed once for the
// version's jobs that run together, chunk_lists.h) it asks each target store
// whether it has it (so a job resumed after kill -9, or a second version that shares most
// chunks, copies only what is missing), reads what is missing once from the nearest store that
// holds a verified copy (a complete replica in the same region, then the version's source
// store, then complete replicas elsewhere; reads are shared with the version's other region
// jobs, shared_reads.h), sends it over the modelled link between the two regions, and writes
// it into each target store through a batch (a chunk is never visible with partial content).
// A job works on `threads_per_job` threads, each taking the next request: `request_bytes` of
// chunks to ask the targets about, or of missing chunks to copy, so the chunks a next version
// changed travel in full requests. Batches are committed every `commit_bytes`, so a restart
// resumes from what was durable. Once every chunk is confirmed
// present, the replicas' manifests are recorded and the replicas marked Completed in one
// transaction, so a region is usable as soon as its own replicas are.
//
// A failed attempt (a store unavailable, a disk full, no readable source) is recorded on the
// replicas with its reason and retried after a capped, jittered, doubling delay; after
// `max_attempts` the replicas are Failed. A job notices within one request (request_bytes of
// chunks) that its version was deleted or its replicas re-planned away, and stops; what it
// wrote is left to garbage collection. Bytes read from another region are counted per
// (source, target) region pair in the metadata store (egress).
//
// Thread-safe. Stop() (or the destructor) waits for running jobs.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "common/resource_id.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/region_catalog.h"
#include "domain/replication_status.h"
#include "metadata/metadata_store.h"
#include "replication/chunk_lists.h"
#include "replication/shared_reads.h"
#include "storage/chunk_store.h"

namespace gallery::replication {

// The chunk store named `store` (domain::StoreLocation::name).
using StoreByName = std::function<Result<storage::ChunkStore*>(const std::string& store)>;

// Waits as long as sending `bytes` in one request from region `from` to region `to` takes;
// Cancelled when *cancel turns true meanwhile. (link_throttle.h's LinkThrottle::Send.)
using LinkSend = std::function<Status(const std::string& from, const std::string& to,
                                      uint64_t bytes, const std::atomic<bool>* cancel)>;

struct ReplicatorOptions {
  int workers = 4;
  // Threads of one job (one version in one region), each copying its own requests. Chunk files
  // are written with O_DIRECT, so each write waits for the disk: more requests in flight keep
  // it busy. Measured on this project's replication benchmark (3 regions x 2 stores, 512 MiB of
  // chunks each, interleaved runs): 4 threads took 4.3-6.2 s where 1 took 6.8-9.7 s, with less
  // CPU; 2 and 3 fell in between.
  int threads_per_job = 4;
  // Failed attempts before a replica is Failed for good, and the retry delays between them:
  // base * 2^(attempt-1), capped, each scaled by a random factor in [0.5, 1].
  int max_attempts = 5;
  int64_t retry_base_ms = 2000;
  int64_t retry_max_ms = 60 * 1000;
  // Bytes of chunks asked about, or read and sent, per request (as many whole chunks as fit, at
  // least one): one link latency per request sent, and how often a job checks that its version
  // still wants it. In bytes, not chunks, so that the chunk size does not change how often a
  // copy waits on the link.
  uint64_t request_bytes = uint64_t{4} << 20;
  // Bytes of chunks read from a source kept for the other region jobs of the version, which
  // read the same chunks at about the same time (shared_reads.h). On this project's replication
  // benchmark (a next version's changed chunks to three regions) 16 MiB served two of every
  // three reads, as many as 64 MiB did, for 48 MiB more peak memory where 64 MiB took 240.
  uint64_t shared_read_bytes = uint64_t{16} << 20;
  // Written chunks are made durable at least this often.
  uint64_t commit_bytes = uint64_t{64} << 20;
  // The link model; unlimited when empty.
  LinkSend link;
  // How far region `from` is from region `to` (the link's latency), to read from the nearest
  // complete replica; all equally near when empty.
  std::function<int64_t(const std::string& from, const std::string& to)> distance;
};

class Replicator {
 public:
  // All references must outlive the replicator.
  Replicator(metadata::MetadataStore& store, const domain::RegionCatalog& regions,
             StoreByName stores, const Clock& clock, Random& random, ReplicatorOptions options);
  ~Replicator();

  // Called with a version's id after a job changed its replicas and none is pending any more
  // (every one Completed or Failed). Set before Start().
  void OnSettled(std::function<void(const ResourceId& version)> settled) {
    settled_ = std::move(settled);
  }

  void Start();
  void Stop();

  // Queues a job for every region of `version` with a replica due for copying (Queued, or
  // waiting for a retry whose time has come). A region already queued is not queued twice; one
  // running is run again when it ends.
  void Kick(const ResourceId& version);

  // What a running job of the region knows: bytes done and total, each chunk counted once however
  // many of the region's stores receive it (so the rate, over the last seconds, is the bytes
  // crossing the link into the region), and the replicas it fills. nullopt when no job runs
  // there.
  std::optional<domain::LiveReplication> Live(const ResourceId& version,
                                              const std::string& region) const;

  // One job, on the caller's thread (the workers run these; tests call it directly).
  Status RunRegion(const ResourceId& version, const std::string& region);
  // Runs queued jobs on the caller's thread until none is queued; how many ran. For tests and
  // tools that do not Start() the workers.
  int RunQueued();

 private:
  struct JobKey {
    std::string version;  // ResourceId::Key()
    std::string region;
    auto operator<=>(const JobKey&) const = default;
  };
  struct JobState {
    ResourceId id;
    bool queued = false;
    bool running = false;
    bool again = false;
  };
  struct Progress;
  class Job;

  // Queues the region's job of the version; `first`: ahead of every queued job.
  void Enqueue(const ResourceId& version, const std::string& region, bool first = false);
  void WorkerLoop();
  // Takes the next queued job (mu_ held); false when none.
  bool TakeJob(JobKey* key, ResourceId* id);
  // Runs a taken job and requeues it when it was kicked meanwhile (mu_ not held).
  void RunJob(const JobKey& key, const ResourceId& id);
  // Records a failed attempt of the region's pending replicas (Failed after max_attempts).
  Status RecordFailure(const ResourceId& version, const std::string& region,
                       const Status& error);
  // Whether some of `wanted` ((index, store) replicas of the region a job set out to fill) are
  // no longer pending: the version was deleted or its profile changed meanwhile.
  bool Replanned(const ResourceId& version, const std::string& region,
                 const std::set<std::pair<int32_t, std::string>>& wanted);
  // After a job changed the version: tell the owner when nothing is pending any more.
  void AfterChange(const ResourceId& version, const domain::GalleryImageVersion& now);

  metadata::MetadataStore& store_;
  const domain::RegionCatalog& regions_;
  StoreByName stores_;
  const Clock& clock_;
  Random& random_;
  ReplicatorOptions options_;
  std::function<void(const ResourceId&)> settled_;
  SharedReads shared_reads_;
  ChunkLists chunk_lists_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  // The stop flags of the jobs running now (Job::stop_), so that Stop() also ends their waits
  // on a link.
  std::set<std::atomic<bool>*> job_stops_;
  std::deque<JobKey> queue_;
  std::map<JobKey, JobState> jobs_;
  std::map<JobKey, std::shared_ptr<Progress>> progress_;
  std::vector<std::thread> threads_;
};

}  // namespace gallery::replication
