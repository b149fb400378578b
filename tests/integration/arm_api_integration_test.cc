// The real galleryd over HTTPS: the ARM flows users run, persistence across restarts and
// kill -9, and the long-running operation protocol.

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/file_util.h"
#include "galleryd_process.h"
#include "test_image.h"

namespace gallery::testing {
namespace {

using nlohmann::json;

class ArmApiTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer(const std::string& config_json = "") {
    server_.reset();
    auto started = StartGalleryd(dir_.path(), config_json);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started->server);
    client_ = std::move(started->client);
    bootstrap_ = json::parse(started->bootstrap_json);
    sub_ = started->subscription_id;
  }

  HttpResult Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    return SendRequest(*client_, method, path, body.is_null() ? std::string() : body.dump());
  }

  static json Body(const HttpResult& r) { return ParseBody(r); }

  std::string Rg(const std::string& rg) { return "/subscriptions/" + sub_ + "/resourceGroups/" + rg; }
  std::string Compute(const std::string& rg) { return Rg(rg) + "/providers/Microsoft.Compute"; }

  // Polls a resource until provisioningState is Succeeded (or 15 s pass).
  json WaitSucceeded(const std::string& path, const std::string& api) {
    json last;
    for (int i = 0; i < 300; ++i) {
      HttpResult r = Call("GET", path + "?api-version=" + api);
      last = Body(r);
      if (r.status == 200 && last["properties"]["provisioningState"] == "Succeeded") {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "never Succeeded: " << last.dump();
    return last;
  }

  // Creates rg1, gallery gal1 (southcentralus), definition def1, managed image img1.
  void CreateBasics() {
    ASSERT_EQ(Call("PUT", Rg("rg1") + "?api-version=2021-04-01", {{"location", "southcentralus"}}).status, 201);
    HttpResult g = Call("PUT", Compute("rg1") + "/galleries/gal1?api-version=2021-10-01",
                        {{"location", "southcentralus"}, {"properties", {{"description", "d"}}}});
    ASSERT_EQ(g.status, 201) << g.body;
    HttpResult d = Call("PUT", Compute("rg1") + "/galleries/gal1/images/def1?api-version=2021-10-01",
                        {{"location", "southcentralus"},
                         {"properties",
                          {{"osType", "Linux"},
                           {"osState", "Generalized"},
                           {"hyperVGeneration", "V1"},
                           {"identifier", {{"publisher", "p"}, {"offer", "o"}, {"sku", "s"}}}}}});
    ASSERT_EQ(d.status, 201) << d.body;
    Result<std::string> vhd = UploadTestVhd(*client_, server_->endpoint());
    ASSERT_TRUE(vhd.ok()) << vhd.status().ToString();
    HttpResult i = Call("PUT", Compute("rg1") + "/images/img1?api-version=2022-11-01",
                        {{"location", "southcentralus"},
                         {"properties",
                          {{"storageProfile",
                            {{"osDisk",
                              {{"osType", "Linux"},
                               {"osState", "Generalized"},
                               {"blobUri", *vhd},
                               {"diskSizeGB", 1}}}}}}}});
    ASSERT_EQ(i.status, 201) << i.body;
    // Its blob is ingested by the image's operation; versions need the data stored.
    WaitSucceeded(Compute("rg1") + "/images/img1", "2022-11-01");
  }

  json VersionBody(const std::string& location = "southcentralus") {
    return {{"location", location},
            {"properties",
             {{"publishingProfile",
               {{"targetRegions",
                 json::array({{{"name", "southcentralus"}, {"regionalReplicaCount", 2}},
                              {{"name", "East US"}}})}}},
              {"storageProfile", {{"source", {{"id", Compute("rg1") + "/images/img1"}}}}}}}};
  }

  TempDir dir_;
  std::unique_ptr<GallerydProcess> server_;
  std::unique_ptr<HttpsTransport> client_;
  json bootstrap_;
  std::string sub_;
};

TEST_F(ArmApiTest, BootstrapFileDescribesTheInstallation) {
  EXPECT_EQ(bootstrap_["armEndpoint"], server_->endpoint() + "/");
  EXPECT_FALSE(bootstrap_["clientSecret"].get<std::string>().empty());
  EXPECT_TRUE(std::filesystem::exists(bootstrap_["caCertificate"].get<std::string>()));
  auto perms = std::filesystem::status(server_->bootstrap_file()).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::group_read, std::filesystem::perms::none);
  HttpResult subs = Call("GET", "/subscriptions?api-version=2019-11-01");
  ASSERT_EQ(subs.status, 200);
  EXPECT_EQ(Body(subs)["value"][0]["subscriptionId"], sub_);
  EXPECT_EQ(Body(subs)["value"][0]["tenantId"], bootstrap_["tenantId"]);
}

