// Replication over real HTTPS: galleryd with four replication regions (two of them with a
// second store in a folder of the test's own), versions made from managed images of
// qemu-img-made disks with random data, and links slowed by the "links" configuration so
// copies take long enough to watch. Covers replica counts over several stores, live status
// while copying, profile changes and deletes while copying, the link model's timing, kill -9
// and resume, and a store that cannot be used (Failed, then retried by an update).

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "arm_test_fixture.h"
#include "cli_expect.h"
#include "metadata/sqlite_store.h"
#include "replication/link_model.h"
#include "replication/link_throttle.h"
#include "storage/chunk_digest.h"
#include "storage/ingest.h"
#include "storage/stored_chunk_test_util.h"

namespace gallery::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = uint64_t{1} << 20;
// The chunk size of galleryd's stores (storage/ingest.h kDefaultChunkSize), and the chunks a
// replication job sends per request (replication/replicator.h request_bytes: 4 MiB).
constexpr uint64_t kChunkBytes = storage::kDefaultChunkSize;
constexpr int kChunksPerRequest = static_cast<int>((uint64_t{4} << 20) / kChunkBytes);

constexpr char kEastUs[] = "eastus";
constexpr char kWestUs2[] = "westus2";
constexpr char kWestUs[] = "westus";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A target region of a publishing profile.
json Target(const std::string& region, int count) {
  return {{"name", region}, {"regionalReplicaCount", count}};
}

// The data of a test disk: random 1 MiB runs at the first `runs` MiB of a disk at least 4 MiB
// longer (zeros after them) and at least 24 MiB (Azure's smallest upload is 20 MiB).
struct TestDisk {
  int runs = 0;
  uint64_t disk_bytes() const { return std::max<uint64_t>(runs + 4, 24) * kMiB; }
  uint64_t data_bytes() const { return static_cast<uint64_t>(runs) * kMiB; }
  size_t chunks() const { return data_bytes() / kChunkBytes; }
};

class ReplicationTest : public ArmFixture {
 protected:
  // galleryd with southcentralus (galleries; stores southcentralus and southcentralus-2),
  // eastus, westus2 (stores westus2 and westus2-2) and westus; `extra` is merged into the
  // configuration ("links", "replication").
  void Start(const json& extra = json::object()) {
    json config = {
        {"regions",
         {{{"name", kSouthCentral},
           {"displayName", "South Central US"},
           {"galleries", true},
           {"replication", true},
           {"stores", {json::object(), {{"path", SecondStore(kSouthCentral).string()}}}}},
          {{"name", kEastUs}, {"displayName", "East US"}, {"replication", true}},
          {{"name", kWestUs2},
           {"displayName", "West US 2"},
           {"replication", true},
           {"stores", {json::object(), {{"path", SecondStore(kWestUs2).string()}}}}},
          {{"name", kWestUs}, {"displayName", "West US"}, {"replication", true}}}}};
    config.update(extra);
    config_ = config.dump();
    ASSERT_NO_FATAL_FAILURE(Restart());
    Ok({"group", "create", "-n", "rg1", "-l", kSouthCentral});
  }
  // galleryd again on the same data directory and configuration (after Kill or Stop).
  void Restart() {
    ASSERT_NO_FATAL_FAILURE(StartServer(config_));
    home_ = dir_.path() / "home";
    fs::create_directories(home_);
    Ok({"login", "--bootstrap", server_->bootstrap_file().string()});
  }
  static json Links(double mbps, int latency_ms = 0) {
    return {{"links", {{"default", {{"bandwidthMBps", mbps}, {"latencyMs", latency_ms}}}}}};
  }

  // Where each store keeps its chunks.
  fs::path SecondStore(const std::string& region) const {
    return dir_.path() / "extra-stores" / (region + "-2");
  }
  fs::path StorePath(const std::string& store) const {
    for (const char* region : {kSouthCentral, kWestUs2}) {
      if (store == std::string(region) + "-2") {
        return SecondStore(region);
      }
    }
    return dir_.path() / "data" / "stores" / store;
  }

  CommandResult Gallery(std::vector<std::string> args) {
    return RunGallery(std::move(args), home_ / "config", home_);
  }
  json Ok(const std::vector<std::string>& args) { return SucceededJson(args, Gallery(args)); }

