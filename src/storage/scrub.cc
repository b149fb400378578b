#include "storage/scrub.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace gallery::storage {

namespace {

// What checking one chunk found: its size when it verified, else the problem.
struct Outcome {
  uint64_t bytes = 0;
  std::optional<ScrubProblem> problem;
};

// The causes of ScrubProblem::not_repaired, carried as the Repair error's reason.
constexpr char kNoGoodCopy[] = "noGoodCopy";
constexpr char kWriteFailed[] = "writeFailed";
constexpr char kDoesNotVerify[] = "doesNotVerify";

// Restores `digest` in `store` from the first source whose copy verifies. NotFound when no
// source has one; the store's write errors; DataLoss when the written chunk does not read back
// verified (the store kept the damaged file).
Status Repair(ChunkStore& store, const ChunkDigest& digest,
              const std::vector<ChunkStore*>& sources) {
  std::string why = "no other store holds the chunk";
  for (ChunkStore* source : sources) {
    if (source == nullptr || source == &store) {
      continue;
    }
    Result<std::vector<uint8_t>> good = source->Read(digest);
    if (!good.ok()) {
      if (good.status().code() != StatusCode::kNotFound) {
        why = "no other store holds a verified copy (" + good.status().message() + ")";
      }
      continue;
    }
    // A batch writes a new file and renames it over the chunk's name, so a corrupt file is
    // replaced, never patched; the read back checks that the store really serves it now.
    std::unique_ptr<ChunkBatch> batch = store.BeginBatch();
    Status written = batch->Add(digest, *good);
    if (written.ok()) {
      written = batch->Commit();
    }
    if (!written.ok()) {
      return Status(written.code(),
                    "another store holds a good copy, but writing it into this "
                    "store failed: " +
                        written.message())
          .WithReason(kWriteFailed);
    }
    Result<std::vector<uint8_t>> back = store.Read(digest);
    if (!back.ok()) {
      return Status::DataLoss("the rewritten chunk does not verify: " + back.status().message())
          .WithReason(kDoesNotVerify);
    }
    return Status::Ok();
  }
  return Status::NotFound(why).WithReason(kNoGoodCopy);
}

Result<Outcome> CheckChunk(ChunkStore& store, const ChunkDigest& digest,
                           const std::vector<ChunkStore*>& sources) {
  Result<std::vector<uint8_t>> read = store.Read(digest);
  if (read.ok()) {
    return Outcome{read->size(), std::nullopt};
  }
  ScrubProblem problem;
  problem.digest = digest;
  switch (read.status().code()) {
    case StatusCode::kDataLoss:
      problem.kind = ScrubProblemKind::kCorrupt;
      break;
    case StatusCode::kNotFound:
      problem.kind = ScrubProblemKind::kMissing;
      break;
    default:
      return read.status();
  }
  problem.detail = read.status().message();
  Status repaired = Repair(store, digest, sources);
  problem.repaired = repaired.ok();
  if (!repaired.ok()) {
    problem.detail += "; not repaired: " + repaired.message();
    problem.not_repaired = repaired.reason().empty() ? kWriteFailed : repaired.reason();
  }
  return Outcome{0, std::move(problem)};
}

// The tally of all workers.
class Tally {
 public:
  explicit Tally(size_t max_problems) : max_problems_(max_problems) {}

  void Add(const Outcome& outcome) {
    std::lock_guard lock(mu_);
    ++report_.chunks_checked;
    if (!outcome.problem.has_value()) {
      report_.bytes_checked += outcome.bytes;
      return;
    }
    const ScrubProblem& p = *outcome.problem;
    ++(p.kind == ScrubProblemKind::kCorrupt ? report_.corrupt : report_.missing);
    ++(p.repaired ? report_.repaired : report_.unrepairable);
    // Workers finish chunks out of order: the list keeps the lowest digests, so it does not
    // depend on thread timing.
    problems_.emplace(p.digest, p);
    if (problems_.size() > max_problems_) {
      problems_.erase(std::prev(problems_.end()));
    }
  }

  void Fail(Status status) {
    std::lock_guard lock(mu_);
    if (error_.ok()) {
      error_ = std::move(status);
    }
    failed_ = true;
  }
  bool failed() const { return failed_.load(); }

  Result<ScrubReport> Finish() {
    std::lock_guard lock(mu_);
    if (!error_.ok()) {
      return error_;
    }
    for (auto& [digest, problem] : problems_) {
      report_.problems.push_back(std::move(problem));
    }
    return std::move(report_);
  }

 private:
  const size_t max_problems_;
  std::mutex mu_;
  ScrubReport report_;
  std::map<ChunkDigest, ScrubProblem> problems_;
  Status error_;
  std::atomic<bool> failed_{false};
};

}  // namespace

std::string_view ScrubProblemName(ScrubProblemKind kind) {
  return kind == ScrubProblemKind::kCorrupt ? "corrupt" : "missing";
}

Result<ScrubReport> ScrubStore(ChunkStore& store, const std::vector<ChunkDigest>& expected,
                               const std::vector<ChunkStore*>& sources,
                               const ScrubOptions& options) {
  if (options.threads < 1) {
    return Status::InvalidArgument("a scrub needs at least one thread");
  }
  std::vector<ChunkDigest> chunks = expected;
  std::sort(chunks.begin(), chunks.end());
  chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());

  Tally tally(options.max_problems);
  std::atomic<size_t> next{0};
  auto work = [&] {
    while (!tally.failed()) {
      if (options.cancel != nullptr && options.cancel->load()) {
        tally.Fail(Status::Unavailable("the scrub was stopped before it finished"));
        return;
      }
      const size_t i = next++;
      if (i >= chunks.size()) {
        return;
      }
      Result<Outcome> outcome = CheckChunk(store, chunks[i], sources);
      if (!outcome.ok()) {
        tally.Fail(outcome.status());
        return;
      }
      tally.Add(*outcome);
    }
  };
  const size_t helpers = std::min(static_cast<size_t>(options.threads - 1), chunks.size() / 2);
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  for (size_t i = 0; i < helpers; ++i) {
    threads.emplace_back(work);
  }
  work();
  for (std::thread& t : threads) {
    t.join();
  }
  return tally.Finish();
}

}  // namespace gallery::storage
