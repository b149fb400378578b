// Persistence of the real galleryd: every resource with every field across a graceful restart
// and a kill -9, operations in flight at kill -9 completing after restart, the CA and
// bootstrap.json reused, and a clear refusal to start on a port in use.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arm_test_fixture.h"

namespace gallery::testing {
namespace {

class PersistenceTest : public ArmFixture {
 protected:
  // An absolute URL of the previous server process, moved to the current one's endpoint.
  std::string OnNewPort(const std::string& url) const {
    const size_t path = url.find("/subscriptions/");
    return path == std::string::npos ? url : server_->endpoint() + url.substr(path);
  }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  // One resource of every type, with every field this server stores.
  void CreateEverything() {
    ASSERT_EQ(Call("PUT", Q(Rg("rg1"), kRgApi), {{"location", kSouthCentral}, {"tags", {{"rg", "t"}}}}).status,
              201);
    json gallery = GalleryBody(kSouthCentral, "golden images");
    gallery["tags"] = {{"g", "1"}};
    gallery["properties"]["sharingProfile"] = {{"permissions", "Private"}};
    CreateAt(GalleryPath("gal1"), kGalleryApi, gallery);
    json def = DefBody("contoso", "ubuntu", "22_04", "Linux", "V2");
    def["tags"] = {{"d", "2"}};
    def["properties"]["description"] = "Ubuntu 22.04";
    def["properties"]["endOfLifeDate"] = FutureDate();
    def["properties"]["recommended"] = {{"vCPUs", {{"min", 2}, {"max", 16}}},
                                        {"memory", {{"min", 4}, {"max", 64}}}};
    def["properties"]["architecture"] = "x64";
    def["properties"]["features"] = json::array({{{"name", "SecurityType"}, {"value", "TrustedLaunch"}}});
    def["properties"]["eula"] = "https://contoso/eula";
    CreateAt(DefPath("def1"), kGalleryApi, def);
    json image = ImageBody(kSouthCentral, "Linux", "V2");
    image["tags"] = {{"i", "3"}};
    image["properties"]["storageProfile"]["osDisk"]["caching"] = "ReadWrite";
    image["properties"]["storageProfile"]["dataDisks"] =
        json::array({{{"lun", 1}, {"blobUri", TestVhdUri()}, {"diskSizeGB", 1}}});
    image["properties"]["storageProfile"]["zoneResilient"] = true;
    CreateAt(ImagePath("img1"), kImageApi, image);
    json version = VersionBody("img1", kSouthCentral,
                               json::array({{{"name", kSouthCentral}, {"regionalReplicaCount", 2},
                                             {"storageAccountType", "Standard_ZRS"}},
                                            {{"name", "eastus"}, {"excludeFromLatest", true}}}));
    version["tags"] = {{"v", "4"}};
    version["properties"]["publishingProfile"]["replicaCount"] = 3;
    version["properties"]["publishingProfile"]["excludeFromLatest"] = false;
    version["properties"]["publishingProfile"]["endOfLifeDate"] = FutureDate();
    version["properties"]["publishingProfile"]["storageAccountType"] = "Premium_LRS";
    version["properties"]["publishingProfile"]["replicationMode"] = "Full";
    CreateAt(VerPath("1.2.3"), kVersionApi, version);
  }
  std::vector<std::string> Urls() const {
    return {Q(Rg("rg1"), kRgApi),
            Q(GalleryPath("gal1"), kGalleryApi),
            Q(DefPath("def1"), kGalleryApi),
            Q(ImagePath("img1"), kImageApi),
            Q(VerPath("1.2.3") + "?$expand=ReplicationStatus", kVersionApi),
            Q(VerPath("1.2.3"), "2018-06-01"),
            Q(Sub() + "/providers/Microsoft.Compute/locations/southcentralus/usages", kImageApi)};
  }
  std::map<std::string, json> Snapshot() {
    std::map<std::string, json> out;
    for (const std::string& url : Urls()) {
      HttpResult r = Call("GET", url);
      EXPECT_EQ(r.status, 200) << url << ": " << r.body;
      out[url] = Body(r);
    }
    return out;
  }
  void ExpectSame(const std::map<std::string, json>& before) {
    std::map<std::string, json> after = Snapshot();
    for (const auto& [url, value] : before) {
      EXPECT_EQ(after[url], value) << url;
    }
  }
  void CheckEverythingStored(const std::map<std::string, json>& s) {
    json g = s.at(Q(GalleryPath("gal1"), kGalleryApi));
    EXPECT_EQ(g["properties"]["description"], "golden images");
    EXPECT_EQ(g["properties"]["sharingProfile"]["permissions"], "Private");
    EXPECT_EQ(g["tags"]["g"], "1");
    json d = s.at(Q(DefPath("def1"), kGalleryApi));
    EXPECT_EQ(d["properties"]["hyperVGeneration"], "V2");
    EXPECT_EQ(d["properties"]["recommended"]["memory"]["max"], 64);
    EXPECT_EQ(d["properties"]["features"][0]["value"], "TrustedLaunch");
    EXPECT_EQ(d["properties"]["eula"], "https://contoso/eula");
    EXPECT_EQ(d["properties"]["architecture"], "x64");
    json i = s.at(Q(ImagePath("img1"), kImageApi));
    EXPECT_EQ(i["properties"]["storageProfile"]["dataDisks"][0]["lun"], 1);
    EXPECT_EQ(i["properties"]["storageProfile"]["zoneResilient"], true);
    EXPECT_EQ(i["properties"]["storageProfile"]["osDisk"]["caching"], "ReadWrite");
    json v = s.at(Q(VerPath("1.2.3") + "?$expand=ReplicationStatus", kVersionApi));
    json pp = v["properties"]["publishingProfile"];
    EXPECT_EQ(pp["replicaCount"], 3);
    EXPECT_EQ(pp["storageAccountType"], "Premium_LRS");
    EXPECT_EQ(pp["replicationMode"], "Full");
    EXPECT_EQ(pp["targetRegions"][0]["storageAccountType"], "Standard_ZRS");
    EXPECT_EQ(pp["targetRegions"][1]["storageAccountType"], "Premium_LRS");
    EXPECT_EQ(pp["targetRegions"][1]["excludeFromLatest"], true);
    EXPECT_EQ(pp["targetRegions"][1]["regionalReplicaCount"], 3);
    EXPECT_EQ(v["properties"]["storageProfile"]["dataDiskImages"][0]["sizeInGB"], 1);
    EXPECT_EQ(v["properties"]["replicationStatus"]["aggregatedState"], "Completed");
    EXPECT_EQ(v["tags"]["v"], "4");
  }
};

TEST_F(PersistenceTest, EveryResourceWithEveryFieldSurvivesStopAndStart) {
  ASSERT_NO_FATAL_FAILURE(CreateEverything());
  std::map<std::string, json> before = Snapshot();
  CheckEverythingStored(before);
  ASSERT_EQ(server_->Stop(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ExpectSame(before);
}

TEST_F(PersistenceTest, EveryResourceWithEveryFieldSurvivesKill9) {
  ASSERT_NO_FATAL_FAILURE(CreateEverything());
  std::map<std::string, json> before = Snapshot();
  server_->Kill();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ExpectSame(before);
  // And the server keeps working on the recovered data.
  CreateVersion("1.2.4", VersionBody("img1", kSouthCentral, json::array({{{"name", kSouthCentral}}})));
  HttpResult latest = Call("GET", Q(DefPath("def1") + "/versions/latest", kVersionApi));
  EXPECT_EQ(Body(latest)["name"], "1.2.4") << latest.body;
}

TEST_F(PersistenceTest, CreateUpdateAndDeleteInFlightAtKill9CompleteAfterRestart) {
  ASSERT_NO_FATAL_FAILURE(CreateBasics());
  CreateVersion("1.0.0", VersionBody());
  ASSERT_NO_FATAL_FAILURE(CreateImage("img-doomed"));
  server_->Stop();
  const std::string slow = R"({"operations": {"minDurationMs": 3000}})";
  ASSERT_NO_FATAL_FAILURE(StartServer(slow));
  HttpResult create = Call("PUT", Q(GalleryPath("galnew"), kGalleryApi), GalleryBody(kSouthCentral, "n"));
  ASSERT_EQ(create.status, 201) << create.body;
  HttpResult update = Call("PATCH", Q(DefPath("def1"), kGalleryApi),
                           {{"properties", {{"description", "updated"}}}});
  ASSERT_EQ(update.status, 200) << update.body;
  HttpResult version = Call("PATCH", Q(VerPath("1.0.0"), kVersionApi),
                            {{"properties", {{"publishingProfile", {{"replicaCount", 2}}}}}});
  ASSERT_EQ(version.status, 200) << version.body;
  HttpResult del = Call("DELETE", Q(ImagePath("img-doomed"), kImageApi));
  ASSERT_EQ(del.status, 202) << del.body;
  server_->Kill();
  ASSERT_NO_FATAL_FAILURE(StartServer(slow));
  auto state = [&](const std::string& path, const std::string& api) {
    return Body(Call("GET", Q(path, api)))["properties"].value("provisioningState", "");
  };
  EXPECT_EQ(state(GalleryPath("galnew"), kGalleryApi), "Creating");
  EXPECT_EQ(state(DefPath("def1"), kGalleryApi), "Updating");
  EXPECT_EQ(state(VerPath("1.0.0"), kVersionApi), "Updating");
  EXPECT_EQ(state(ImagePath("img-doomed"), kImageApi), "Deleting");
  // The operation URLs handed out before the crash still work (on the new port).
  EXPECT_EQ(WaitOperation(OnNewPort(*create.Header("Azure-AsyncOperation")))["status"], "Succeeded");
  EXPECT_EQ(WaitOperation(OnNewPort(*update.Header("Azure-AsyncOperation")))["status"], "Succeeded");
  EXPECT_EQ(WaitOperation(OnNewPort(*del.Header("Azure-AsyncOperation")))["status"], "Succeeded");
  EXPECT_EQ(WaitSucceeded(GalleryPath("galnew"), kGalleryApi)["properties"]["description"], "n");
  EXPECT_EQ(WaitSucceeded(DefPath("def1"), kGalleryApi)["properties"]["description"], "updated");
  json v = WaitSucceeded(VerPath("1.0.0") + "?$expand=ReplicationStatus", kVersionApi);
  EXPECT_EQ(v["properties"]["publishingProfile"]["replicaCount"], 2);
  EXPECT_EQ(v["properties"]["replicationStatus"]["aggregatedState"], "Completed");
  WaitGone(ImagePath("img-doomed"), kImageApi);
  EXPECT_EQ(Call("GET", OnNewPort(*del.Header("Location"))).status, 204);
}

TEST_F(PersistenceTest, CaAndBootstrapAreReusedAcrossRestarts) {
  const std::string ca = ReadOrEmpty(server_->ca_file());
  const json boot = bootstrap_;
  ASSERT_FALSE(boot.value("clientSecret", "").empty());
  ASSERT_NO_FATAL_FAILURE(CreateGroup());
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    const uint16_t old_port = server_->port();
    if (round == 0) {
      ASSERT_EQ(server_->Stop(), 0);
    } else {
      server_->Kill();
    }
    ASSERT_NO_FATAL_FAILURE(StartServer());
    EXPECT_EQ(ReadOrEmpty(server_->ca_file()), ca);
    for (const char* key : {"tenantId", "subscriptionId", "clientId", "clientSecret", "caCertificate"}) {
      EXPECT_EQ(bootstrap_[key], boot[key]) << key;
    }
    // The endpoint follows the new port (port 0 picks a new one).
    EXPECT_EQ(bootstrap_["armEndpoint"], server_->endpoint() + "/");
    (void)old_port;
    // The client built from the old CA still verifies the restarted server.
    HttpResult r = Call("GET", Q(Rg("rg1"), kRgApi));
    EXPECT_EQ(r.status, 200) << r.body;
    auto perms = std::filesystem::status(server_->bootstrap_file()).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
  }
}

TEST_F(PersistenceTest, RefusesToStartOnAPortInUseWithAClearMessage) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  // Our own spawn with a deadline: a galleryd that wrongly starts must not hang the test.
  const std::filesystem::path data = dir_.path() / "other";
  const std::filesystem::path out = dir_.path() / "busy.out";
  const std::filesystem::path err = dir_.path() / "busy.err";
  pid_t pid = fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    const std::string bin = GallerydBinary();
    execl(bin.c_str(), bin.c_str(), "--data-dir", data.c_str(), "--port", port.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  ::close(fd);
  ASSERT_TRUE(exited) << "galleryd kept running on a port in use";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  const std::string text = ReadOrEmpty(err) + ReadOrEmpty(out);
  EXPECT_NE(text.find(port), std::string::npos) << "the message does not name the port: " << text;
  EXPECT_TRUE(text.find("in use") != std::string::npos || text.find("Address already") != std::string::npos)
      << "the message does not say the port is in use: " << text;
  EXPECT_EQ(text.find("galleryd listening"), std::string::npos) << text;
}

}  // namespace
}  // namespace gallery::testing