  // Managed image img1 in southcentralus from `disk` (uploaded as a qemu-img fixed VHD), and
  // gallery gal1 with definition def1.
  void PublishImage(TestDisk disk) {
    disk_ = disk;
    raw_ = (dir_.path() / "os.raw").string();
    std::vector<uint64_t> runs;
    for (int i = 0; i < disk.runs; ++i) {
      runs.push_back(static_cast<uint64_t>(i) * kMiB);
    }
    ASSERT_TRUE(WriteRawTestDisk(raw_, disk.disk_bytes(), 42, runs).ok());
    const std::string vhd = (dir_.path() / "os.vhd").string();
    CommandResult made = RunCommand({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                                     "subformat=fixed,force_size=on", raw_, vhd});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    json uploaded = Ok({"disk", "upload", vhd, "-g", "rg1", "-n", "os1", "-l", kSouthCentral});
    ASSERT_EQ(uploaded["properties"]["diskState"], "Unattached") << uploaded.dump();
    fs::remove(vhd);
    json image = Ok({"image", "create", "-g", "rg1", "-n", "img1", "--os-type", "Linux", "--source",
                     uploaded.value("id", "")});
    ASSERT_EQ(image["properties"]["provisioningState"], "Succeeded") << image.dump();
    ASSERT_NO_FATAL_FAILURE(CreateGallery());
    ASSERT_NO_FATAL_FAILURE(CreateDef());
  }

  // PUT of version `v` of img1 replicated to `targets`; the accepted answer.
  HttpResult PutVersion(const std::string& v, const json& targets) {
    HttpResult r =
        Call("PUT", Q(VerPath(v), kVersionApi), VersionBody("img1", kSouthCentral, targets));
    EXPECT_EQ(r.status, 201) << r.body;
    return r;
  }
  std::string AsyncUrl(const HttpResult& accepted) const {
    return accepted.Header("Azure-AsyncOperation").value_or("");
  }
  // The version with $expand=ReplicationStatus.
  json Expanded(const std::string& v) {
    HttpResult r = Call("GET", Q(VerPath(v) + "?$expand=ReplicationStatus", kVersionApi));
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }
  // The summary entry of the region named `display`; null when there is none.
  static json RegionStatus(const json& version, const std::string& display) {
    for (const json& entry : version["properties"]["replicationStatus"]["summary"]) {
      if (entry.value("region", "") == display) {
        return entry;
      }
    }
    return nullptr;
  }
  // The summary's regions as (display name, state, completed, total), in its order.
  static std::vector<std::tuple<std::string, std::string, int, int>> Summary(const json& version) {
    std::vector<std::tuple<std::string, std::string, int, int>> out;
    for (const json& e : version["properties"]["replicationStatus"]["summary"]) {
      out.emplace_back(e.value("region", ""), e.value("state", ""),
                       e.value("replicasCompleted", -1), e.value("replicasTotal", -1));
    }
    return out;
  }
  // Polls the expanded version until `done` holds (up to `timeout_ms`); the last answer.
  json WaitStatus(const std::string& v, const std::function<bool(const json&)>& done,
                  int timeout_ms = 20000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    json last;
    while (Clock::now() < deadline) {
      last = Expanded(v);
      if (done(last)) {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "status of " << v << " never reached the expected state: " << last.dump();
    return last;
  }
  // Waits until the region copies data (bytesDone > 0 while Replicating).
  json WaitCopying(const std::string& v, const std::string& display) {
    return WaitStatus(v, [&](const json& s) {
      const json r = RegionStatus(s, display);
      return r.is_object() && r.value("state", "") == "Replicating" &&
             r.value("bytesDone", int64_t{0}) > 0;
    });
  }

  // The digests of the disk's chunks with data (all-zero chunks are not stored).
  std::vector<std::string> Digests() const {
    std::ifstream in(raw_, std::ios::binary);
    std::vector<std::string> out;
    std::string chunk(kChunkBytes, '\0');
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()))) {
      if (chunk.find_first_not_of('\0') == std::string::npos) {
        continue;
      }
      out.push_back(storage::ToHex(storage::DigestOf(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()))));
    }
    return out;
  }
  // Chunks committed to a store.
  size_t StoredChunks(const std::string& store) const {
    return storage::StoredChunks(StorePath(store)).size();
  }
  // Every chunk of the disk is stored in the store.
  void ExpectStoreHoldsDisk(const std::string& store) const {
    const std::vector<std::string> digests = Digests();
    ASSERT_EQ(digests.size(), disk_.chunks());
    const std::map<storage::ChunkDigest, storage::StoredChunk> stored =
        storage::StoredChunks(StorePath(store));
    size_t missing = 0;
    for (const std::string& hex : digests) {
      missing += stored.contains(*storage::ParseDigest(hex)) ? 0 : 1;
    }
    EXPECT_EQ(missing, 0u) << "store " << store << " lacks " << missing << " of " << digests.size()
                           << " chunks";
  }

  // Bytes replication copied between regions, from the metadata store (galleryd stopped: there
  // is no API for it).
  std::map<std::pair<std::string, std::string>, int64_t> EgressAfterStop() {
    EXPECT_EQ(server_->Stop(), 0);
    std::map<std::pair<std::string, std::string>, int64_t> out;
    auto store = metadata::OpenSqliteStore(dir_.path() / "data" / "gallery.db");
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) {
      return out;
    }
    auto tx = (*store)->Begin(metadata::TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto totals = (*tx)->ListEgress();
    EXPECT_TRUE(totals.ok()) << totals.status().ToString();
    for (const metadata::EgressTotal& t :
         totals.ok() ? *totals : std::vector<metadata::EgressTotal>{}) {
      out[{t.source, t.target}] = t.bytes;
    }
    return out;
  }

  // The version downloaded with the CLI is the disk.
  void ExpectDownloadIsTheDisk(const std::string& v) {
    const std::string out = (dir_.path() / "download.raw").string();
    Ok({"sig", "image-version", "download", "-g", "rg1", "-r", "gal1", "-i", "def1", "-e", v, "-o",
        out, "--format", "raw"});
    CommandResult r =
        RunCommand({"/usr/bin/qemu-img", "compare", "-f", "raw", "-F", "raw", raw_, out});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, "Images are identical.")) << r.out;
  }

  // `gallery store scrub`'s reports of the stores, by name.
  std::map<std::string, json> Scrub() {
    std::map<std::string, json> out;
    for (const json& store : Ok({"store", "scrub"}).value("stores", json::array())) {
      out[store.value("name", "")] = store;
    }
    return out;
  }
  // A scrub found every chunk of the disk in the store, intact.
  static void ExpectScrubbedClean(std::map<std::string, json>& reports, const std::string& store,
                                  size_t chunks) {
    const json report = reports[store];
    EXPECT_EQ(report["chunksChecked"], chunks) << store << ": " << report.dump();
    EXPECT_EQ(report["missing"], 0) << store << ": " << report.dump();
    EXPECT_EQ(report["corrupt"], 0) << store << ": " << report.dump();
  }

  std::string config_;
  fs::path home_;
  std::string raw_;
  TestDisk disk_;
};

