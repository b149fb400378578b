// The integrity scrub over real HTTPS: the same qemu-img-made disk uploaded in two regions, so
// both region stores hold the same chunks; one chunk of one store corrupted where it is stored
// and another lost (galleryd stopped meanwhile); a ranged read of the damaged data through the
// disk's signed URL fails with a storage error (never wrong bytes); `gallery store scrub` reports
// and repairs both from the other store; the read then returns the uploaded bytes and a second
// scrub finds nothing. A chunk no other store holds is reported unrepairable and the command exits
// non-zero.

#include <gtest/gtest.h>

#include <fstream>

#include "arm_test_fixture.h"
#include "cli_expect.h"
#include "storage/chunk_digest.h"
#include "storage/ingest.h"
#include "storage/stored_chunk_test_util.h"

namespace gallery::testing {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kDiskBytes = 24 * kMiB;
// The chunk size of galleryd's stores (storage/ingest.h kDefaultChunkSize).
constexpr uint64_t kChunkBytes = storage::kDefaultChunkSize;  // galleryd's
constexpr char kEastUs[] = "eastus";
// Two chunks of random data (the test disk has random 1 MiB runs at these offsets).
constexpr uint64_t kCorruptAt = 0;
constexpr uint64_t kMissingAt = 5 * kMiB;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ScrubTest : public ArmFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    home_ = dir_.path() / "home";
    fs::create_directories(home_);
    raw_ = (dir_.path() / "os.raw").string();
    const std::vector<uint64_t> runs = {0, 5 * kMiB, 6 * kMiB, 13 * kMiB, 23 * kMiB};
    ASSERT_TRUE(WriteRawTestDisk(raw_, kDiskBytes, 42, runs).ok());
    vhd_ = (dir_.path() / "os.vhd").string();
    CommandResult made = RunCommand({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                                     "subformat=fixed,force_size=on", raw_, vhd_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    Ok({"login", "--bootstrap", server_->bootstrap_file().string()});
    Ok({"group", "create", "-n", "rg1", "-l", kSouthCentral});
  }

  CommandResult Gallery(std::vector<std::string> args) {
    return RunGallery(std::move(args), home_ / "config", home_);
  }
  json Ok(const std::vector<std::string>& args) { return SucceededJson(args, Gallery(args)); }

  // Uploads the test disk as disk `name` in `location`.
  void Upload(const std::string& name, const std::string& location) {
    json disk = Ok({"disk", "upload", vhd_, "-g", "rg1", "-n", name, "-l", location});
    EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
  }
  // A Read URL of disk `name`.
  std::string ReadUrl(const std::string& name) {
    json grant = Ok({"disk", "grant-access", "-g", "rg1", "-n", name, "--access-level", "Read"});
    return grant.value("accessSas", "");
  }

  std::string Slice(uint64_t offset, uint64_t length) const {
    std::ifstream in(raw_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string out(length, '\0');
    in.read(out.data(), static_cast<std::streamsize>(length));
    return out;
  }
  storage::ChunkDigest DigestOfChunkAt(uint64_t offset) const {
    const std::string bytes = Slice(offset, kChunkBytes);
    return storage::DigestOf(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  std::string DigestAt(uint64_t offset) const { return storage::ToHex(DigestOfChunkAt(offset)); }
  fs::path StorePath(const std::string& store) const {
    return dir_.path() / "data" / "stores" / store;
  }
  // Damages the stored bytes of the chunk at `offset` of the disk in place (galleryd may run).
  void CorruptChunk(const std::string& store, uint64_t offset) {
    const std::optional<storage::StoredChunk> chunk =
        storage::FindStoredChunk(StorePath(store), DigestOfChunkAt(offset));
    ASSERT_TRUE(chunk.has_value()) << DigestAt(offset) << " is not in " << store;
    ASSERT_GT(chunk->length, 100u);
    ASSERT_TRUE(storage::FlipStoredByte(*chunk, chunk->length - 100));
    ASSERT_TRUE(storage::FlipStoredByte(*chunk, chunk->length - 99));
  }
  // The store loses the chunk at `offset` of the disk: galleryd is stopped meanwhile (a pack
  // store's index is in memory), then started again and the CLI logged in to it.
  void LoseChunk(const std::string& store, uint64_t offset) {
    ASSERT_EQ(server_->Stop(), 0);
    ASSERT_TRUE(storage::RemoveStoredChunk(StorePath(store), DigestOfChunkAt(offset)))
        << DigestAt(offset) << " is not in " << store;
    ASSERT_FALSE(storage::FindStoredChunk(StorePath(store), DigestOfChunkAt(offset)).has_value());
    ASSERT_NO_FATAL_FAILURE(StartServer());
    Ok({"login", "--bootstrap", server_->bootstrap_file().string()});
  }

  // A ranged GET of one chunk of the disk at `url`.
  HttpResult ReadChunk(const std::string& url, uint64_t offset) {
    HttpCall call{"GET", url, {}, ""};
    call.headers.push_back({"Range", "bytes=" + std::to_string(offset) + "-" +
                                         std::to_string(offset + kChunkBytes - 1)});
    Result<HttpResult> r = client_->Send(call);
    return r.ok() ? *r : HttpResult{0, {}, r.status().ToString()};
  }
  void ExpectDamaged(const std::string& url, uint64_t offset) {
    HttpResult r = ReadChunk(url, offset);
    EXPECT_EQ(r.status, 500) << r.body;
    EXPECT_EQ(r.Header("x-ms-error-code").value_or(""), "DataLoss") << r.body;
    EXPECT_TRUE(Contains(r.body, "failed verification")) << r.body;
    EXPECT_FALSE(Contains(r.body, Slice(offset, 64)));
  }
  void ExpectIntact(const std::string& url, uint64_t offset) {
    HttpResult r = ReadChunk(url, offset);
    ASSERT_EQ(r.status, 206) << r.body;
    EXPECT_TRUE(r.body == Slice(offset, kChunkBytes));
  }

  // The report of store `name` in a scrub's output.
  static json StoreReport(const json& report, const std::string& name) {
    for (const json& store : report.value("stores", json::array())) {
      if (store.value("name", "") == name) {
        return store;
      }
    }
    ADD_FAILURE() << "no report of " << name << " in " << report.dump();
    return json::object();
  }
  static void ExpectClean(const json& store) {
    EXPECT_EQ(store["corrupt"], 0) << store.dump();
    EXPECT_EQ(store["missing"], 0) << store.dump();
    EXPECT_EQ(store["problems"], json::array()) << store.dump();
  }

  fs::path home_;
  std::string raw_;
  std::string vhd_;
};

TEST_F(ScrubTest, DamagedChunksFailReadsUntilTheScrubRepairsThemFromTheOtherRegionsStore) {
  Upload("os1", kSouthCentral);
  Upload("os2", kEastUs);
  ASSERT_NO_FATAL_FAILURE(LoseChunk(kSouthCentral, kMissingAt));
  ASSERT_NO_FATAL_FAILURE(CorruptChunk(kSouthCentral, kCorruptAt));

  const std::string url = ReadUrl("os1");
  ASSERT_TRUE(Contains(url, server_->endpoint())) << url;
  ExpectDamaged(url, kCorruptAt);
  ExpectDamaged(url, kMissingAt);
  ExpectIntact(url, 6 * kMiB);

  json report = Ok({"store", "scrub"});
  json damaged = StoreReport(report, kSouthCentral);
  constexpr uint64_t kDataChunks = 5 * kMiB / kChunkBytes;  // five random 1 MiB runs
  EXPECT_EQ(damaged["chunksChecked"], kDataChunks) << damaged.dump();
  EXPECT_EQ(damaged["bytesChecked"], (kDataChunks - 2) * kChunkBytes);
  EXPECT_EQ(damaged["corrupt"], 1);
  EXPECT_EQ(damaged["missing"], 1);
  EXPECT_EQ(damaged["repaired"], 2);
  EXPECT_EQ(damaged["unrepairable"], 0);
  json expected_problems = json::array();
  for (const auto& [offset, problem] : std::vector<std::pair<uint64_t, std::string>>{
           {kCorruptAt, "corrupt"}, {kMissingAt, "missing"}}) {
    expected_problems.push_back(
        {{"digest", DigestAt(offset)}, {"problem", problem}, {"repaired", true}});
  }
  if (DigestAt(kMissingAt) < DigestAt(kCorruptAt)) {
    std::swap(expected_problems[0], expected_problems[1]);
  }
  EXPECT_EQ(damaged["problems"], expected_problems);
  ExpectClean(StoreReport(report, kEastUs));

  ExpectIntact(url, kCorruptAt);
  ExpectIntact(url, kMissingAt);
  json again = Ok({"store", "scrub", "-o", "json"});
  json second = StoreReport(again, kSouthCentral);
  ExpectClean(second);
  EXPECT_EQ(second["bytesChecked"], kDataChunks * kChunkBytes);
  ExpectClean(StoreReport(again, kEastUs));
}

TEST_F(ScrubTest, AChunkNoOtherStoreHoldsIsReportedUnrepairableAndTheCommandFails) {
  Upload("os1", kSouthCentral);
  ASSERT_NO_FATAL_FAILURE(CorruptChunk(kSouthCentral, kCorruptAt));

  CommandResult r = Gallery({"store", "scrub"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "1 damaged chunk(s) could not be repaired")) << r.err;
  EXPECT_TRUE(Contains(r.err, "with no good copy in any other store")) << r.err;
  json store = StoreReport(json::parse(r.out, nullptr, false), kSouthCentral);
  EXPECT_EQ(store["corrupt"], 1) << store.dump();
  EXPECT_EQ(store["repaired"], 0);
  EXPECT_EQ(store["unrepairable"], 1);
  EXPECT_EQ(store["problems"],
            json::parse(R"([{"digest":")" + DigestAt(kCorruptAt) +
                        R"(","problem":"corrupt","repaired":false,"notRepaired":"noGoodCopy"}])"));
  ExpectDamaged(ReadUrl("os1"), kCorruptAt);

  // The table form names the store in a row.
  r = Gallery({"store", "scrub", "-o", "table"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.out, "Unrepairable")) << r.out;
  EXPECT_TRUE(Contains(r.out, kSouthCentral)) << r.out;
}

}  // namespace
}  // namespace gallery::testing
