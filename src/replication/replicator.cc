#include "replication/replicator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <set>
#include <span>
#include <variant>

#include "common/log.h"
#include "storage/garbage_collector.h"
#include "storage/ingest.h"
#include "storage/manifest.h"

namespace gallery::replication {

namespace {

using domain::GalleryImageVersion;
using domain::Replica;
using domain::ReplicationState;

constexpr int64_t kRateWindowMs = 5000;

// A job that stops because it is no longer wanted (not a failure: nothing is recorded); the
// storage layer's cancellation, so storage::IsCancelled knows it.
Status Cancelled(std::string message) {
  return Status::Unavailable(std::move(message)).WithReason(storage::CancelledStatus().reason());
}
using storage::IsCancelled;

// A replica of `region` to copy now: pending, and past its retry time.
bool Due(const Replica& r, const std::string& region, TimestampMs now) {
  return r.region == region && domain::ReplicaPending(r) && r.retry_at <= now;
}

const GalleryImageVersion* AsVersion(const std::shared_ptr<const metadata::Resource>& found) {
  return found == nullptr ? nullptr : std::get_if<GalleryImageVersion>(found.get());
}

// The version's disks in replica-manifest order: the OS disk, then the data disks.
std::vector<const domain::DiskImage*> DisksOf(const GalleryImageVersion& v) {
  std::vector<const domain::DiskImage*> disks{&v.os_disk_image};
  for (const domain::DiskImage& d : v.data_disk_images) {
    disks.push_back(&d);
  }
  return disks;
}

// The ids of the version's source manifests, disk after disk: what its data is.
std::string SourceManifestsOf(const GalleryImageVersion& v) {
  std::string ids;
  for (const domain::DiskImage* disk : DisksOf(v)) {
    ids += disk->manifest_id + "\n";
  }
  return ids;
}

// The distinct chunks of the version's disks in the order of their first use: the order of the
// disks' offsets, in which an upload wrote them, so reads of the source are sequential and a
// next version's changes are in few requests. With the stores of the source manifests.
Result<ChunkLists::List> ListChunks(metadata::MetadataStore& store,
                                    const GalleryImageVersion& version) {
  ChunkLists::List list;
  std::vector<storage::Manifest> manifests;
  GALLERY_ASSIGN_OR_RETURN(auto tx, store.Begin(metadata::TxMode::kRead));
  for (const domain::DiskImage* disk : DisksOf(version)) {
    if (disk->manifest_id.empty()) {
      continue;
    }
    GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::ManifestRecord> record,
                             tx->GetManifest(disk->manifest_id));
    if (!record.has_value()) {
      return Status::DataLoss("the version's data (manifest '" + disk->manifest_id +
                              "') is missing");
    }
    GALLERY_ASSIGN_OR_RETURN(storage::Manifest manifest, storage::DecodeManifest(record->body));
    manifests.push_back(std::move(manifest));
    if (std::find(list.source_stores.begin(), list.source_stores.end(), record->store) ==
        list.source_stores.end()) {
      list.source_stores.push_back(record->store);
    }
  }
  list.chunks = storage::ChunksInUseOrder(manifests);
  return list;
}

}  // namespace

// Bytes done of total for a running job, and recent samples for its rate. Each chunk counts once
// however many target stores receive it: the bytes are those that must arrive in the region, and
// the rate is what crosses the link into it (for a copy inside the region, what is read there),
// the figure users compare with their link; counting every store's writes showed a two-store
// region at twice its link's rate. The rate counts only chunks copied: chunks the stores already
// had (a resumed job, the source region's own store) are done at once, and counting them made
// rates of GB/s on 20 MB/s links.
struct Replicator::Progress {
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> total{0};
  std::atomic<int64_t> written{0};
  std::atomic<int32_t> replicas{0};  // the replicas the job fills
  std::mutex mu;
  std::deque<std::pair<TimestampMs, int64_t>> samples;  // (time, written)