TEST_F(ReplicationTest, ThreeRegionsReachTheirReplicaCountsInEveryStore) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 6}));
  const HttpResult accepted =
      PutVersion("1.0.0", {Target(kSouthCentral, 2), Target(kEastUs, 1), Target(kWestUs2, 2)});
  EXPECT_EQ(WaitOperation(AsyncUrl(accepted))["status"], "Succeeded");
  const json done = Expanded("1.0.0");
  EXPECT_EQ(done["properties"]["provisioningState"], "Succeeded");
  const json status = done["properties"]["replicationStatus"];
  EXPECT_EQ(status["aggregatedState"], "Completed") << status.dump();
  using Row = std::tuple<std::string, std::string, int, int>;
  EXPECT_EQ(Summary(done), (std::vector<Row>{{"South Central US", "Completed", 2, 2},
                                             {"East US", "Completed", 1, 1},
                                             {"West US 2", "Completed", 2, 2}}))
      << status.dump();
  for (const json& entry : status["summary"]) {
    EXPECT_EQ(entry["progress"], 100) << entry.dump();
    EXPECT_FALSE(entry.contains("bytesDone")) << "no job runs any more: " << entry.dump();
  }
  // Without $expand there is no status.
  EXPECT_FALSE(Body(Call("GET", Q(VerPath("1.0.0"), kVersionApi)))["properties"].contains(
      "replicationStatus"));

  // Replica i of a region is in store i mod 2: every store of the three regions holds the disk.
  for (const char* store : {kSouthCentral, "southcentralus-2", kEastUs, kWestUs2, "westus2-2"}) {
    ExpectStoreHoldsDisk(store);
  }
  EXPECT_EQ(StoredChunks(kWestUs), 0u) << "westus is no target";
  // The replicas' manifests name their stores: a scrub checks each store's chunks.
  std::map<std::string, json> scrubbed = Scrub();
  for (const char* store : {"southcentralus-2", kEastUs, "westus2-2"}) {
    ExpectScrubbedClean(scrubbed, store, disk_.chunks());
  }

  // Each region's chunks crossed once from the source region, however many stores it fills;
  // copies inside southcentralus are no egress.
  const auto egress = EgressAfterStop();
  const auto bytes = static_cast<int64_t>(disk_.data_bytes());
  EXPECT_EQ(egress, (std::map<std::pair<std::string, std::string>, int64_t>{
                        {{kSouthCentral, kEastUs}, bytes}, {{kSouthCentral, kWestUs2}, bytes}}));
}

