#include "storage/scrub.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "storage/chunks_test_util.h"
#include "storage/file_chunk_store.h"

namespace gallery::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 16 << 10;

std::string FileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Flips a byte near the end of a chunk file (its content, not its header).
void Corrupt(const fs::path& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(-10, std::ios::end);
  const char c = static_cast<char>(f.get());
  f.seekp(-10, std::ios::end);
  f.put(static_cast<char>(c ^ 0x5a));
}

// A store that delegates to a FileChunkStore, with injected faults: reads of one digest fail
// with Unavailable, or batches that drop what they are given (a store that keeps damage).
class FaultyStore final : public ForwardingChunkStore {
 public:
  using ForwardingChunkStore::ForwardingChunkStore;

  std::optional<ChunkDigest> unreadable;
  bool drop_writes = false;
  bool refuse_writes = false;  // a batch's Commit fails, as on a read-only file system

  Result<std::vector<uint8_t>> Read(const ChunkDigest& d) override {
    if (unreadable == d) {
      return Status::Unavailable("cannot read: injected I/O error");
    }
    return inner_.Read(d);
  }
  std::unique_ptr<ChunkBatch> BeginBatch() override {
    if (refuse_writes) {
      struct Refusing : ChunkBatch {
        Status Add(const ChunkDigest&, std::span<const uint8_t>) override { return Status::Ok(); }
        Status Commit() override {
          return Status::Unavailable("cannot rename: Read-only file system");
        }
      };
      return std::make_unique<Refusing>();
    }
    if (!drop_writes) {
      return inner_.BeginBatch();
    }
    struct Dropping : ChunkBatch {
      Status Add(const ChunkDigest&, std::span<const uint8_t>) override { return Status::Ok(); }
      Status Commit() override { return Status::Ok(); }
    };
    return std::make_unique<Dropping>();
  }
};

class ScrubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      Result<std::unique_ptr<FileChunkStore>> store =
          FileChunkStore::Open(dirs_[i].path(), {.direct_io = false});
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      stores_[i] = std::move(store).value();
    }
  }

  // `count` random chunks written to each of `into`; their digests.
  std::vector<ChunkDigest> Put(int count, uint64_t seed, std::vector<FileChunkStore*> into) {
    std::vector<ChunkDigest> digests;
    std::vector<std::unique_ptr<ChunkBatch>> batches;
    for (FileChunkStore* store : into) {
      batches.push_back(store->BeginBatch());
    }
    for (int i = 0; i < count; ++i) {
      std::vector<uint8_t> bytes = MemoryDisk::RandomBytes(kChunk, seed * 1000 + i);
      digests.push_back(DigestOf(bytes));
      for (auto& batch : batches) {
        EXPECT_TRUE(batch->Add(digests.back(), bytes).ok());
      }
    }
    for (auto& batch : batches) {
      EXPECT_TRUE(batch->Commit().ok());
    }
    return digests;
  }

  FileChunkStore& store(int i) { return *stores_[i]; }

  TempDir dirs_[3];
  std::unique_ptr<FileChunkStore> stores_[3];
};

