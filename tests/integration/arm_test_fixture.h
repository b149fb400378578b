#pragma once
// ArmFixture: one real galleryd per test (port 0, its own temporary data directory), raw HTTPS
// requests, and helpers that build the ARM bodies and check ARM error bodies. Shared by the
// theme files (resources, operations, rules, latest, paging, persistence, concurrency).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/file_util.h"
#include "galleryd_process.h"
#include "test_image.h"

namespace gallery::testing {

using nlohmann::json;

// api-versions az 2.45 sends (reference section 1).
inline constexpr char kRgApi[] = "2021-04-01";
inline constexpr char kGalleryApi[] = "2021-10-01";
inline constexpr char kVersionApi[] = "2022-03-03";
inline constexpr char kImageApi[] = "2022-11-01";
inline constexpr char kSouthCentral[] = "southcentralus";


// The file's contents, or "" when it cannot be read.
inline std::string ReadOrEmpty(const std::filesystem::path& path) {
  Result<std::string> text = ReadFile(path);
  return text.ok() ? *text : std::string();
}

class ArmFixture : public ::testing::Test {
 protected:
  // Starts galleryd on this fixture's data directory; an empty config means the defaults.
  void StartServer(const std::string& config_json = "") {
    server_.reset();
    auto started = StartGalleryd(dir_.path(), config_json, "galleryd-" + std::to_string(++configs_) + ".json");
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started->server);
    client_ = std::move(started->client);
    bootstrap_ = json::parse(started->bootstrap_json);
    sub_ = started->subscription_id;
  }

  // Sends a request with a JSON body (none when null) on `client` (this fixture's by default).
  HttpResult Call(const std::string& method, const std::string& url, const json& body = nullptr,
                  HttpsTransport* client = nullptr) {
    return Raw(method, url, body.is_null() ? std::string() : body.dump(), client);
  }
  HttpResult Raw(const std::string& method, const std::string& url, const std::string& body,
                 HttpsTransport* client = nullptr) {
    return SendRequest(client != nullptr ? *client : *client_, method, url, body);
  }
  static json Body(const HttpResult& r) { return ParseBody(r); }

  // ---- paths
  std::string Sub() const { return "/subscriptions/" + sub_; }
  std::string Rg(const std::string& rg) const { return Sub() + "/resourceGroups/" + rg; }
  std::string Compute(const std::string& rg) const {
    return Rg(rg) + "/providers/Microsoft.Compute";
  }
  std::string GalleryPath(const std::string& g, const std::string& rg = "rg1") const {
    return Compute(rg) + "/galleries/" + g;
  }
  std::string DefPath(const std::string& d, const std::string& g = "gal1",
                      const std::string& rg = "rg1") const {
    return GalleryPath(g, rg) + "/images/" + d;
  }
  std::string VerPath(const std::string& v, const std::string& d = "def1",
                      const std::string& g = "gal1", const std::string& rg = "rg1") const {
    return DefPath(d, g, rg) + "/versions/" + v;
  }
  std::string ImagePath(const std::string& i, const std::string& rg = "rg1") const {
    return Compute(rg) + "/images/" + i;
  }
  static std::string Q(const std::string& path, const std::string& api) {
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "api-version=" + api;
  }