TEST_F(ReplicationTest, StatusShowsBytesRateAndEtaWhileCopying) {
  ASSERT_NO_FATAL_FAILURE(Start(Links(5)));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 20}));
  const HttpResult accepted = PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});

  // Samples while East US copies at 5 MB/s (about four seconds).
  std::vector<json> samples;
  WaitStatus("1.0.0", [&](const json& s) {
    const json east = RegionStatus(s, "East US");
    if (east.is_object() && east.contains("bytesDone")) {
      samples.push_back(s);
    }
    return east.is_object() && east.value("state", "") == "Completed";
  });
  ASSERT_GE(samples.size(), 3u);
  int64_t previous = 0;
  std::set<int64_t> seen;
  bool rate_seen = false;
  for (const json& s : samples) {
    EXPECT_EQ(s["properties"]["provisioningState"], "Creating") << s.dump();
    EXPECT_EQ(s["properties"]["replicationStatus"]["aggregatedState"], "InProgress");
    const json east = RegionStatus(s, "East US");
    EXPECT_EQ(east["state"], "Replicating") << east.dump();
    EXPECT_EQ(east["bytesTotal"], disk_.data_bytes()) << east.dump();
    const int64_t now = east["bytesDone"];
    EXPECT_GE(now, previous) << east.dump();
    EXPECT_LE(now, static_cast<int64_t>(disk_.data_bytes()));
    previous = now;
    seen.insert(now);
    if (east.value("bytesPerSecond", int64_t{0}) > 0) {
      rate_seen = true;
      // The rate is the link's (5 MB/s), give or take the first request's burst.
      EXPECT_LT(east["bytesPerSecond"].get<int64_t>(), 10'000'000) << east.dump();
      ASSERT_TRUE(east.contains("etaSeconds")) << east.dump();
      EXPECT_GE(east["etaSeconds"].get<double>(), 0) << east.dump();
      EXPECT_LE(east["etaSeconds"].get<double>(), 10) << east.dump();
    }
  }
  EXPECT_GE(seen.size(), 2u) << "bytesDone never grew";
  EXPECT_TRUE(rate_seen);

  EXPECT_EQ(WaitOperation(AsyncUrl(accepted))["status"], "Succeeded");
  const json done = Expanded("1.0.0");
  EXPECT_EQ(done["properties"]["provisioningState"], "Succeeded");
  const json east = RegionStatus(done, "East US");
  EXPECT_EQ(east["state"], "Completed") << east.dump();
  EXPECT_EQ(east["progress"], 100);
  EXPECT_FALSE(east.contains("bytesDone")) << east.dump();
  EXPECT_FALSE(east.contains("etaSeconds")) << east.dump();
  EXPECT_EQ(RegionStatus(done, "South Central US")["state"], "Completed") << done.dump();
}

// audit c#10 e: West US 2 has two stores, each receiving every chunk. Its bytes and rate are
// what crosses the link into the region (each chunk once), not the sum of the stores' writes,
// which read as twice the link's rate.
TEST_F(ReplicationTest, ATwoStoreRegionReportsTheBytesAndRateOfItsLinkNotOfItsStoresWrites) {
  ASSERT_NO_FATAL_FAILURE(Start(Links(5)));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 20}));
  const HttpResult accepted = PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kWestUs2, 2)});

  std::vector<json> samples;  // West US 2 while it copies at 5 MB/s (about four seconds)
  WaitStatus("1.0.0", [&](const json& s) {
    const json west = RegionStatus(s, "West US 2");
    if (west.is_object() && west.contains("bytesDone")) {
      samples.push_back(west);
    }
    return west.is_object() && west.value("state", "") == "Completed";
  });
  ASSERT_GE(samples.size(), 3u);
  bool rate_seen = false;
  for (const json& west : samples) {
    EXPECT_EQ(west["replicasTotal"], 2) << west.dump();
    EXPECT_EQ(west["bytesTotal"], disk_.data_bytes()) << west.dump();
    EXPECT_LE(west["bytesDone"].get<int64_t>(), static_cast<int64_t>(disk_.data_bytes()));
    const double rate = west.value("bytesPerSecond", 0.0);
    if (rate > 0) {
      rate_seen = true;
      EXPECT_LT(rate, 10'000'000) << west.dump();  // the link's 5 MB/s, give or take a burst
      const double left = west["bytesTotal"].get<double>() - west["bytesDone"].get<double>();
      // The ETA is the bytes left at that rate (the rate is sent in whole bytes per second).
      EXPECT_NEAR(west["etaSeconds"].get<double>(), left / rate, 1.0) << west.dump();
    }
  }
  EXPECT_TRUE(rate_seen);
  EXPECT_EQ(WaitOperation(AsyncUrl(accepted))["status"], "Succeeded");
  ExpectStoreHoldsDisk(kWestUs2);
  ExpectStoreHoldsDisk("westus2-2");
}