  // `present` bytes found in every target store: done, but not in the rate.
  void Present(int64_t present) { done += present; }
  // `copied` bytes written into the target stores lacking them.
  void Copied(int64_t copied, TimestampMs now) {
    done += copied;
    const int64_t value = written += copied;
    std::lock_guard<std::mutex> lock(mu);
    samples.emplace_back(now, value);
    while (samples.size() > 2 && samples.front().first < now - kRateWindowMs) {
      samples.pop_front();
    }
  }
  // A target store left the job with `replica_count` of its replicas; the region still receives
  // every chunk, so bytes are unchanged.
  void Drop(int32_t replica_count) { replicas -= replica_count; }
  double Rate() {
    std::lock_guard<std::mutex> lock(mu);
    if (samples.size() < 2 || samples.back().first <= samples.front().first) {
      return 0;
    }
    return static_cast<double>(samples.back().second - samples.front().second) * 1000.0 /
           static_cast<double>(samples.back().first - samples.front().first);
  }
};

// One run of RunRegion: the stores, chunks and progress of one (version, region).
class Replicator::Job {
 public:
  struct Source {
    std::string store;
    std::string region;
    storage::ChunkStore* chunks = nullptr;
  };
  struct Target {
    std::string store;
    storage::ChunkStore* chunks = nullptr;
    std::unique_ptr<storage::ChunkBatch> batch;
  };

  Job(Replicator& owner, ResourceId version, std::string region, std::vector<Source> sources,
      std::vector<Target> targets, ChunkLists::Shared list, std::shared_ptr<Progress> progress,
      std::set<std::pair<int32_t, std::string>> replicas)
      : owner_(owner),
        version_(std::move(version)),
        region_(std::move(region)),
        sources_(std::move(sources)),
        targets_(std::move(targets)),
        list_(std::move(list)),
        chunks_(list_->chunks),
        progress_(std::move(progress)),
        replicas_(std::move(replicas)),
        dropped_(targets_.size()) {
    std::lock_guard<std::mutex> lock(owner_.mu_);
    stop_ = owner_.cancel_.load();
    owner_.job_stops_.insert(&stop_);
  }

  ~Job() {
    std::lock_guard<std::mutex> lock(owner_.mu_);
    owner_.job_stops_.erase(&stop_);
  }

  // Copies what the targets lack. Every chunk's last use was refreshed (Contains) or set
  // (written) by that pass, so garbage collection keeps it for kGcGraceMs: a pass that took
  // longer than half of that is followed by another, which confirms every chunk present again
  // (and copies what was taken meanwhile) before the replicas' manifests are recorded.
  // Cancelled when the version no longer wants this job. Bytes that crossed a link are counted
  // as egress however the job ends: a cancelled or failed job's last requests crossed too.
  Status Run() {
    Status copied = CopyPasses();
    Status counted = RecordEgress();
    if (copied.ok()) {
      return counted;
    }
    if (!counted.ok()) {
      GLOG_WARN("replication of {} to {}: cannot count its egress: {}", version_.ToString(),
                region_, counted.ToString());
    }
    return copied;
  }

 private:
  Status CopyPasses() {
    for (int pass = 0; pass < 3; ++pass) {
      const TimestampMs started = owner_.clock_.Now();
      GALLERY_RETURN_IF_ERROR(CopyMissing(/*count_progress=*/pass == 0));
      if (pass == 0) {
        progress_->done = progress_->total.load();
      }
      if (owner_.clock_.Now() - started < storage::kGcGraceMs / 2) {
        return Status::Ok();
      }
    }
    return Status::Unavailable("copying to the stores of region '" + region_ +
                               "' is too slow to finish within the garbage collection's grace "
                               "period; it is tried again");
  }