  // ---- bodies
  static json GalleryBody(const std::string& location = kSouthCentral,
                          const std::string& description = "") {
    json b = {{"location", location}};
    if (!description.empty()) {
      b["properties"] = {{"description", description}};
    }
    return b;
  }
  static json DefBody(const std::string& publisher = "p", const std::string& offer = "o",
                      const std::string& sku = "s", const std::string& os_type = "Linux",
                      const std::string& hv = "V1", const std::string& location = kSouthCentral) {
    return {{"location", location},
            {"properties",
             {{"osType", os_type},
              {"osState", "Generalized"},
              {"hyperVGeneration", hv},
              {"identifier", {{"publisher", publisher}, {"offer", offer}, {"sku", sku}}}}}};
  }
  // A managed image of the test VHD (test_image.h), uploaded to this server on first use.
  json ImageBody(const std::string& location = kSouthCentral,
                 const std::string& os_type = "Linux", const std::string& hv = "V1",
                 const std::string& os_state = "Generalized") {
    return {{"location", location},
            {"properties",
             {{"hyperVGeneration", hv},
              {"storageProfile",
               {{"osDisk",
                 {{"osType", os_type},
                  {"osState", os_state},
                  {"blobUri", TestVhdUri()},
                  {"diskSizeGB", 1}}}}}}}};
  }
  // The URL of the test VHD on this fixture's galleryd; uploaded once per data directory and
  // named by the current endpoint (the port changes across restarts).
  std::string TestVhdUri() {
    if (!vhd_uploaded_) {
      Result<std::string> uri = UploadTestVhd(*client_, server_->endpoint());
      EXPECT_TRUE(uri.ok()) << uri.status().ToString();
      vhd_uploaded_ = uri.ok();
    }
    return server_->endpoint() + "/blob/acct/vhds/os.vhd";
  }
  // A version from managed image `image` (in rg1) replicated to `targets` (default: the
  // location with 1 replica and East US with the common count).
  json VersionBody(const std::string& image = "img1", const std::string& location = kSouthCentral,
                   json targets = nullptr) const {
    if (targets.is_null()) {
      targets = json::array({{{"name", location}, {"regionalReplicaCount", 1}}, {{"name", "eastus"}}});
    }
    return {{"location", location},
            {"properties",
             {{"publishingProfile", {{"targetRegions", targets}}},
              {"storageProfile", {{"source", {{"id", ImagePath(image)}}}}}}}};
  }