TEST_F(ReplicationTest, AProfileChangeWhileCopyingEndsWithExactlyTheReplicasAskedFor) {
  ASSERT_NO_FATAL_FAILURE(Start(Links(5)));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 20}));
  const HttpResult created =
      PutVersion("1.0.0", {Target(kSouthCentral, 2), Target(kEastUs, 1), Target(kWestUs2, 2)});
  WaitCopying("1.0.0", "West US 2");

  // Lower South Central US to one replica, remove West US 2, add West US.
  const json targets = {Target(kSouthCentral, 1), Target(kEastUs, 1), Target(kWestUs, 1)};
  HttpResult patched =
      Call("PATCH", Q(VerPath("1.0.0"), kVersionApi),
           {{"properties", {{"publishingProfile", {{"targetRegions", targets}}}}}});
  ASSERT_TRUE(patched.status == 200 || patched.status == 202) << patched.status << patched.body;
  const json right_after = Expanded("1.0.0");
  EXPECT_EQ(right_after["properties"]["provisioningState"], "Creating") << right_after.dump();
  EXPECT_TRUE(RegionStatus(right_after, "West US 2").is_null()) << right_after.dump();

  EXPECT_EQ(WaitOperation(AsyncUrl(patched), 30000)["status"], "Succeeded");
  // The create operation, superseded by the update, ends too (WaitOperation fails otherwise).
  const json create = WaitOperation(AsyncUrl(created));
  EXPECT_NE(create.value("status", ""), "InProgress") << create.dump();
  EXPECT_TRUE(create.contains("endTime")) << create.dump();
  const json done = Expanded("1.0.0");
  EXPECT_EQ(done["properties"]["provisioningState"], "Succeeded") << done.dump();
  using Row = std::tuple<std::string, std::string, int, int>;
  EXPECT_EQ(Summary(done), (std::vector<Row>{{"South Central US", "Completed", 1, 1},
                                             {"East US", "Completed", 1, 1},
                                             {"West US", "Completed", 1, 1}}))
      << done.dump();
  EXPECT_EQ(done["properties"]["replicationStatus"]["aggregatedState"], "Completed");
  const json profile = done["properties"]["publishingProfile"]["targetRegions"];
  ASSERT_EQ(profile.size(), 3u) << profile.dump();
  EXPECT_EQ(profile[2]["name"], "West US") << profile.dump();
  ExpectStoreHoldsDisk(kWestUs);
  ExpectStoreHoldsDisk(kEastUs);
  // West US 2's job stopped within a request of the change: its stores never got the whole disk.
  EXPECT_LT(StoredChunks(kWestUs2), disk_.chunks());
  EXPECT_LT(StoredChunks("westus2-2"), disk_.chunks());
}

TEST_F(ReplicationTest, DeletingAVersionWhileCopyingEndsItsReplication) {
  ASSERT_NO_FATAL_FAILURE(Start(Links(5)));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 16}));
  const HttpResult created = PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  WaitCopying("1.0.0", "East US");

  HttpResult deleted = Call("DELETE", Q(VerPath("1.0.0"), kVersionApi));
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  EXPECT_EQ(WaitOperation(AsyncUrl(deleted))["status"], "Succeeded");
  ExpectAbsent(VerPath("1.0.0"), kVersionApi);
  // The create operation ends: its version is gone.
  const json create = WaitOperation(AsyncUrl(created));
  EXPECT_EQ(create["status"], "Canceled") << create.dump();
  EXPECT_EQ(create["error"]["code"], "ResourceDeleted") << create.dump();

  // Nothing copies for the deleted version any more: East US's store stopped growing short of
  // the disk (its job stops within one request of 4 MiB, under a second at 5 MB/s, and the
  // create operation ended at least that long after the delete).
  const size_t stopped = StoredChunks(kEastUs);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(StoredChunks(kEastUs), stopped);
  EXPECT_LT(stopped, disk_.chunks());

  // The next version of the same image replicates in full.
  const HttpResult next = PutVersion("1.0.1", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  EXPECT_EQ(WaitOperation(AsyncUrl(next), 30000)["status"], "Succeeded");
  EXPECT_EQ(RegionStatus(Expanded("1.0.1"), "East US")["state"], "Completed");
  ExpectStoreHoldsDisk(kEastUs);
  const std::string log = ReadOrEmpty(dir_.path() / "data" / "galleryd.log");
  EXPECT_FALSE(Contains(log, "versions/1.0.0 to eastus")) << "the deleted version completed";
  EXPECT_EQ(server_->Stop(), 0);
}