  // One pass: a survey of which targets lack which chunks, and copies of those chunks alone,
  // both in requests of about request_bytes of chunks. Copying only what is lacking sends a
  // next version's few changed chunks in a few full requests (a few large writes into each
  // store), where requests over all the image's chunks made hundreds of small writes. The two
  // overlap: a thread copies as soon as a full request of lacking chunks is known, and surveys
  // otherwise, so the disks are writing while the rest is surveyed.
  Status CopyMissing(bool count_progress) {
    uint64_t largest = 1;
    for (const auto& chunk : chunks_) {
      largest = std::max<uint64_t>(largest, chunk.second);
    }
    const size_t per_request =
        static_cast<size_t>(std::max<uint64_t>(1, owner_.options_.request_bytes / largest));
    const size_t batches = (chunks_.size() + per_request - 1) / per_request;
    // Whether target t lacks chunk i: lacks[i * targets + t]. Bytes, not bits: threads set
    // neighbouring entries at once.
    std::vector<uint8_t> lacks(chunks_.size() * targets_.size());
    std::mutex mu;  // guards what follows
    std::condition_variable cv;
    size_t next_batch = 0;          // the next survey batch to take
    size_t batches_done = 0;        // survey batches finished
    std::vector<uint32_t> missing;  // chunks some target lacks, as the survey found them
    size_t next_missing = 0;        // the first of `missing` not yet taken for copying
    Status error;                   // the first failure
    auto fail = [&](const Status& s) {  // mu held
      if (error.ok()) {
        error = s;
      }
      stop_ = true;  // the job's other threads stop too, even while waiting on a link
    };
    auto work = [&] {
      std::unique_lock<std::mutex> lock(mu);
      while (!stop_) {
        const size_t ready = missing.size() - next_missing;
        const bool surveyed = batches_done == batches;
        if (ready >= per_request || (surveyed && ready > 0)) {
          const size_t n = std::min(ready, per_request);
          std::vector<uint32_t> request(missing.begin() + static_cast<ptrdiff_t>(next_missing),
                                        missing.begin() + static_cast<ptrdiff_t>(next_missing + n));
          next_missing += n;
          lock.unlock();
          // Survey batches finish out of order: back to the disks' order, in which reads of the
          // source are sequential.
          std::sort(request.begin(), request.end());
          Status s = CopyRequest(request, lacks, count_progress);
          lock.lock();
          if (!s.ok()) {
            fail(s);
          }
        } else if (next_batch < batches) {
          const size_t first = next_batch++ * per_request;
          lock.unlock();
          std::vector<uint32_t> found;
          Status s = Survey(first, std::min(chunks_.size(), first + per_request), &lacks, &found,
                            count_progress);
          lock.lock();
          missing.insert(missing.end(), found.begin(), found.end());
          ++batches_done;
          if (!s.ok()) {
            fail(s);
          }
        } else if (surveyed) {
          break;  // every chunk surveyed and every lacking one taken
        } else {
          // Others are surveying the last batches. A timed wait: Stop() sets stop_ without
          // notifying this job's condition.
          cv.wait_for(lock, std::chrono::milliseconds(20));
          continue;
        }
        cv.notify_all();
      }
      cv.notify_all();
    };
    const int threads =
        static_cast<int>(std::min<size_t>(std::max(1, owner_.options_.threads_per_job), batches));
    std::vector<std::thread> helpers;
    for (int t = 1; t < threads; ++t) {
      helpers.emplace_back(work);
    }
    work();
    for (std::thread& t : helpers) {
      t.join();
    }
    GALLERY_RETURN_IF_ERROR(error);
    if (stop_) {  // Stop() ended the pass before every request (survey or copy) ran
      return Cancelled("galleryd is stopping");
    }
    return Commit();
  }

  // Chunks [first, last): asks each target whether it has them, records in `lacks` what each
  // lacks and appends the chunks some target lacks to `found`. A chunk the store holds already
  // counts when its stored size fits the chunk; it is not re-hashed. Hashing runs at about
  // 1.2 GB/s per core, and a new version shares most chunks with the last one: re-hashing them
  // would read and hash the whole image in every target store (a 100 GiB image: about 85 s of a
  // core per store, plus the disk reads) to copy a few percent of it, and on this 2-core machine
  // would compete with the copies themselves. Wrong bytes of the right size are caught by every
  // read (which verifies the hash) and repaired by the scrub.
  Status Survey(size_t first, size_t last, std::vector<uint8_t>* lacks,
                std::vector<uint32_t>* found, bool count_progress) {
    GALLERY_RETURN_IF_ERROR(StillWanted());
    const std::span<const std::pair<storage::ChunkDigest, uint32_t>> asked(chunks_.data() + first,
                                                                           last - first);
    std::vector<bool> has;
    std::vector<bool> lacked(asked.size());  // by some target
    for (size_t t = 0; t < targets_.size(); ++t) {
      if (dropped_[t]) {
        continue;
      }
      GALLERY_RETURN_IF_ERROR(targets_[t].chunks->ContainsWholeAll(asked, &has));
      for (size_t i = 0; i < asked.size(); ++i) {
        if (!has[i]) {
          (*lacks)[(first + i) * targets_.size() + t] = 1;
          lacked[i] = true;
        }
      }
    }
    int64_t present_bytes = 0;  // chunks every target has
    for (size_t i = 0; i < asked.size(); ++i) {
      if (lacked[i]) {
        found->push_back(static_cast<uint32_t>(first + i));
      } else {
        present_bytes += asked[i].second;
      }
    }
    if (count_progress) {
      progress_->Present(present_bytes);
    }
    return Status::Ok();
  }