TEST_F(ArmApiTest, CreatesGalleryDefinitionImageAndVersionWithOperations) {
  CreateBasics();
  const std::string version = Compute("rg1") + "/galleries/gal1/images/def1/versions/1.0.0";
  HttpResult put = Call("PUT", version + "?api-version=2022-03-03", VersionBody());
  ASSERT_EQ(put.status, 201) << put.body;
  ASSERT_TRUE(put.Header("Azure-AsyncOperation").has_value());
  ASSERT_TRUE(put.Header("Location").has_value());
  EXPECT_EQ(put.Header("Retry-After").value_or(""), "1");
  // The operation status URL reaches Succeeded by itself.
  std::string op_url = *put.Header("Azure-AsyncOperation");
  json status;
  for (int i = 0; i < 200; ++i) {
    status = Body(Call("GET", op_url));
    if (status["status"] != "InProgress") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(status["status"], "Succeeded") << status.dump();
  json v = WaitSucceeded(version, "2022-03-03");
  EXPECT_EQ(v["name"], "1.0.0");
  EXPECT_EQ(v["type"], "Microsoft.Compute/galleries/images/versions");
  EXPECT_EQ(v["properties"]["storageProfile"]["source"]["id"], Compute("rg1") + "/images/img1");
  EXPECT_EQ(v["properties"]["storageProfile"]["osDiskImage"]["sizeInGB"], 1);
  auto targets = v["properties"]["publishingProfile"]["targetRegions"];
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0]["name"], "South Central US");
  EXPECT_EQ(targets[0]["regionalReplicaCount"], 2);
  EXPECT_EQ(targets[1]["regionalReplicaCount"], 1);  // the common count
  // Location polling returns the resource when done.
  HttpResult done = Call("GET", *put.Header("Location"));
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(Body(done)["name"], "1.0.0");
  // Replication status on request.
  json expanded = Body(Call("GET", version + "?$expand=ReplicationStatus&api-version=2022-03-03"));
  EXPECT_EQ(expanded["properties"]["replicationStatus"]["aggregatedState"], "Completed");
  EXPECT_EQ(expanded["properties"]["replicationStatus"]["summary"].size(), 2u);
}

TEST_F(ArmApiTest, RulesAnswerWithArmErrors) {
  CreateBasics();
  HttpResult bad_name = Call("PUT", Compute("rg1") + "/galleries/bad-name?api-version=2021-10-01",
                             {{"location", "southcentralus"}});
  EXPECT_EQ(bad_name.status, 400);
  EXPECT_EQ(Body(bad_name)["error"]["code"], "InvalidParameter");
  EXPECT_NE(Body(bad_name)["error"]["message"].get<std::string>().find("bad-name"),
            std::string::npos);
  HttpResult no_version = Call("GET", Compute("rg1") + "/galleries/gal1");
  EXPECT_EQ(no_version.status, 400);
  EXPECT_EQ(Body(no_version)["error"]["code"], "MissingApiVersionParameter");
  HttpResult bad_version = Call("GET", Compute("rg1") + "/galleries/gal1?api-version=2017-01-01");
  EXPECT_EQ(Body(bad_version)["error"]["code"], "InvalidApiVersionParameter");
  HttpResult orphan = Call("PUT", Compute("rg1") + "/galleries/nope/images/d?api-version=2021-10-01",
                           {{"location", "southcentralus"}});
  EXPECT_EQ(orphan.status, 404);
  EXPECT_EQ(Body(orphan)["error"]["code"], "ParentResourceNotFound");
  HttpResult busy = Call("DELETE", Compute("rg1") + "/galleries/gal1?api-version=2021-10-01");
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(Body(busy)["error"]["code"], "CannotDeleteResource");
  HttpResult change = Call("PUT", Compute("rg1") + "/galleries/gal1/images/def1?api-version=2021-10-01",
                           {{"location", "southcentralus"},
                            {"properties",
                             {{"osType", "Windows"},
                              {"osState", "Generalized"},
                              {"identifier", {{"publisher", "p"}, {"offer", "o"}, {"sku", "s"}}}}}});
  EXPECT_EQ(change.status, 400);
  EXPECT_EQ(Body(change)["error"]["code"], "PropertyChangeNotAllowed");
  EXPECT_EQ(Body(change)["error"]["target"], "galleryImage.properties.osType");
  HttpResult malformed = Call("PUT", Compute("rg1") + "/galleries/gal2?api-version=2021-10-01");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Body(malformed)["error"]["code"], "InvalidRequestContent");
  // Nothing half-created: the refused gallery does not exist.
  EXPECT_EQ(Call("GET", Compute("rg1") + "/galleries/gal2?api-version=2021-10-01").status, 404);
}

TEST_F(ArmApiTest, EverythingSurvivesARestart) {
  CreateBasics();
  const std::string version = Compute("rg1") + "/galleries/gal1/images/def1/versions/1.2.3";
  ASSERT_EQ(Call("PUT", version + "?api-version=2022-03-03", VersionBody()).status, 201);
  WaitSucceeded(version, "2022-03-03");
  ASSERT_EQ(server_->Stop(), 0);
  StartServer();
  json v = WaitSucceeded(version, "2022-03-03");
  EXPECT_EQ(v["name"], "1.2.3");
  EXPECT_EQ(Body(Call("GET", Compute("rg1") + "/galleries/gal1?api-version=2021-10-01"))["properties"]
                ["description"],
            "d");
}

TEST_F(ArmApiTest, AnOperationInFlightAtKill9CompletesAfterRestart) {
  server_->Stop();
  // Operations take at least 3 s, so the kill lands while this one runs.
  StartServer(R"({"operations": {"minDurationMs": 3000}})");
  ASSERT_EQ(Call("PUT", Rg("rg1") + "?api-version=2021-04-01", {{"location", "southcentralus"}}).status, 201);
  HttpResult put = Call("PUT", Compute("rg1") + "/galleries/galk?api-version=2021-10-01",
                        {{"location", "southcentralus"}});
  ASSERT_EQ(put.status, 201);
  EXPECT_EQ(Body(put)["properties"]["provisioningState"], "Creating");
  server_->Kill();
  StartServer(R"({"operations": {"minDurationMs": 3000}})");
  json g = Body(Call("GET", Compute("rg1") + "/galleries/galk?api-version=2021-10-01"));
  EXPECT_EQ(g["properties"]["provisioningState"], "Creating");
  g = WaitSucceeded(Compute("rg1") + "/galleries/galk", "2021-10-01");
  EXPECT_EQ(g["properties"]["provisioningState"], "Succeeded");
}

}  // namespace
}  // namespace gallery::testing
