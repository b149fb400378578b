// The real `gallery` CLI against the real galleryd: each test starts its own server (port 0,
// temporary data directory) and uses its own GALLERY_CONFIG_DIR and HOME, runs the binary as a
// user would, checks what it printed (JSON, table, `ERROR: (Code) message`) and its exit code,
// and cross-checks the server's state with raw HTTPS requests.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "galleryd_process.h"
#include "test_image.h"

namespace gallery::testing {
namespace {

using nlohmann::json;


std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) {
    words.push_back(w);
  }
  return words;
}

std::vector<std::string> Lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.path() / "home";
    config_dir_ = dir_.path() / "home" / "gallery-config";
    std::filesystem::create_directories(home_);
    StartServer();
  }

  // Starts (or restarts, on the same data directory) galleryd; `config_json` is written to a
  // --config file when not empty.
  void StartServer(const std::string& config_json = "") {
    server_.reset();
    auto started = StartGalleryd(dir_.path(), config_json);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started->server);
    client_ = std::move(started->client);
    bootstrap_ = json::parse(started->bootstrap_json);
    sub_ = started->subscription_id;
  }

  // Runs `gallery ARGS...` with this test's configuration directory and home.
  CommandResult Gallery(std::vector<std::string> args) {
    return RunGallery(std::move(args), config_dir_, home_);
  }

  static std::string Show(const std::vector<std::string>& args, const CommandResult& r) {
    std::string cmd = "gallery";
    for (const std::string& a : args) {
      cmd += " " + a;
    }
    return cmd + "\n  exit " + std::to_string(r.exit_code) + "\n  stdout: " + r.out +
           "\n  stderr: " + r.err;
  }

  // Runs a command that must succeed and returns its JSON output (null when it printed
  // nothing).
  json Json(const std::vector<std::string>& args) {
    CommandResult r = Gallery(args);
    EXPECT_EQ(r.exit_code, 0) << Show(args, r);
    EXPECT_EQ(r.err, "") << Show(args, r);
    if (r.out.empty()) {
      return json();
    }
    json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << Show(args, r);
    return j;
  }

  // Runs a command that must succeed; returns its stdout.
  std::string Text(const std::vector<std::string>& args) {
    CommandResult r = Gallery(args);
    EXPECT_EQ(r.exit_code, 0) << Show(args, r);
    return r.out;
  }

  json Login() { return Json({"login", "--bootstrap", server_->bootstrap_file().string()}); }

  HttpResult Get(const std::string& path) { return SendRequest(*client_, "GET", path); }
  static json Body(const HttpResult& r) { return ParseBody(r); }

  std::string Rg(const std::string& rg) { return "/subscriptions/" + sub_ + "/resourceGroups/" + rg; }
  std::string Compute(const std::string& rg) { return Rg(rg) + "/providers/Microsoft.Compute"; }
  std::string GalleryUrl(const std::string& g) {
    return Compute("rg1") + "/galleries/" + g + "?api-version=2022-03-03";
  }
  std::string VersionUrl(const std::string& v) {
    return Compute("rg1") + "/galleries/gallery1/images/ubuntu22/versions/" + v +
           "?api-version=2022-03-03";
  }

  // rg1 (southcentralus), gallery1, definition ubuntu22 (Linux), managed image ubuntu-img.
  void CreateBasics() {
    Login();
    Json({"group", "create", "-n", "rg1", "-l", "southcentralus"});
    Json({"sig", "create", "-g", "rg1", "-r", "gallery1", "--description", "golden images"});
    Json({"sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1", "-i", "ubuntu22",
          "--publisher", "contoso", "--offer", "ubuntu", "--sku", "22_04", "--os-type", "Linux"});
    // The image's VHD, uploaded with `gallery storage blob upload` (it prints the URL).
    const std::filesystem::path file = dir_.path() / "ubuntu.vhd";
    ASSERT_TRUE(WriteFileAtomic(file, SmallFixedVhd(), 0600).ok());
    // The progress bar goes to stderr; the URL to stdout.
    CommandResult uploaded = Gallery({"storage", "blob", "upload", file.string(), "--account",
                                      "acct", "--container", "vhds", "-n", "ubuntu.vhd"});
    ASSERT_EQ(uploaded.exit_code, 0) << uploaded.err;
    json blob = json::parse(uploaded.out, nullptr, false);
    vhd_ = blob.value("url", "");
    ASSERT_EQ(vhd_, server_->endpoint() + "/blob/acct/vhds/ubuntu.vhd") << blob.dump();
    Json({"image", "create", "-g", "rg1", "-n", "ubuntu-img", "--os-type", "Linux",
          "--os-disk-size-gb", "30", "--source", vhd_});
  }
  std::string vhd_;

  std::vector<std::string> VersionArgs(const std::string& verb, const std::string& version) {
    return {"sig", "image-version", verb, "-g", "rg1", "-r", "gallery1",
            "-i", "ubuntu22", "-e", version};
  }
  std::vector<std::string> Plus(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  json CreateVersion(const std::string& version, const std::vector<std::string>& extra = {}) {
    return Json(Plus(VersionArgs("create", version), Plus({"--managed-image", "ubuntu-img"}, extra)));
  }
  json ShowLatest(const std::vector<std::string>& extra = {}) {
    return Json(Plus({"sig", "image-definition", "show-latest", "-g", "rg1", "-r", "gallery1", "-i",
                      "ubuntu22"},
                     extra));
  }

  TempDir dir_;
  std::filesystem::path home_;
  std::filesystem::path config_dir_;
  std::unique_ptr<GallerydProcess> server_;
  std::unique_ptr<HttpsTransport> client_;
  json bootstrap_;
  std::string sub_;
};