  // Reads each of `request`'s chunks once, sends them over the link and writes each into the
  // targets that lack it (`lacks`, as Survey recorded).
  Status CopyRequest(std::span<const uint32_t> request, const std::vector<uint8_t>& lacks,
                     bool count_progress) {
    GALLERY_RETURN_IF_ERROR(StillWanted());
    std::vector<SharedReads::Bytes> bytes(request.size());
    std::map<std::string, uint64_t> by_region;
    for (size_t k = 0; k < request.size(); ++k) {
      GALLERY_ASSIGN_OR_RETURN(std::string from, Read(chunks_[request[k]].first, &bytes[k]));
      by_region[from] += bytes[k]->size();
    }
    bool crossed = false;
    for (const auto& [from, n] : by_region) {
      if (from == region_) {
        continue;  // inside the region: no link, no egress
      }
      crossed = true;
      if (owner_.options_.link) {
        GALLERY_RETURN_IF_ERROR(owner_.options_.link(from, region_, n, &stop_));
      }
      std::lock_guard<std::mutex> lock(egress_mu_);
      egress_[from] += n;
    }
    // Again after the link, which may have taken long: what arrives for a version deleted or
    // re-planned meanwhile is dropped, not written.
    if (crossed) {
      GALLERY_RETURN_IF_ERROR(StillWanted());
    }
    int64_t written_bytes = 0;  // into the stores, for the commits
    int64_t copied_bytes = 0;   // chunks copied, once each, for progress
    // Each target receives what it lacks of the request at once (one write into a pack store).
    std::vector<std::vector<storage::ChunkToAdd>> to_add(targets_.size());
    for (size_t k = 0; k < request.size(); ++k) {
      const auto& [digest, size] = chunks_[request[k]];
      for (size_t t = 0; t < targets_.size(); ++t) {
        if (lacks[request[k] * targets_.size() + t] != 0 && !dropped_[t]) {
          to_add[t].push_back({digest, *bytes[k]});
          written_bytes += size;
        }
      }
      copied_bytes += size;
    }
    for (size_t t = 0; t < targets_.size(); ++t) {
      if (!to_add[t].empty() && !dropped_[t]) {  // dropped: re-planned away while on the link
        GALLERY_RETURN_IF_ERROR(targets_[t].batch->AddAll(to_add[t]));
      }
    }
    if (count_progress) {
      progress_->Copied(copied_bytes, owner_.clock_.Now());
    }
    const uint64_t before = uncommitted_.fetch_add(static_cast<uint64_t>(written_bytes));
    if (before + static_cast<uint64_t>(written_bytes) >= owner_.options_.commit_bytes &&
        before < owner_.options_.commit_bytes) {
      return Commit();  // the thread that crossed the mark commits; the others keep adding
    }
    return Status::Ok();
  }

  // Reads a verified copy from the first source that has one (shared with the jobs reading the
  // same chunk of the same store: SharedReads); returns its region.
  Result<std::string> Read(const storage::ChunkDigest& digest, SharedReads::Bytes* out) {
    Status last = Status::NotFound("no store to read from");
    for (const Source& source : sources_) {
      Result<SharedReads::Bytes> read = owner_.shared_reads_.Read(
          source.store, digest, [&] { return source.chunks->Read(digest); });
      if (read.ok()) {
        *out = std::move(*read);
        return source.region;
      }
      last = read.status();
      if (read.status().code() == StatusCode::kDataLoss) {
        GLOG_WARN("chunk {} in store {} is damaged; reading another copy ({})",
                  storage::ToHex(digest), source.store, read.status().message());
      }
    }
    return Status(last.code() == StatusCode::kNotFound ? StatusCode::kDataLoss : last.code(),
                  "no store holds a readable copy of chunk " + storage::ToHex(digest) + " (last: " +
                      last.message() + ")");
  }