  // ---- creation helpers: each asserts the create was accepted and waits for Succeeded.
  void CreateGroup(const std::string& rg = "rg1", const std::string& location = kSouthCentral) {
    HttpResult r = Call("PUT", Q(Rg(rg), kRgApi), {{"location", location}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  void CreateAt(const std::string& path, const std::string& api, const json& body) {
    HttpResult r = Call("PUT", Q(path, api), body);
    ASSERT_EQ(r.status, 201) << path << ": " << r.body;
    WaitSucceeded(path, api);
  }
  void CreateGallery(const std::string& g = "gal1", const std::string& rg = "rg1",
                     const std::string& location = kSouthCentral) {
    CreateAt(GalleryPath(g, rg), kGalleryApi, GalleryBody(location));
  }
  void CreateDef(const std::string& d = "def1", const std::string& g = "gal1",
                 const json& body = DefBody()) {
    CreateAt(DefPath(d, g), kGalleryApi, body);
  }
  void CreateImage(const std::string& i = "img1", const json& body = nullptr) {
    CreateAt(ImagePath(i), kImageApi, body.is_null() ? ImageBody() : body);
  }
  void CreateVersion(const std::string& v, const json& body, const std::string& d = "def1",
                     const std::string& g = "gal1") {
    CreateAt(VerPath(v, d, g), kVersionApi, body);
  }
  // rg1, gallery gal1, definition def1 (Linux V1, p/o/s), managed image img1 in southcentralus.
  void CreateBasics() {
    ASSERT_NO_FATAL_FAILURE(CreateGroup());
    ASSERT_NO_FATAL_FAILURE(CreateGallery());
    ASSERT_NO_FATAL_FAILURE(CreateDef());
    ASSERT_NO_FATAL_FAILURE(CreateImage());
  }

  // ---- waiting
  json WaitSucceeded(const std::string& path, const std::string& api, int timeout_ms = 15000) {
    json last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResult r = Call("GET", Q(path, api));
      last = Body(r);
      if (r.status == 200 && last["properties"]["provisioningState"] == "Succeeded") {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << path << " never Succeeded: " << last.dump();
    return last;
  }
  void WaitGone(const std::string& path, const std::string& api, int timeout_ms = 15000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    HttpResult r;
    while (std::chrono::steady_clock::now() < deadline) {
      r = Call("GET", Q(path, api));
      if (r.status == 404) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << path << " still there: " << r.status << " " << r.body;
  }
  // Polls an Azure-AsyncOperation URL until its status is terminal.
  json WaitOperation(const std::string& url, int timeout_ms = 15000) {
    json last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      last = Body(Call("GET", url));
      if (last.is_object() && last.value("status", "") != "InProgress") {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << url << " never finished: " << last.dump();
    return last;
  }

  // ---- checks
  // The answer is `status` with an ARM error body whose code is `code` and whose message
  // mentions every string of `mentions`.
  static void ExpectError(const HttpResult& r, int status, const std::string& code,
                          std::initializer_list<std::string> mentions = {}) {
    EXPECT_EQ(r.status, status) << r.body;
    json b = Body(r);
    ASSERT_TRUE(b.is_object() && b.contains("error") && b["error"].is_object())
        << "not an ARM error body: " << r.body;
    EXPECT_EQ(b["error"].value("code", ""), code) << r.body;
    const std::string message = b["error"].value("message", "");
    for (const std::string& m : mentions) {
      EXPECT_NE(message.find(m), std::string::npos)
          << "message does not mention '" << m << "': " << message;
    }
  }
  static void ExpectTarget(const HttpResult& r, const std::string& target) {
    const json b = Body(r);
    const bool is_error = b.is_object() && b.contains("error") && b["error"].is_object();
    EXPECT_EQ(is_error ? b["error"].value("target", "") : std::string(), target) << r.body;
  }
  // The answer is 4xx with an ARM error body (any code) whose message mentions `mentions`.
  static void Expect4xx(const HttpResult& r, std::initializer_list<std::string> mentions = {}) {
    EXPECT_GE(r.status, 400) << r.body;
    EXPECT_LT(r.status, 500) << r.body;
    json b = Body(r);
    ASSERT_TRUE(b.is_object() && b.contains("error")) << "not an ARM error body: " << r.body;
    EXPECT_FALSE(b["error"].value("code", "").empty()) << r.body;
    const std::string message = b["error"].value("message", "");
    for (const std::string& m : mentions) {
      EXPECT_NE(message.find(m), std::string::npos)
          << "message does not mention '" << m << "': " << message;
    }
  }
  void ExpectAbsent(const std::string& path, const std::string& api) {
    HttpResult r = Call("GET", Q(path, api));
    EXPECT_EQ(r.status, 404) << path << " exists: " << r.body;
  }
  // Async operation headers of an accepted PUT/PATCH/DELETE.
  static void ExpectAsyncHeaders(const HttpResult& r, const std::string& location) {
    ASSERT_TRUE(r.Header("Azure-AsyncOperation").has_value()) << r.status;
    ASSERT_TRUE(r.Header("Location").has_value()) << r.status;
    EXPECT_EQ(r.Header("Retry-After").value_or(""), "1");
    const std::string async = *r.Header("Azure-AsyncOperation");
    EXPECT_EQ(async.rfind("https://", 0), 0u) << async;
    EXPECT_NE(async.find("/providers/Microsoft.Compute/locations/" + location + "/capsOperations/"),
              std::string::npos)
        << async;
    EXPECT_NE(r.Header("Location")->find("/operationResults/"), std::string::npos)
        << *r.Header("Location");
  }

  static std::string FutureDate() { return "2099-12-31T12:59:59Z"; }
  static std::string PastDate() { return "2001-01-01T00:00:00Z"; }

  TempDir dir_;
  int configs_ = 0;
  bool vhd_uploaded_ = false;
  std::unique_ptr<GallerydProcess> server_;
  std::unique_ptr<HttpsTransport> client_;
  json bootstrap_;
  std::string sub_;
};

}  // namespace gallery::testing