// --- login and account -------------------------------------------------------------------

TEST_F(CliTest, LoginWithBootstrapPrintsTheAccountAndSavesAPrivateProfile) {
  json account = Login();
  EXPECT_EQ(account["id"], sub_);
  EXPECT_EQ(account["tenantId"], bootstrap_["tenantId"]);
  EXPECT_EQ(account["isDefault"], true);
  EXPECT_EQ(account["state"], "Enabled");
  EXPECT_EQ(account["user"]["name"], bootstrap_["clientId"]);
  EXPECT_EQ(account["user"]["type"], "servicePrincipal");
  EXPECT_EQ(account["armEndpoint"], server_->endpoint() + "/");
  // The server lists the same subscription under the same name.
  json subs = Body(Get("/subscriptions?api-version=2020-01-01"));
  ASSERT_EQ(subs["value"].size(), 1u);
  EXPECT_EQ(subs["value"][0]["subscriptionId"], sub_);
  EXPECT_EQ(account["name"], subs["value"][0]["displayName"]);

  // The profile holds the client secret: only its owner may read it.
  const std::filesystem::path profile = config_dir_ / "profile.json";
  struct stat st {};
  ASSERT_EQ(::stat(profile.c_str(), &st), 0) << profile;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(config_dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "config dir readable by others";
  json saved = json::parse(*ReadFile(profile));
  EXPECT_EQ(saved["clientSecret"], bootstrap_["clientSecret"]);
  EXPECT_EQ(saved["subscriptionId"], sub_);
  EXPECT_FALSE(std::filesystem::exists(home_ / ".gallery")) << "GALLERY_CONFIG_DIR ignored";

  json shown = Json({"account", "show"});
  EXPECT_EQ(shown, account);
  json listed = Json({"account", "list"});
  ASSERT_TRUE(listed.is_array());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], sub_);
  EXPECT_EQ(listed[0]["isDefault"], true);

  std::vector<std::string> table = Lines(Text({"account", "list", "-o", "table"}));
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(Words(table[0]), (std::vector<std::string>{"Name", "SubscriptionId", "State", "IsDefault"}));
  EXPECT_TRUE(Contains(table[2], sub_)) << table[2];
  // Selecting the subscription by display name works and keeps it current.
  CommandResult set = Gallery({"account", "set", "-s", account["name"].get<std::string>()});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(Json({"account", "show"})["id"], sub_);
  CommandResult unknown = Gallery({"account", "show", "--subscription", "nope"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_TRUE(Contains(unknown.err, "(SubscriptionNotFound)")) << unknown.err;
}

TEST_F(CliTest, ProfileDefaultsToHomeDotGalleryWithoutGalleryConfigDir) {
  std::vector<std::string> args = {GalleryCliBinary(), "login", "--bootstrap",
                                   server_->bootstrap_file().string(), "-o", "none"};
  CommandResult r = RunCommand(args, {"GALLERY_CONFIG_DIR=", "HOME=" + home_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home_ / ".gallery" / "profile.json"));
  CommandResult shown = RunCommand({GalleryCliBinary(), "account", "show"},
                                   {"GALLERY_CONFIG_DIR=", "HOME=" + home_.string()});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(Contains(shown.out, sub_));
}

TEST_F(CliTest, LoginToAWrongEndpointFailsClearlyAndSavesNothing) {
  // A bootstrap file that points at a port where nothing listens.
  json wrong = bootstrap_;
  wrong["armEndpoint"] = "https://127.0.0.1:1/";
  const std::filesystem::path file = dir_.path() / "wrong-bootstrap.json";
  ASSERT_TRUE(WriteFileAtomic(file, wrong.dump()).ok());
  CommandResult r = Gallery({"login", "--bootstrap", file.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "ERROR: cannot connect to https://127.0.0.1:1")) << r.err;
  EXPECT_TRUE(Contains(r.err, "Is galleryd running?")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(config_dir_ / "profile.json"));

  // The same with explicit flags.
  CommandResult flags = Gallery(
      {"login", "--endpoint", "https://127.0.0.1:1/", "--ca-cert", server_->ca_file().string(),
       "--tenant", bootstrap_["tenantId"].get<std::string>(), "--client-id",
       bootstrap_["clientId"].get<std::string>(), "--client-secret",
       bootstrap_["clientSecret"].get<std::string>()});
  EXPECT_EQ(flags.exit_code, 1);
  EXPECT_TRUE(Contains(flags.err, "cannot connect to https://127.0.0.1:1")) << flags.err;

  // Not https, or no CA file: refused before connecting (usage errors).
  CommandResult http = Gallery({"login", "--endpoint", "http://127.0.0.1:" +
                                                          std::to_string(server_->port()) + "/",
                                "--ca-cert", server_->ca_file().string(), "--tenant", "t",
                                "--client-id", "c", "--client-secret", "s"});
  EXPECT_EQ(http.exit_code, 2);
  EXPECT_TRUE(Contains(http.err, "not an https:// URL")) << http.err;
  CommandResult no_ca =
      Gallery({"login", "--endpoint", server_->endpoint() + "/", "--ca-cert", "/nonexistent.pem",
               "--tenant", "t", "--client-id", "c", "--client-secret", "s"});
  EXPECT_EQ(no_ca.exit_code, 2);
  EXPECT_TRUE(Contains(no_ca.err, "/nonexistent.pem")) << no_ca.err;

  // Another installation's CA: the certificate does not verify.
  TempDir other;
  GallerydProcess::Options opts;
  opts.data_dir = other.path() / "data";
  auto other_server = GallerydProcess::Start(opts);
  ASSERT_TRUE(other_server.ok());
  CommandResult wrong_ca =
      Gallery({"login", "--endpoint", server_->endpoint() + "/", "--ca-cert",
               (*other_server)->ca_file().string(), "--tenant", "t", "--client-id", "c",
               "--client-secret", "s"});
  EXPECT_EQ(wrong_ca.exit_code, 1);
  EXPECT_TRUE(Contains(wrong_ca.err, "ERROR: ")) << wrong_ca.err;
  EXPECT_FALSE(std::filesystem::exists(config_dir_ / "profile.json"));

  // A missing bootstrap file is a usage error naming it.
  CommandResult missing = Gallery({"login", "--bootstrap", "/nonexistent/bootstrap.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Contains(missing.err, "/nonexistent/bootstrap.json")) << missing.err;
}

TEST_F(CliTest, CommandsWithoutAProfileAskForLogin) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"sig", "list"},
                                             {"account", "show"},
                                             {"group", "create", "-n", "rg1", "-l", "southcentralus"},
                                             {"usage", "list", "-l", "southcentralus"}}) {
    CommandResult r = Gallery(args);
    EXPECT_EQ(r.exit_code, 1) << Show(args, r);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "ERROR: Please run 'gallery login'.\n") << Show(args, r);
  }
  // Nothing was created.
  EXPECT_EQ(Get(Rg("rg1") + "?api-version=2021-04-01").status, 404);
}