  // Makes the chunks written so far durable, then counts the bytes that crossed regions.
  Status Commit() {
    std::lock_guard<std::mutex> committing(commit_mu_);
    uncommitted_ = 0;
    for (size_t t = 0; t < targets_.size(); ++t) {
      if (!dropped_[t]) {
        GALLERY_RETURN_IF_ERROR(targets_[t].batch->Commit());
      }
    }
    return RecordEgress();
  }

  // Counts the bytes that crossed regions since the last count.
  Status RecordEgress() {
    std::map<std::string, uint64_t> crossed;
    {
      std::lock_guard<std::mutex> lock(egress_mu_);
      crossed.swap(egress_);
    }
    if (crossed.empty()) {
      return Status::Ok();
    }
    GALLERY_ASSIGN_OR_RETURN(auto tx, owner_.store_.Begin(metadata::TxMode::kWrite));
    for (const auto& [from, n] : crossed) {
      GALLERY_RETURN_IF_ERROR(tx->AddEgress(from, region_, static_cast<int64_t>(n)));
    }
    return tx->Commit();
  }

  // Cancelled when galleryd stops, the version is gone, or none of this job's replicas is
  // still pending. A target store none of whose replicas is still pending (the profile lowered
  // the region's count) is dropped: nothing more is written there, and progress no longer
  // counts its replicas.
  Status StillWanted() {
    if (owner_.cancel_) {
      return Cancelled("galleryd is stopping");
    }
    GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const metadata::Resource> found,
                             owner_.store_.FindResource(version_));
    const GalleryImageVersion* v = AsVersion(found);
    std::set<std::string> stores;  // still wanted
    if (v != nullptr) {
      for (const Replica& r : v->replicas) {
        if (r.region == region_ && domain::ReplicaPending(r) &&
            replicas_.count({r.index, r.store}) > 0) {
          stores.insert(r.store);
        }
      }
    }
    if (stores.empty()) {
      return Cancelled("the replicas of " + version_.ToString() + " in region '" + region_ +
                       "' are no longer wanted");
    }
    for (size_t t = 0; t < targets_.size(); ++t) {
      if (!stores.contains(targets_[t].store) && !dropped_[t].exchange(true)) {
        const auto held = std::count_if(replicas_.begin(), replicas_.end(), [&](const auto& r) {
          return r.second == targets_[t].store;
        });
        progress_->Drop(static_cast<int32_t>(held));
        GLOG_INFO("replication of {} to {}: store {} is no longer a target", version_.ToString(),
                  region_, targets_[t].store);
      }
    }
    return Status::Ok();
  }

  Replicator& owner_;
  ResourceId version_;
  std::string region_;
  std::vector<Source> sources_;
  std::vector<Target> targets_;
  ChunkLists::Shared list_;                                               // held while the job runs
  const std::vector<std::pair<storage::ChunkDigest, uint32_t>>& chunks_;  // list_'s
  std::shared_ptr<Progress> progress_;
  std::set<std::pair<int32_t, std::string>> replicas_;  // (index, store) this job fills
  // Per target (index into targets_): whether it was re-planned away (StillWanted).
  std::vector<std::atomic<bool>> dropped_;
  std::mutex egress_mu_;
  std::map<std::string, uint64_t> egress_;  // source region -> bytes not yet counted
  std::mutex commit_mu_;
  std::atomic<uint64_t> uncommitted_{0};
  // Set when galleryd stops or one of the job's threads failed (the version no longer wants
  // the job, an I/O error): the other threads then end their waits on the link at once, so a
  // cancelled job finishes at most the requests already past the link.
  std::atomic<bool> stop_{false};
};

Replicator::Replicator(metadata::MetadataStore& store, const domain::RegionCatalog& regions,
                       StoreByName stores, const Clock& clock, Random& random,
                       ReplicatorOptions options)
    : store_(store),
      regions_(regions),
      stores_(std::move(stores)),
      clock_(clock),
      random_(random),
      options_(std::move(options)),
      shared_reads_(options_.shared_read_bytes) {}

Replicator::~Replicator() { Stop(); }

void Replicator::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!threads_.empty() || stopping_) {
    return;
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

void Replicator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cancel_ = true;
    for (std::atomic<bool>* stop : job_stops_) {
      *stop = true;
    }
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    t.join();
  }
  threads_.clear();
}