// The link's time comes on top of the local work of a copy (reading, verifying and writing
// 800 chunks, syncing them), which on a busy machine can take as long as the link itself: a
// copy of the same disk over an unlimited link (southcentralus -> westus) measures it, and
// the copy over the 50 MB/s link must take at least the model's time and at most the model's
// time (with a margin) plus that local work.
TEST_F(ReplicationTest, ACopyTakesTheTimeTheLinkModelPredicts) {
  constexpr double kMBps = 50;
  constexpr int kLatencyMs = 20;
  json links = Links(kMBps, kLatencyMs);
  links["links"]["pairs"] = {
      {{"from", kSouthCentral}, {"to", kWestUs}, {"bandwidthMBps", 0}, {"latencyMs", 0}}};
  ASSERT_NO_FATAL_FAILURE(Start(links));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 100}));  // 104.9 MB of data
  ASSERT_GE(disk_.data_bytes(), 100'000'000u);

  // Seconds from a version's PUT to its operation's success.
  auto replicate = [&](const std::string& v, const char* region) {
    const auto start = Clock::now();
    const HttpResult accepted = PutVersion(v, {Target(kSouthCentral, 1), Target(region, 1)});
    const json op = WaitOperation(AsyncUrl(accepted), 30000);
    EXPECT_EQ(op["status"], "Succeeded") << op.dump();
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  const double local = replicate("1.0.0", kWestUs);
  const double took = replicate("1.0.1", kEastUs);

  replication::Link link;
  link.bytes_per_second = kMBps * 1e6;
  link.latency_ms = kLatencyMs;
  const int requests =
      static_cast<int>((disk_.chunks() + kChunksPerRequest - 1) / kChunksPerRequest);
  const double predicted = replication::PredictSeconds(link, disk_.data_bytes(), requests);
  EXPECT_GT(predicted, 2.0);
  const std::string times = "took " + std::to_string(took) + " s, the model says " +
                            std::to_string(predicted) + " s, the local work took " +
                            std::to_string(local) + " s";
  EXPECT_GE(took, 0.8 * predicted) << times;
  EXPECT_LE(took, 1.5 * predicted + local) << times;
  ExpectStoreHoldsDisk(kEastUs);
  ExpectStoreHoldsDisk(kWestUs);
}