TEST_F(ScrubTest, AnIntactStoreReportsEveryChunkCheckedAndNoProblem) {
  std::vector<ChunkDigest> chunks = Put(5, 1, {&store(0)});
  Result<ScrubReport> report = ScrubStore(store(0), chunks, {&store(1)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->chunks_checked, 5u);
  EXPECT_EQ(report->bytes_checked, 5 * kChunk);
  EXPECT_EQ(report->corrupt + report->missing + report->repaired + report->unrepairable, 0u);
  EXPECT_TRUE(report->problems.empty());
}

TEST_F(ScrubTest, CorruptAndMissingChunksAreReadAsErrorsThenReplacedFromAnotherStore) {
  std::vector<ChunkDigest> chunks = Put(4, 2, {&store(0), &store(1)});
  const ChunkDigest corrupt = chunks[1];
  const ChunkDigest missing = chunks[3];
  Corrupt(store(0).ChunkPath(corrupt));
  ASSERT_TRUE(fs::remove(store(0).ChunkPath(missing)));
  // Before the repair a read fails; it never returns the damaged bytes.
  EXPECT_EQ(store(0).Read(corrupt).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store(0).Read(missing).status().code(), StatusCode::kNotFound);

  Result<ScrubReport> report = ScrubStore(store(0), chunks, {&store(0), &store(1)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->chunks_checked, 4u);
  EXPECT_EQ(report->bytes_checked, 2 * kChunk);
  EXPECT_EQ(report->corrupt, 1u);
  EXPECT_EQ(report->missing, 1u);
  EXPECT_EQ(report->repaired, 2u);
  EXPECT_EQ(report->unrepairable, 0u);
  ASSERT_EQ(report->problems.size(), 2u);
  for (const ScrubProblem& p : report->problems) {
    EXPECT_TRUE(p.repaired) << p.detail;
    EXPECT_EQ(p.kind,
              p.digest == corrupt ? ScrubProblemKind::kCorrupt : ScrubProblemKind::kMissing);
  }
  EXPECT_LT(report->problems[0].digest, report->problems[1].digest);

  // The damaged file was replaced, not left in place: the files are the source's, byte for
  // byte (both stores write raw chunks), and read back verified.
  for (const ChunkDigest& d : {corrupt, missing}) {
    EXPECT_EQ(FileBytes(store(0).ChunkPath(d)), FileBytes(store(1).ChunkPath(d)));
    Result<std::vector<uint8_t>> back = store(0).Read(d);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(DigestOf(*back), d);
  }
  Result<ScrubReport> again = ScrubStore(store(0), chunks, {&store(1)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes_checked, 4 * kChunk);
  EXPECT_EQ(again->corrupt + again->missing, 0u);
}

TEST_F(ScrubTest, AChunkNoOtherStoreHoldsIsUnrepairableAndStaysDamaged) {
  std::vector<ChunkDigest> chunks = Put(2, 3, {&store(0)});
  Corrupt(store(0).ChunkPath(chunks[0]));
  Result<ScrubReport> report = ScrubStore(store(0), chunks, {&store(1)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->corrupt, 1u);
  EXPECT_EQ(report->repaired, 0u);
  EXPECT_EQ(report->unrepairable, 1u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_FALSE(report->problems[0].repaired);
  EXPECT_NE(report->problems[0].detail.find("no other store holds the chunk"), std::string::npos)
      << report->problems[0].detail;
  EXPECT_EQ(report->problems[0].not_repaired, "noGoodCopy");
  EXPECT_EQ(store(0).Read(chunks[0]).status().code(), StatusCode::kDataLoss);
}

TEST_F(ScrubTest, ASourceWhoseCopyIsDamagedTooIsSkippedForTheNextOne) {
  std::vector<ChunkDigest> chunks = Put(1, 4, {&store(0), &store(1), &store(2)});
  ASSERT_TRUE(store(0).Remove(chunks[0]).ok());
  Corrupt(store(1).ChunkPath(chunks[0]));
  Result<ScrubReport> report = ScrubStore(store(0), chunks, {&store(1), &store(2)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->missing, 1u);
  EXPECT_EQ(report->repaired, 1u);
  EXPECT_TRUE(store(0).Read(chunks[0]).ok());

  // With only the damaged source, the reason names its damage.
  ASSERT_TRUE(store(0).Remove(chunks[0]).ok());
  report = ScrubStore(store(0), chunks, {&store(1)});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->unrepairable, 1u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].detail.find("no other store holds a verified copy"),
            std::string::npos)
      << report->problems[0].detail;
}

TEST_F(ScrubTest, ARepairTheStoreDoesNotKeepIsUnrepairable) {
  std::vector<ChunkDigest> chunks = Put(1, 5, {&store(0), &store(1)});
  Corrupt(store(0).ChunkPath(chunks[0]));
  FaultyStore keeps_damage(store(0));
  keeps_damage.drop_writes = true;
  Result<ScrubReport> report = ScrubStore(keeps_damage, chunks, {&store(1)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->corrupt, 1u);
  EXPECT_EQ(report->unrepairable, 1u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].detail.find("does not verify"), std::string::npos);
  EXPECT_EQ(report->problems[0].not_repaired, "doesNotVerify");
}

TEST_F(ScrubTest, ARepairThatCannotWriteSaysSoAndNotThatNoCopyExists) {
  std::vector<ChunkDigest> chunks = Put(1, 7, {&store(0), &store(1)});
  Corrupt(store(0).ChunkPath(chunks[0]));
  FaultyStore read_only(store(0));
  read_only.refuse_writes = true;
  Result<ScrubReport> report = ScrubStore(read_only, chunks, {&store(1)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->unrepairable, 1u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].not_repaired, "writeFailed");
  EXPECT_NE(report->problems[0].detail.find("another store holds a good copy, but writing it "
                                            "into this store failed: cannot rename: Read-only"),
            std::string::npos)
      << report->problems[0].detail;
}

TEST_F(ScrubTest, AnIoErrorOfTheScrubbedStoreStopsTheScrub) {
  std::vector<ChunkDigest> chunks = Put(3, 6, {&store(0)});
  FaultyStore failing(store(0));
  failing.unreadable = chunks[1];
  Result<ScrubReport> report = ScrubStore(failing, chunks, {&store(1)});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(report.status().message().find("injected I/O error"), std::string::npos);
}

TEST_F(ScrubTest, ASourceIoErrorOnlyMakesThatSourceUnusable) {
  std::vector<ChunkDigest> chunks = Put(1, 7, {&store(0), &store(1), &store(2)});
  ASSERT_TRUE(store(0).Remove(chunks[0]).ok());
  FaultyStore failing_source(store(1));
  failing_source.unreadable = chunks[0];
  Result<ScrubReport> report = ScrubStore(store(0), chunks, {&failing_source, &store(2)});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->repaired, 1u);
}

TEST_F(ScrubTest, DuplicatesAreCheckedOnceAndTheProblemListIsBoundedToTheLowestDigests) {
  std::vector<ChunkDigest> chunks = Put(12, 8, {&store(0)});
  for (const ChunkDigest& d : chunks) {
    ASSERT_TRUE(store(0).Remove(d).ok());
  }
  std::vector<ChunkDigest> twice = chunks;
  twice.insert(twice.end(), chunks.begin(), chunks.end());
  Result<ScrubReport> report =
      ScrubStore(store(0), twice, {&store(1)}, {.threads = 4, .max_problems = 5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->chunks_checked, 12u);
  EXPECT_EQ(report->missing, 12u);
  EXPECT_EQ(report->unrepairable, 12u);
  std::sort(chunks.begin(), chunks.end());
  ASSERT_EQ(report->problems.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(report->problems[i].digest, chunks[i]);
  }
}

TEST_F(ScrubTest, ManyThreadsFindWhatOneFinds) {
  std::vector<ChunkDigest> chunks = Put(40, 9, {&store(0), &store(1)});
  for (size_t i = 0; i < chunks.size(); i += 7) {
    Corrupt(store(0).ChunkPath(chunks[i]));
  }
  Result<ScrubReport> report = ScrubStore(store(0), chunks, {&store(1)}, {.threads = 4});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->chunks_checked, 40u);
  EXPECT_EQ(report->corrupt, 6u);
  EXPECT_EQ(report->repaired, 6u);
  EXPECT_EQ(report->bytes_checked, 34 * kChunk);
}

TEST_F(ScrubTest, BadOptionsAndCancellationAreErrors) {
  std::vector<ChunkDigest> chunks = Put(2, 10, {&store(0)});
  Result<ScrubReport> none = ScrubStore(store(0), chunks, {}, {.threads = 0});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  std::atomic<bool> cancel{true};
  Result<ScrubReport> cancelled = ScrubStore(store(0), chunks, {}, {.cancel = &cancel});
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(cancelled.status().message().find("stopped"), std::string::npos);
}

TEST(ScrubProblemNameTest, NamesBothKinds) {
  EXPECT_EQ(ScrubProblemName(ScrubProblemKind::kCorrupt), "corrupt");
  EXPECT_EQ(ScrubProblemName(ScrubProblemKind::kMissing), "missing");
}

}  // namespace
}  // namespace gallery::storage