void Replicator::Kick(const ResourceId& version) {
  Result<std::shared_ptr<const metadata::Resource>> found = store_.FindResource(version);
  const GalleryImageVersion* v = found.ok() ? AsVersion(*found) : nullptr;
  if (v == nullptr) {
    return;
  }
  const TimestampMs now = clock_.Now();
  std::set<std::string> regions;
  for (const Replica& r : v->replicas) {
    if (Due(r, r.region, now)) {
      regions.insert(r.region);
    }
  }
  // The source region's job goes first: its first replica is where the bytes already are, so
  // the region is usable at once rather than after other regions' long copies free a worker.
  for (const std::string& region : regions) {
    Enqueue(version, region, region == v->meta.location);
  }
}

void Replicator::Enqueue(const ResourceId& version, const std::string& region, bool first) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    JobKey key{version.Key(), region};
    JobState& job = jobs_[key];
    job.id = version;
    if (job.running) {
      job.again = true;
      return;
    }
    if (job.queued) {
      return;
    }
    job.queued = true;
    if (first) {
      queue_.push_front(key);
    } else {
      queue_.push_back(key);
    }
  }
  cv_.notify_one();
}

bool Replicator::TakeJob(JobKey* key, ResourceId* id) {
  if (queue_.empty()) {
    return false;
  }
  *key = queue_.front();
  queue_.pop_front();
  JobState& job = jobs_[*key];
  job.queued = false;
  job.running = true;
  job.again = false;
  *id = job.id;
  return true;
}

void Replicator::RunJob(const JobKey& key, const ResourceId& id) {
  Status s = RunRegion(id, key.region);
  if (!s.ok() && !IsCancelled(s) && !cancel_) {
    GLOG_WARN("replication of {} to {}: {}", id.ToString(), key.region, s.ToString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  JobState& after = jobs_[key];
  after.running = false;
  if (after.again && !stopping_) {
    after.again = false;
    after.queued = true;
    queue_.push_back(key);
    cv_.notify_one();
  } else if (!after.queued) {
    jobs_.erase(key);
  }
}

void Replicator::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      return;
    }
    JobKey key;
    ResourceId id;
    TakeJob(&key, &id);
    lock.unlock();
    RunJob(key, id);
    lock.lock();
  }
}

int Replicator::RunQueued() {
  int ran = 0;
  while (true) {
    JobKey key;
    ResourceId id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!TakeJob(&key, &id)) {
        return ran;
      }
    }
    RunJob(key, id);
    ++ran;
  }
}

std::optional<domain::LiveReplication> Replicator::Live(const ResourceId& version,
                                                        const std::string& region) const {
  std::shared_ptr<Progress> p;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = progress_.find(JobKey{version.Key(), region});
    if (it == progress_.end()) {
      return std::nullopt;
    }
    p = it->second;
  }
  return domain::LiveReplication{p->done.load(), p->total.load(), p->Rate(), p->replicas.load()};
}