TEST_F(ReplicationTest, AfterKillNineReplicationResumesFromTheChunksAlreadyCopied) {
  ASSERT_NO_FATAL_FAILURE(Start(Links(20)));
  // 80 MiB: a job commits what it wrote every 64 MiB, so a kill after the first commit leaves
  // most of the disk in East US's store.
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 80}));
  PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});

  const auto deadline = Clock::now() + std::chrono::seconds(20);
  size_t before = 0;
  while (Clock::now() < deadline && (before = StoredChunks(kEastUs)) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_->Kill();
  ASSERT_GT(before, 0u) << "nothing was committed in time";
  const size_t at_kill = StoredChunks(kEastUs);
  ASSERT_LT(at_kill, disk_.chunks()) << "the copy ended before the kill";

  ASSERT_NO_FATAL_FAILURE(Restart());
  const json done = WaitSucceeded(VerPath("1.0.0"), kVersionApi, 30000);
  EXPECT_EQ(done["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(RegionStatus(Expanded("1.0.0"), "East US")["state"], "Completed");
  ExpectStoreHoldsDisk(kEastUs);
  std::map<std::string, json> scrubbed = Scrub();
  ExpectScrubbedClean(scrubbed, kEastUs, disk_.chunks());
  ExpectDownloadIsTheDisk("1.0.0");

  // Egress counts what was committed before the kill plus what was copied after it: at most
  // the disk once when the restart copied only the chunks the store lacked (a copy from the
  // start would add the whole disk again).
  const auto egress = EgressAfterStop();
  const int64_t copied =
      egress.count({kSouthCentral, kEastUs}) > 0 ? egress.at({kSouthCentral, kEastUs}) : 0;
  EXPECT_LE(copied, static_cast<int64_t>(disk_.data_bytes()))
      << at_kill << " of " << disk_.chunks() << " chunks were there at the kill";
  EXPECT_GE(copied, static_cast<int64_t>((disk_.chunks() - at_kill) * kChunkBytes));
}

TEST_F(ReplicationTest, AnUnusableStoreFailsItsRegionUntilAnUpdateRetriesIt) {
  // westus2-2's folder is a regular file.
  fs::create_directories(SecondStore(kWestUs2).parent_path());
  { std::ofstream(SecondStore(kWestUs2)) << "in the way"; }
  ASSERT_NO_FATAL_FAILURE(
      Start({{"replication", {{"maxAttempts", 2}, {"retryBaseMs", 100}, {"retryMaxMs", 200}}}}));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 6}));
  const HttpResult accepted =
      PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1), Target(kWestUs2, 2)});

  const json op = WaitOperation(AsyncUrl(accepted));
  EXPECT_EQ(op["status"], "Failed") << op.dump();
  EXPECT_EQ(op["error"]["code"], "ReplicationFailed") << op.dump();
  EXPECT_TRUE(Contains(op["error"].value("message", ""), "westus2-2")) << op.dump();
  const json failed = Expanded("1.0.0");
  EXPECT_EQ(failed["properties"]["provisioningState"], "Failed") << failed.dump();
  EXPECT_EQ(failed["properties"]["replicationStatus"]["aggregatedState"], "Failed");
  const json west = RegionStatus(failed, "West US 2");
  EXPECT_EQ(west["state"], "Failed") << west.dump();
  EXPECT_EQ(west["replicasCompleted"], 0) << west.dump();
  EXPECT_EQ(west["replicasTotal"], 2) << west.dump();
  const std::string details = west.value("details", "");
  EXPECT_TRUE(Contains(details, "westus2-2")) << details;
  EXPECT_TRUE(Contains(details, "after 2 attempts")) << details;
  EXPECT_EQ(RegionStatus(failed, "East US")["state"], "Completed") << failed.dump();
  EXPECT_EQ(RegionStatus(failed, "South Central US")["state"], "Completed") << failed.dump();

  // The store fixed, any update retries the failed region.
  fs::remove(SecondStore(kWestUs2));
  HttpResult patched =
      Call("PATCH", Q(VerPath("1.0.0"), kVersionApi), {{"tags", {{"retry", "1"}}}});
  ASSERT_TRUE(patched.status == 200 || patched.status == 202) << patched.status << patched.body;
  EXPECT_EQ(WaitOperation(AsyncUrl(patched))["status"], "Succeeded");
  const json done = Expanded("1.0.0");
  EXPECT_EQ(done["properties"]["provisioningState"], "Succeeded") << done.dump();
  EXPECT_EQ(done["properties"]["replicationStatus"]["aggregatedState"], "Completed");
  const json fixed = RegionStatus(done, "West US 2");
  EXPECT_EQ(fixed["state"], "Completed") << fixed.dump();
  EXPECT_EQ(fixed["replicasCompleted"], 2) << fixed.dump();
  EXPECT_EQ(fixed.value("details", ""), "") << fixed.dump();
  ExpectStoreHoldsDisk("westus2-2");
}

// A store that cannot be opened when galleryd starts (as on a disk that came back read-only)
// fails only its own region: galleryd starts and the other regions are served.
TEST_F(ReplicationTest, AStoreThatCannotBeOpenedAtStartFailsOnlyItsRegion) {
  ASSERT_NO_FATAL_FAILURE(
      Start({{"replication", {{"maxAttempts", 2}, {"retryBaseMs", 100}, {"retryMaxMs", 200}}}}));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 2}));
  server_->Kill();
  fs::create_directories(StorePath(kEastUs) / "LOCK");  // the store's lock file cannot be opened
  ASSERT_NO_FATAL_FAILURE(Restart());

  const HttpResult accepted = PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  const json op = WaitOperation(AsyncUrl(accepted));
  EXPECT_EQ(op["status"], "Failed") << op.dump();
  const json version = Expanded("1.0.0");
  EXPECT_EQ(RegionStatus(version, "South Central US")["state"], "Completed") << version.dump();
  const json east = RegionStatus(version, "East US");
  EXPECT_EQ(east["state"], "Failed") << east.dump();
  const std::string details = east.value("details", "");
  EXPECT_TRUE(Contains(details, "chunk store 'eastus': cannot open its LOCK file: Is a directory"))
      << details;
  EXPECT_FALSE(Contains(details, dir_.path().string())) << details;
}