// --- resource groups, galleries, definitions, managed images ----------------------------------

TEST_F(CliTest, GroupCreateShowListDelete) {
  Login();
  json rg = Json({"group", "create", "-n", "rg1", "-l", "southcentralus", "--tags", "env=test"});
  EXPECT_EQ(rg["name"], "rg1");
  EXPECT_EQ(rg["location"], "southcentralus");
  EXPECT_EQ(rg["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(rg["tags"]["env"], "test");
  Json({"group", "create", "-n", "rg2", "-l", "westeurope"});
  EXPECT_EQ(Json({"group", "show", "-n", "rg1"})["id"], Rg("rg1"));
  json listed = Json({"group", "list"});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(Body(Get(Rg("rg2") + "?api-version=2021-04-01"))["location"], "westeurope");

  Json({"group", "delete", "-n", "rg2", "--yes"});
  CommandResult gone = Gallery({"group", "show", "-n", "rg2"});
  EXPECT_EQ(gone.exit_code, 3);
  EXPECT_TRUE(Contains(gone.err, "(ResourceGroupNotFound)")) << gone.err;
  EXPECT_TRUE(Contains(gone.err, "rg2")) << gone.err;
  EXPECT_EQ(Get(Rg("rg2") + "?api-version=2021-04-01").status, 404);
  EXPECT_EQ(Json({"group", "list"}).size(), 1u);
}

TEST_F(CliTest, GalleryLifecycleTakesTheGroupsLocation) {
  Login();
  Json({"group", "create", "-n", "rg1", "-l", "westeurope"});
  json g = Json({"sig", "create", "-g", "rg1", "-r", "gallery1", "--description", "golden images"});
  EXPECT_EQ(g["name"], "gallery1");
  EXPECT_EQ(g["location"], "westeurope");  // no -l: the group's location
  EXPECT_EQ(g["properties"]["description"], "golden images");
  EXPECT_EQ(g["properties"]["provisioningState"], "Succeeded");
  json raw = Body(Get(GalleryUrl("gallery1")));
  EXPECT_EQ(raw["location"], "westeurope");
  EXPECT_EQ(raw["properties"]["description"], "golden images");

  Json({"group", "create", "-n", "rg2", "-l", "southcentralus"});
  Json({"sig", "create", "-g", "rg2", "-r", "gallery2", "-l", "eastus2"});
  EXPECT_EQ(Json({"sig", "show", "-g", "rg1", "-r", "gallery1"})["id"],
            Compute("rg1") + "/galleries/gallery1");
  EXPECT_EQ(Json({"sig", "list"}).size(), 2u);
  json in_rg2 = Json({"sig", "list", "-g", "rg2"});
  ASSERT_EQ(in_rg2.size(), 1u);
  EXPECT_EQ(in_rg2[0]["name"], "gallery2");
  EXPECT_EQ(in_rg2[0]["location"], "eastus2");

  json updated = Json({"sig", "update", "-g", "rg1", "-r", "gallery1", "--description", "new"});
  EXPECT_EQ(updated["properties"]["description"], "new");
  EXPECT_EQ(Body(Get(GalleryUrl("gallery1")))["properties"]["description"], "new");
  CommandResult nothing = Gallery({"sig", "update", "-g", "rg1", "-r", "gallery1"});
  EXPECT_EQ(nothing.exit_code, 2);

  EXPECT_EQ(Json({"sig", "delete", "-g", "rg1", "-r", "gallery1"}), json());
  EXPECT_EQ(Get(GalleryUrl("gallery1")).status, 404);
  CommandResult gone = Gallery({"sig", "show", "-g", "rg1", "-r", "gallery1"});
  EXPECT_EQ(gone.exit_code, 3);
  EXPECT_EQ(Json({"sig", "list"}).size(), 1u);
}

TEST_F(CliTest, ImageDefinitionLifecycle) {
  CreateBasics();
  const std::vector<std::string> def = {"-g", "rg1", "-r", "gallery1", "-i", "ubuntu22"};
  json d = Json(Plus({"sig", "image-definition", "show"}, def));
  EXPECT_EQ(d["location"], "southcentralus");
  EXPECT_EQ(d["properties"]["osType"], "Linux");
  EXPECT_EQ(d["properties"]["osState"], "Generalized");
  EXPECT_EQ(d["properties"]["hyperVGeneration"], "V1");
  EXPECT_EQ(d["properties"]["identifier"],
            json({{"publisher", "contoso"}, {"offer", "ubuntu"}, {"sku", "22_04"}}));
  Json({"sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1", "-i", "win",
        "--publisher", "contoso", "--offer", "windows", "--sku", "2022", "--os-type", "windows",
        "--hyper-v-generation", "v2"});
  json list = Json({"sig", "image-definition", "list", "-g", "rg1", "-r", "gallery1"});
  ASSERT_EQ(list.size(), 2u);

  json updated = Json(Plus(Plus({"sig", "image-definition", "update"}, def),
                           {"--description", "Ubuntu 22.04", "--minimum-cpu-core", "2",
                            "--end-of-life-date", "2035-01-01"}));
  EXPECT_EQ(updated["properties"]["description"], "Ubuntu 22.04");
  EXPECT_EQ(updated["properties"]["recommended"]["vCPUs"]["min"], 2);
  json raw = Body(Get(Compute("rg1") + "/galleries/gallery1/images/ubuntu22?api-version=2022-03-03"));
  EXPECT_EQ(raw["properties"]["description"], "Ubuntu 22.04");
  EXPECT_EQ(raw["properties"]["identifier"]["sku"], "22_04");

  // show-latest without any version: not found.
  CommandResult none = Gallery(Plus({"sig", "image-definition", "show-latest"}, def));
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_TRUE(Contains(none.err, "(NoLatestVersion)")) << none.err;

  // The same (publisher, offer, sku) twice is refused.
  CommandResult dup = Gallery({"sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1",
                               "-i", "other", "--publisher", "contoso", "--offer", "ubuntu",
                               "--sku", "22_04", "--os-type", "Linux"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_TRUE(Contains(dup.err, "(InvalidParameter)")) << dup.err;

  Json({"sig", "image-definition", "delete", "-g", "rg1", "-r", "gallery1", "-i", "win"});
  EXPECT_EQ(Get(Compute("rg1") + "/galleries/gallery1/images/win?api-version=2022-03-03").status, 404);
  EXPECT_EQ(Json({"sig", "image-definition", "list", "-g", "rg1", "-r", "gallery1"}).size(), 1u);
}

TEST_F(CliTest, ManagedImageCreateShowListDelete) {
  CreateBasics();
  json img = Json({"image", "show", "-g", "rg1", "-n", "ubuntu-img"});
  EXPECT_EQ(img["location"], "southcentralus");
  EXPECT_EQ(img["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(img["properties"]["storageProfile"]["osDisk"]["blobUri"], vhd_);
  // The VHD's real size (20 MiB) in whole GiB, not the declared 30.
  EXPECT_EQ(img["properties"]["storageProfile"]["osDisk"]["diskSizeGB"], 1);
  EXPECT_EQ(img["properties"]["storageProfile"]["osDisk"]["osType"], "Linux");
  json raw = Body(Get(Compute("rg1") + "/images/ubuntu-img?api-version=2022-11-01"));
  EXPECT_EQ(raw["properties"]["storageProfile"]["osDisk"]["diskSizeGB"], 1);

  Json({"image", "create", "-g", "rg1", "-n", "img2", "--os-type", "Linux", "--source",
        vhd_});
  EXPECT_EQ(Json({"image", "list"}).size(), 2u);
  EXPECT_EQ(Json({"image", "list", "-g", "rg1"}).size(), 2u);

  CommandResult bad_source = Gallery({"image", "create", "-g", "rg1", "-n", "img3", "--os-type",
                                      "Linux", "--source", "ftp://x/y.vhd"});
  EXPECT_EQ(bad_source.exit_code, 2);
  EXPECT_TRUE(Contains(bad_source.err, "ftp://x/y.vhd")) << bad_source.err;

  Json({"image", "delete", "-g", "rg1", "-n", "img2"});
  EXPECT_EQ(Get(Compute("rg1") + "/images/img2?api-version=2022-11-01").status, 404);
  EXPECT_EQ(Gallery({"image", "show", "-g", "rg1", "-n", "img2"}).exit_code, 3);
  json left = Json({"image", "list", "-g", "rg1"});
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["name"], "ubuntu-img");
}

// --- image versions ---------------------------------------------------------------------------

TEST_F(CliTest, ImageVersionCreateWithEveryPublishingOptionThenShowAndExpand) {
  CreateBasics();
  json v = CreateVersion("1.0.0", {"--target-regions", "southcentralus=2", "eastus",
                                   "--replica-count", "1", "--exclude-from-latest",
                                   "--end-of-life-date", "2031-12-31T00:00:00Z"});
  EXPECT_EQ(v["name"], "1.0.0");
  EXPECT_EQ(v["properties"]["provisioningState"], "Succeeded");  // the CLI waited

  json shown = Json(VersionArgs("show", "1.0.0"));
  json profile = shown["properties"]["publishingProfile"];
  ASSERT_EQ(profile["targetRegions"].size(), 2u) << profile.dump();
  EXPECT_EQ(profile["targetRegions"][0]["name"], "South Central US");
  EXPECT_EQ(profile["targetRegions"][0]["regionalReplicaCount"], 2);
  EXPECT_EQ(profile["targetRegions"][1]["name"], "East US");
  EXPECT_EQ(profile["targetRegions"][1]["regionalReplicaCount"], 1);
  EXPECT_EQ(profile["replicaCount"], 1);
  EXPECT_EQ(profile["excludeFromLatest"], true);
  EXPECT_EQ(profile["endOfLifeDate"].get<std::string>().substr(0, 10), "2031-12-31");
  EXPECT_EQ(shown["properties"]["storageProfile"]["source"]["id"],
            Compute("rg1") + "/images/ubuntu-img");
  EXPECT_FALSE(shown["properties"].contains("replicationStatus"));

  json expanded = Json(Plus(VersionArgs("show", "1.0.0"), {"--expand", "ReplicationStatus"}));
  json status = expanded["properties"]["replicationStatus"];
  EXPECT_EQ(status["aggregatedState"], "Completed") << expanded.dump();
  EXPECT_EQ(status["summary"].size(), 2u);

  // The server agrees.
  json raw = Body(Get(VersionUrl("1.0.0")));
  EXPECT_EQ(raw["properties"]["publishingProfile"], profile);
  // Table output of the version.
  std::vector<std::string> table = Lines(Text(Plus(VersionArgs("show", "1.0.0"), {"-o", "table"})));
  ASSERT_EQ(table.size(), 3u);
  EXPECT_TRUE(Contains(table[0], "TargetRegions")) << table[0];
  EXPECT_TRUE(Contains(table[2], "South Central US=2,East US=1")) << table[2];
  // list shows it.
  json list = Json({"sig", "image-version", "list", "-g", "rg1", "-r", "gallery1", "-i", "ubuntu22"});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "1.0.0");
}

TEST_F(CliTest, NoWaitReturnsAtOnceAndTheVersionSucceedsAfterwards) {
  CreateBasics();
  // Operations now take at least 2 s; restart on the same data directory (new port: log in
  // again).
  ASSERT_EQ(server_->Stop(), 0);
  StartServer(R"({"operations": {"minDurationMs": 2000}})");
  Login();
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = Gallery(Plus(VersionArgs("create", "1.0.0"),
                                 {"--managed-image", "ubuntu-img", "--no-wait"}));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  EXPECT_EQ(Body(Get(VersionUrl("1.0.0")))["properties"]["provisioningState"], "Creating");

  std::string state;
  for (int i = 0; i < 150 && state != "Succeeded"; ++i) {
    state = Json(VersionArgs("show", "1.0.0"))["properties"]["provisioningState"];
    if (state != "Succeeded") {
      EXPECT_EQ(state, "Creating");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_EQ(state, "Succeeded");

  // Without --no-wait the CLI waits for the operation.
  const auto start2 = std::chrono::steady_clock::now();
  json waited = CreateVersion("1.0.1");
  EXPECT_GE(std::chrono::steady_clock::now() - start2, std::chrono::milliseconds(2000));
  EXPECT_EQ(waited["properties"]["provisioningState"], "Succeeded");

  // delete --no-wait: Deleting, then gone.
  CommandResult del = Gallery(Plus(VersionArgs("delete", "1.0.1"), {"--no-wait"}));
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "");
  EXPECT_EQ(Body(Get(VersionUrl("1.0.1")))["properties"]["provisioningState"], "Deleting");
  int status = 200;
  for (int i = 0; i < 150 && status != 404; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = Get(VersionUrl("1.0.1")).status;
  }
  EXPECT_EQ(status, 404);
}

TEST_F(CliTest, ImageVersionUpdateChangesRegionsCountsAndExcludeFromLatest) {
  CreateBasics();
  CreateVersion("1.0.0", {"--target-regions", "southcentralus=2", "eastus", "--replica-count", "1",
                          "--exclude-from-latest"});
  json v = Json(Plus(VersionArgs("update", "1.0.0"),
                     {"--target-regions", "southcentralus=3", "eastus", "westus",
                      "--replica-count", "2"}));
  EXPECT_EQ(v["properties"]["provisioningState"], "Succeeded");
  json targets = v["properties"]["publishingProfile"]["targetRegions"];
  ASSERT_EQ(targets.size(), 3u) << targets.dump();
  EXPECT_EQ(targets[0]["name"], "South Central US");
  EXPECT_EQ(targets[0]["regionalReplicaCount"], 3);
  EXPECT_EQ(targets[1]["name"], "East US");
  EXPECT_EQ(targets[1]["regionalReplicaCount"], 2);  // the new common count
  EXPECT_EQ(targets[2]["name"], "West US");
  EXPECT_EQ(targets[2]["regionalReplicaCount"], 2);
  EXPECT_EQ(v["properties"]["publishingProfile"]["replicaCount"], 2);
  EXPECT_EQ(v["properties"]["publishingProfile"]["excludeFromLatest"], true);  // unchanged

  json included = Json(Plus(VersionArgs("update", "1.0.0"), {"--exclude-from-latest", "false"}));
  EXPECT_EQ(included["properties"]["publishingProfile"]["excludeFromLatest"], false);
  EXPECT_EQ(included["properties"]["publishingProfile"]["targetRegions"], targets);  // unchanged
  json raw = Body(Get(VersionUrl("1.0.0")));
  EXPECT_EQ(raw["properties"]["publishingProfile"]["excludeFromLatest"], false);
  EXPECT_EQ(raw["properties"]["publishingProfile"]["targetRegions"].size(), 3u);
  EXPECT_EQ(ShowLatest()["name"], "1.0.0");

  // Removing the version's own region is refused and changes nothing.
  CommandResult own = Gallery(Plus(VersionArgs("update", "1.0.0"), {"--target-regions", "eastus"}));
  EXPECT_EQ(own.exit_code, 1);
  EXPECT_TRUE(Contains(own.err, "(InvalidParameter)")) << own.err;
  EXPECT_EQ(Body(Get(VersionUrl("1.0.0")))["properties"]["publishingProfile"]["targetRegions"].size(),
            3u);
  // update with nothing to change: usage error.
  EXPECT_EQ(Gallery(VersionArgs("update", "1.0.0")).exit_code, 2);
}

TEST_F(CliTest, ShowLatestPicksTheHighestSemanticVersion) {
  CreateBasics();
  CreateVersion("1.9.0", {"--target-regions", "southcentralus", "eastus"});
  EXPECT_EQ(ShowLatest()["name"], "1.9.0");
  CreateVersion("1.10.0");  // only in southcentralus
  CreateVersion("1.2.0");
  EXPECT_EQ(ShowLatest()["name"], "1.10.0");  // not 1.9.0: numeric, not text, order
  CreateVersion("2.0.0", {"--exclude-from-latest"});
  EXPECT_EQ(ShowLatest()["name"], "1.10.0");
  EXPECT_EQ(ShowLatest({"-l", "eastus"})["name"], "1.9.0");
  EXPECT_EQ(ShowLatest({"--location", "southcentralus"})["name"], "1.10.0");
  // The raw "latest" route agrees.
  EXPECT_EQ(Body(Get(VersionUrl("latest")))["name"], "1.10.0");
  json list = Json({"sig", "image-version", "list", "-g", "rg1", "-r", "gallery1", "-i", "ubuntu22"});
  EXPECT_EQ(list.size(), 4u);

  // Deleting the latest makes the next one latest.
  EXPECT_EQ(Json(VersionArgs("delete", "1.10.0")), json());
  EXPECT_EQ(Get(VersionUrl("1.10.0")).status, 404);
  CommandResult gone = Gallery(VersionArgs("show", "1.10.0"));
  EXPECT_EQ(gone.exit_code, 3);
  EXPECT_TRUE(Contains(gone.err, "(ResourceNotFound)")) << gone.err;
  EXPECT_EQ(ShowLatest()["name"], "1.9.0");
  EXPECT_EQ(Json({"sig", "image-version", "list", "-g", "rg1", "-r", "gallery1", "-i", "ubuntu22"})
                .size(),
            3u);
}

// --- errors ------------------------------------------------------------------------------------

TEST_F(CliTest, ABadGalleryNameIsAnInvalidParameterNamingIt) {
  Login();
  Json({"group", "create", "-n", "rg1", "-l", "southcentralus"});
  CommandResult r = Gallery({"sig", "create", "-g", "rg1", "-r", "bad-name"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "ERROR: (InvalidParameter) ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "'bad-name'")) << r.err;
  EXPECT_EQ(Get(GalleryUrl("bad-name")).status, 404);
}

TEST_F(CliTest, NotFoundExitsThree) {
  Login();
  Json({"group", "create", "-n", "rg1", "-l", "southcentralus"});
  CommandResult r = Gallery({"sig", "show", "-g", "rg1", "-r", "nosuchgallery"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "ERROR: (ResourceNotFound) ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "nosuchgallery")) << r.err;
  CommandResult no_group = Gallery({"sig", "create", "-g", "nosuchgroup", "-r", "gallery1"});
  EXPECT_EQ(no_group.exit_code, 3);
  EXPECT_TRUE(Contains(no_group.err, "(ResourceGroupNotFound)")) << no_group.err;
}

TEST_F(CliTest, BadTargetRegionSyntaxIsAUsageErrorAndSendsNothing) {
  CreateBasics();
  CommandResult r = Gallery(Plus(VersionArgs("create", "1.0.0"),
                                 {"--managed-image", "ubuntu-img", "--target-regions",
                                  "southcentralus", "eastus=x"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "eastus=x")) << r.err;
  EXPECT_EQ(Get(VersionUrl("1.0.0")).status, 404);
  EXPECT_EQ(Json({"sig", "image-version", "list", "-g", "rg1", "-r", "gallery1", "-i", "ubuntu22"}),
            json::array());
  // Also for an unknown storage type and too many parts.
  EXPECT_EQ(Gallery(Plus(VersionArgs("create", "1.0.0"),
                         {"--managed-image", "ubuntu-img", "--target-regions", "eastus=1=Fast"}))
                .exit_code,
            2);
  EXPECT_EQ(Gallery(Plus(VersionArgs("create", "1.0.0"),
                         {"--managed-image", "ubuntu-img", "--target-regions", "eastus=0"}))
                .exit_code,
            2);
  EXPECT_EQ(Get(VersionUrl("1.0.0")).status, 404);
}

TEST_F(CliTest, GalleryQuotaExceeded) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer(R"({"quotas": {"galleries": 1}})");
  Login();
  Json({"group", "create", "-n", "rg1", "-l", "southcentralus"});
  Json({"sig", "create", "-g", "rg1", "-r", "gallery1"});
  CommandResult r = Gallery({"sig", "create", "-g", "rg1", "-r", "gallery2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "ERROR: (GalleryQuotaExceeded) ")) << r.err;
  EXPECT_EQ(Get(GalleryUrl("gallery2")).status, 404);
  json usage = Json({"usage", "list", "-l", "southcentralus"});
  bool found = false;
  for (const json& u : usage) {
    if (u["name"]["value"] == "galleries") {
      found = true;
      EXPECT_EQ(u["currentValue"], 1);
      EXPECT_EQ(u["limit"], 1);
    }
  }
  EXPECT_TRUE(found) << usage.dump();
}

// --- output formats ----------------------------------------------------------------------------

TEST_F(CliTest, SigListAsTableHasAHeaderAndOneRowPerGallery) {
  Login();
  Json({"group", "create", "-n", "rg1", "-l", "southcentralus"});
  Json({"group", "create", "-n", "rg2", "-l", "westeurope"});
  Json({"sig", "create", "-g", "rg1", "-r", "gallery1"});
  Json({"sig", "create", "-g", "rg2", "-r", "gallery2"});
  Json({"sig", "create", "-g", "rg2", "-r", "gallery3", "-l", "eastus2"});
  std::vector<std::string> lines = Lines(Text({"sig", "list", "-o", "table"}));
  ASSERT_EQ(lines.size(), 5u) << "header, dashes, 3 rows";
  std::vector<std::string> header = Words(lines[0]);
  auto column = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  ASSERT_LT(column("Name"), static_cast<long>(header.size())) << lines[0];
  ASSERT_LT(column("Location"), static_cast<long>(header.size())) << lines[0];
  EXPECT_EQ(lines[1].find_first_not_of("- "), std::string::npos) << lines[1];
  std::map<std::string, std::string> location_of;
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<std::string> row = Words(lines[i]);
    ASSERT_EQ(row.size(), header.size()) << lines[i];
    location_of[row[column("Name")]] = row[column("Location")];
  }
  EXPECT_EQ(location_of, (std::map<std::string, std::string>{
                             {"gallery1", "southcentralus"},
                             {"gallery2", "westeurope"},
                             {"gallery3", "eastus2"}}));
  // tsv: one line per gallery, tab-separated, no header.
  std::vector<std::string> tsv = Lines(Text({"sig", "list", "-g", "rg2", "-o", "tsv"}));
  ASSERT_EQ(tsv.size(), 2u);
  EXPECT_TRUE(Contains(tsv[0], "\trg2\t")) << tsv[0];
  // none prints nothing.
  EXPECT_EQ(Text({"sig", "list", "-o", "none"}), "");
}

TEST_F(CliTest, UsageListAsTable) {
  CreateBasics();
  CreateVersion("1.0.0");
  std::vector<std::string> lines = Lines(Text({"usage", "list", "-l", "southcentralus", "-o", "table"}));
  ASSERT_EQ(lines.size(), 5u) << "header, dashes, 3 quotas";
  EXPECT_EQ(Words(lines[0]), (std::vector<std::string>{"Name", "Current", "Limit"}));
  std::map<std::string, std::vector<std::string>> rows;
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<std::string> w = Words(lines[i]);
    ASSERT_GE(w.size(), 3u);
    rows[lines[i].substr(0, lines[i].find("  "))] = {w[w.size() - 2], w[w.size() - 1]};
  }
  EXPECT_EQ(rows["Galleries"], (std::vector<std::string>{"1", "10"}));
  EXPECT_EQ(rows["Gallery Image Definitions"], (std::vector<std::string>{"1", "200"}));
  EXPECT_EQ(rows["Gallery Image Versions"], (std::vector<std::string>{"1", "2000"}));
  // The raw usages route agrees.
  json raw = Body(Get("/subscriptions/" + sub_ +
                      "/providers/Microsoft.Compute/locations/southcentralus/usages?api-version=2023-07-01"));
  ASSERT_EQ(raw["value"].size(), 3u) << raw.dump();
  // Another region has no use.
  std::vector<std::string> other = Lines(Text({"usage", "list", "-l", "westeurope", "-o", "tsv"}));
  ASSERT_EQ(other.size(), 3u);
  EXPECT_EQ(other[0], "Galleries\t0\t10");
}

// --- restart ------------------------------------------------------------------------------------

// A restart on the same data directory keeps every resource. With port 0 the server comes back
// on another port: the saved profile still names the old endpoint, so commands fail with a
// clear "cannot connect" until `gallery login --bootstrap` is run again (galleryd refreshes
// armEndpoint in bootstrap.json, keeping the same credentials).
TEST_F(CliTest, AfterARestartOnANewPortLoginWithTheRefreshedBootstrapWorks) {
  CreateBasics();
  CreateVersion("1.0.0", {"--target-regions", "southcentralus=2", "eastus"});
  const std::string old_endpoint = server_->endpoint() + "/";
  const json old_bootstrap = bootstrap_;
  ASSERT_EQ(server_->Stop(), 0);

  CommandResult down = Gallery({"sig", "show", "-g", "rg1", "-r", "gallery1"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_TRUE(Contains(down.err, "cannot connect to " + old_endpoint.substr(0, old_endpoint.size() - 1)))
      << down.err;

  StartServer();
  const std::string new_endpoint = server_->endpoint() + "/";
  EXPECT_EQ(bootstrap_["armEndpoint"], new_endpoint);
  EXPECT_EQ(bootstrap_["clientSecret"], old_bootstrap["clientSecret"]);
  EXPECT_EQ(bootstrap_["subscriptionId"], old_bootstrap["subscriptionId"]);
  struct stat st {};
  ASSERT_EQ(::stat(server_->bootstrap_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  if (new_endpoint != old_endpoint) {
    // The old profile points at the old port.
    CommandResult stale = Gallery({"sig", "show", "-g", "rg1", "-r", "gallery1"});
    EXPECT_EQ(stale.exit_code, 1);
    EXPECT_TRUE(Contains(stale.err, "Is galleryd running?")) << stale.err;
  }
  json account = Login();
  EXPECT_EQ(account["armEndpoint"], new_endpoint);
  EXPECT_EQ(account["id"], sub_);
  EXPECT_EQ(Json({"sig", "show", "-g", "rg1", "-r", "gallery1"})["properties"]["description"],
            "golden images");
  json v = Json(Plus(VersionArgs("show", "1.0.0"), {"--expand", "ReplicationStatus"}));
  EXPECT_EQ(v["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(v["properties"]["publishingProfile"]["targetRegions"][0]["regionalReplicaCount"], 2);
  EXPECT_EQ(v["properties"]["replicationStatus"]["aggregatedState"], "Completed");
  // And new work goes to the new server.
  CreateVersion("1.1.0");
  EXPECT_EQ(ShowLatest()["name"], "1.1.0");
  EXPECT_EQ(Get(VersionUrl("1.1.0")).status, 200);
}

TEST_F(CliTest, DeletingAGroupTakesItsContents) {
  CreateBasics();
  CreateVersion("1.0.0");
  CommandResult busy = Gallery({"sig", "delete", "-g", "rg1", "-r", "gallery1"});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_TRUE(Contains(busy.err, "(CannotDeleteResource)")) << busy.err;
  EXPECT_EQ(Json({"group", "delete", "-n", "rg1", "-y"}), json());
  EXPECT_EQ(Get(Rg("rg1") + "?api-version=2021-04-01").status, 404);
  EXPECT_EQ(Get(GalleryUrl("gallery1")).status, 404);
  EXPECT_EQ(Json({"sig", "list"}), json::array());
  EXPECT_EQ(Json({"image", "list"}), json::array());
  std::vector<std::string> usage = Lines(Text({"usage", "list", "-l", "southcentralus", "-o", "tsv"}));
  ASSERT_EQ(usage.size(), 3u);
  EXPECT_EQ(usage[0], "Galleries\t0\t10");
  EXPECT_EQ(usage[2], "Gallery Image Versions\t0\t2000");
}

}  // namespace
}  // namespace gallery::testing