Status Replicator::RunRegion(const ResourceId& version_id, const std::string& region) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const metadata::Resource> found,
                           store_.FindResource(version_id));
  const GalleryImageVersion* v = AsVersion(found);
  const TimestampMs start = clock_.Now();
  if (v == nullptr ||
      std::none_of(v->replicas.begin(), v->replicas.end(),
                   [&](const Replica& r) { return Due(r, region, start); })) {
    return Status::Ok();
  }
  const GalleryImageVersion version = *v;  // this job's view of the profile and disks
  std::set<std::pair<int32_t, std::string>> wanted;
  std::vector<std::string> target_names;
  for (const Replica& r : version.replicas) {
    if (Due(r, region, start)) {
      wanted.insert({r.index, r.store});
      if (std::find(target_names.begin(), target_names.end(), r.store) == target_names.end()) {
        target_names.push_back(r.store);
      }
    }
  }
  auto fail = [&](const Status& error) {
    if (IsCancelled(error) || cancel_) {
      return error;  // not a failed attempt: stopped on purpose
    }
    if (Replanned(version_id, region, wanted)) {
      // The profile changed while this attempt ran: the error may come from a store it no
      // longer uses, so it is not charged to the replicas that remain. The change kicked the
      // version, so the region's job runs again with the new plan.
      GLOG_INFO("replication of {} to {} stopped after a profile change: {}", version_id.ToString(),
                region, error.ToString());
      return error;
    }
    Status recorded = RecordFailure(version_id, region, error);
    if (!recorded.ok()) {
      GLOG_WARN("cannot record the failed replication of {} to {}: {}", version_id.ToString(),
                region, recorded.ToString());
    }
    return error;
  };

  // What to copy, listed once for the version's jobs running now (chunk_lists.h).
  const std::string data = SourceManifestsOf(version);
  Result<ChunkLists::Shared> list =
      chunk_lists_.Get(data, [&] { return ListChunks(store_, version); });
  if (!list.ok()) {
    return fail(list.status());
  }
  const std::vector<std::pair<storage::ChunkDigest, uint32_t>>& chunks = (*list)->chunks;
  // Queued -> Replicating, so status shows which regions are being copied (a version without
  // data completes at once, below).
  if (!chunks.empty()) {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
    GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> current,
                             tx->GetResource(version_id));
    auto* now = current.has_value() ? std::get_if<GalleryImageVersion>(&*current) : nullptr;
    if (now == nullptr) {
      return Status::Ok();
    }
    bool changed = false;
    for (Replica& r : now->replicas) {
      if (r.state == ReplicationState::kQueued && Due(r, region, start) &&
          wanted.count({r.index, r.store}) > 0) {
        r.state = ReplicationState::kReplicating;
        changed = true;
      }
    }
    if (changed) {
      GALLERY_RETURN_IF_ERROR(tx->PutResource(*current));
      GALLERY_RETURN_IF_ERROR(tx->Commit());
    }
  }

  // Where to read: complete replicas in this region, the version's source store (which may
  // also be a target: a source-region replica in the store holding the source data), complete
  // replicas elsewhere.
  std::vector<Job::Source> sources;
  auto add_source = [&](const std::string& name) {
    const bool listed = std::any_of(sources.begin(), sources.end(),
                                    [&](const Job::Source& s) { return s.store == name; });
    if (listed) {
      return;
    }
    Result<storage::ChunkStore*> chunks = stores_(name);
    if (chunks.ok()) {
      sources.push_back({name, regions_.RegionOfStore(name), *chunks});
    } else {
      GLOG_WARN("store {} cannot be read for replication: {}", name, chunks.status().ToString());
    }
  };
  for (const Replica& r : version.replicas) {
    if (r.region == region && r.state == ReplicationState::kCompleted) {
      add_source(r.store);
    }
  }
  for (const std::string& name : (*list)->source_stores) {
    add_source(name);
  }
  std::vector<const Replica*> elsewhere;
  for (const Replica& r : version.replicas) {
    if (r.state == ReplicationState::kCompleted) {
      elsewhere.push_back(&r);
    }
  }
  if (options_.distance) {
    std::stable_sort(elsewhere.begin(), elsewhere.end(), [&](const Replica* a, const Replica* b) {
      return options_.distance(a->region, region) < options_.distance(b->region, region);
    });
  }
  for (const Replica* r : elsewhere) {
    add_source(r->store);
  }

  std::vector<Job::Target> targets;
  for (const std::string& name : chunks.empty() ? std::vector<std::string>{} : target_names) {
    Result<storage::ChunkStore*> chunks = stores_(name);
    if (!chunks.ok()) {
      return fail(Status(chunks.status().code(), "store '" + name + "' of region '" + region +
                                                     "' is unavailable: " +
                                                     chunks.status().message()));
    }
    targets.push_back({name, *chunks, (*chunks)->BeginBatch()});
  }

  auto progress = std::make_shared<Progress>();
  uint64_t total = 0;
  for (const auto& c : chunks) {
    total += c.second;
  }
  progress->total = static_cast<int64_t>(total);  // each chunk once, however many stores
  progress->replicas = static_cast<int32_t>(wanted.size());
  const JobKey key{version_id.Key(), region};
  {
    std::lock_guard<std::mutex> lock(mu_);
    progress_[key] = progress;
  }
  struct Forget {
    Replicator& owner;
    const JobKey& key;
    ~Forget() {
      std::lock_guard<std::mutex> lock(owner.mu_);
      owner.progress_.erase(key);
    }
  } forget{*this, key};

  Job job(*this, version_id, region, std::move(sources), std::move(targets), *list, progress,
          wanted);
  if (Status copied = job.Run(); !copied.ok()) {
    return fail(copied);
  }

  // Every chunk is durable in every target: record the replicas' manifests and complete them.
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> current,
                           tx->GetResource(version_id));
  auto* now = current.has_value() ? std::get_if<GalleryImageVersion>(&*current) : nullptr;
  if (now == nullptr || SourceManifestsOf(*now) != data) {
    // Deleted meanwhile, or created again under its name with other data, whose replicas the
    // new version's own job fills: the chunks copied here are garbage.
    return Status::Ok();
  }
  int completed = 0;
  for (Replica& r : now->replicas) {
    if (r.region != region || !domain::ReplicaPending(r) ||
        wanted.count({r.index, r.store}) == 0) {
      continue;
    }
    // The replica's manifests share the source's bodies (the chunk lists are the same).
    r.manifests.clear();
    for (const domain::DiskImage* disk : DisksOf(version)) {
      if (disk->manifest_id.empty()) {
        r.manifests.emplace_back();
        continue;
      }
      std::string id = NewUuid(random_);
      GALLERY_RETURN_IF_ERROR(tx->PutManifestCopy(disk->manifest_id, id, r.store, clock_.Now()));
      r.manifests.push_back(std::move(id));
    }
    r.state = ReplicationState::kCompleted;
    r.details.clear();
    r.attempts = 0;
    r.retry_at = 0;
    ++completed;
  }
  if (completed == 0) {
    return Status::Ok();
  }
  GALLERY_RETURN_IF_ERROR(tx->PutResource(*current));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  GLOG_INFO("replicated {} to {}: {} replica(s) in {} ms", version_id.ToString(), region,
            completed, clock_.Now() - start);
  AfterChange(version_id, *now);
  return Status::Ok();
}