// A store that fails while writing (its packs folder replaced by a file) fails its region with
// a message that names the store and the OS error: clients never see the server's paths.
TEST_F(ReplicationTest, AStoreThatCannotWriteFailsItsRegionNamingTheStoreButNoServerPath) {
  ASSERT_NO_FATAL_FAILURE(
      Start({{"replication", {{"maxAttempts", 2}, {"retryBaseMs", 100}, {"retryMaxMs", 200}}}}));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 2}));
  const HttpResult first = PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  ASSERT_EQ(WaitOperation(AsyncUrl(first))["status"], "Succeeded");
  // East US's store (open now) loses its packs, and can no longer create new ones.
  ASSERT_EQ(StoredChunks(kEastUs), disk_.chunks());
  fs::remove_all(StorePath(kEastUs) / "packs");
  { std::ofstream(StorePath(kEastUs) / "packs") << "in the way"; }

  const HttpResult second = PutVersion("2.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  const json op = WaitOperation(AsyncUrl(second));
  EXPECT_EQ(op["status"], "Failed") << op.dump();
  EXPECT_EQ(op["error"]["code"], "ReplicationFailed") << op.dump();
  const std::string error = op["error"].value("message", "");
  const json east = RegionStatus(Expanded("2.0.0"), "East US");
  EXPECT_EQ(east["state"], "Failed") << east.dump();
  const std::string details = east.value("details", "");
  for (const std::string& message : {error, details}) {
    EXPECT_TRUE(Contains(message,
                         "Replication to 'eastus' failed after 2 attempts: chunk store "
                         "'eastus': cannot create a log: Not a directory"))
        << message;
    EXPECT_EQ(message.find('/'), std::string::npos) << message;
  }
}

// A store whose disk is no longer mounted must not pass for a new empty store: its region is
// Failed with a clear reason (naming the store, not its path), and nothing is written there.
TEST_F(ReplicationTest, AStoreWhoseDiskIsGoneFailsItsRegionAndIsNotRecreated) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 2}));
  const HttpResult accepted = PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  EXPECT_EQ(WaitOperation(AsyncUrl(accepted))["status"], "Succeeded");
  server_->Kill();
  fs::remove_all(StorePath(kEastUs));  // the store's disk is gone
  ASSERT_NO_FATAL_FAILURE(Restart());

  const json version = Expanded("1.0.0");
  EXPECT_EQ(RegionStatus(version, "South Central US")["state"], "Completed") << version.dump();
  const json east = RegionStatus(version, "East US");
  EXPECT_EQ(east["state"], "Failed") << east.dump();
  EXPECT_EQ(east["replicasCompleted"], 0) << east.dump();
  const std::string details = east.value("details", "");
  EXPECT_TRUE(Contains(details, "chunk store 'eastus' is missing")) << details;
  EXPECT_TRUE(Contains(details, "not mounted")) << details;
  EXPECT_FALSE(Contains(details, StorePath(kEastUs).string())) << details;
  EXPECT_FALSE(fs::exists(StorePath(kEastUs)));
}

// The same when the disk goes away while the store's first replica is being copied, before
// any manifest is recorded in it: galleryd remembers the stores it opened.
TEST_F(ReplicationTest, AStoreWhoseDiskGoesAwayDuringItsFirstCopyIsNotRecreated) {
  json config = Links(20);
  config["replication"] = {{"maxAttempts", 2}, {"retryBaseMs", 100}, {"retryMaxMs", 200}};
  ASSERT_NO_FATAL_FAILURE(Start(config));
  ASSERT_NO_FATAL_FAILURE(PublishImage({.runs = 80}));  // 4 s at 20 MB/s
  PutVersion("1.0.0", {Target(kSouthCentral, 1), Target(kEastUs, 1)});
  const fs::path marker = StorePath(kEastUs) / "STORE";
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline && !fs::exists(marker)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server_->Kill();
  ASSERT_TRUE(fs::exists(marker)) << "the copy into eastus did not start in time";
  ASSERT_LT(StoredChunks(kEastUs), disk_.chunks()) << "the copy ended before the kill";
  fs::remove_all(StorePath(kEastUs));  // the store's disk is gone
  ASSERT_NO_FATAL_FAILURE(Restart());

  json version;
  const auto failed_by = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < failed_by &&
         (version = Expanded("1.0.0"))["properties"]["provisioningState"] != "Failed") {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(version["properties"]["provisioningState"], "Failed") << version.dump();
  EXPECT_EQ(RegionStatus(version, "South Central US")["state"], "Completed") << version.dump();
  const json east = RegionStatus(version, "East US");
  EXPECT_EQ(east["state"], "Failed") << east.dump();
  const std::string details = east.value("details", "");
  EXPECT_TRUE(Contains(details, "chunk store 'eastus' is missing")) << details;
  EXPECT_TRUE(Contains(details, "not mounted")) << details;
  EXPECT_FALSE(Contains(details, StorePath(kEastUs).string())) << details;
  EXPECT_FALSE(fs::exists(StorePath(kEastUs)));
}

}  // namespace
}  // namespace gallery::testing