Status Replicator::RecordFailure(const ResourceId& version_id, const std::string& region,
                                 const Status& error) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<metadata::Resource> current,
                           tx->GetResource(version_id));
  auto* v = current.has_value() ? std::get_if<GalleryImageVersion>(&*current) : nullptr;
  if (v == nullptr) {
    return Status::Ok();
  }
  const TimestampMs now = clock_.Now();
  bool changed = false;
  for (Replica& r : v->replicas) {
    if (!Due(r, region, now)) {
      continue;
    }
    ++r.attempts;
    changed = true;
    if (r.attempts >= options_.max_attempts) {
      r.state = ReplicationState::kFailed;
      r.details = "Replication to '" + region + "' failed after " + std::to_string(r.attempts) +
                  " attempts: " + error.message();
      continue;
    }
    const double exp = std::pow(2.0, r.attempts - 1);
    const double capped =
        std::min(static_cast<double>(options_.retry_max_ms),
                 static_cast<double>(options_.retry_base_ms) * exp);
    const uint8_t noise = static_cast<uint8_t>(random_.Bytes(1)[0]);
    const auto delay = static_cast<int64_t>(capped * (0.5 + 0.5 * noise / 255.0));
    r.state = ReplicationState::kReplicating;
    r.retry_at = now + delay;
    r.details = "Attempt " + std::to_string(r.attempts) + " of " +
                std::to_string(options_.max_attempts) + " failed: " + error.message() +
                "; retrying at " + FormatTimestamp(r.retry_at) + ".";
  }
  if (!changed) {
    return Status::Ok();
  }
  GALLERY_RETURN_IF_ERROR(tx->PutResource(*current));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  AfterChange(version_id, *v);
  return Status::Ok();
}

bool Replicator::Replanned(const ResourceId& version, const std::string& region,
                           const std::set<std::pair<int32_t, std::string>>& wanted) {
  Result<std::shared_ptr<const metadata::Resource>> found = store_.FindResource(version);
  const GalleryImageVersion* v = found.ok() ? AsVersion(*found) : nullptr;
  if (v == nullptr) {
    return true;
  }
  size_t still = 0;
  for (const Replica& r : v->replicas) {
    if (r.region == region && domain::ReplicaPending(r) && wanted.contains({r.index, r.store})) {
      ++still;
    }
  }
  return still < wanted.size();
}

void Replicator::AfterChange(const ResourceId& version, const GalleryImageVersion& now) {
  if (settled_ && !domain::ReplicationPending(now)) {
    settled_(version);
  }
}

}  // namespace gallery::replication
