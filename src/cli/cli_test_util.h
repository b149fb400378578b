#pragma once
// Test fixture for `gallery` commands (tests only): runs RunGallery against a FakeTransport
// with a temporary configuration directory, a recording sleeper and predictable randomness.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "client/fake_transport.h"
#include "client/profile.h"

namespace gallery::cli {

class CliTest : public ::testing::Test {
 protected:
  static constexpr const char* kSub = "sub1";
  static constexpr const char* kEndpoint = "https://127.0.0.1:8443/";
  static constexpr const char* kArmResource = "https://management.gallery.local/";
  static constexpr int64_t kFarFuture = 4'000'000'000;  // 2096

  // What `gallery login` asks before listing subscriptions: where tokens come from, and one.
  void RespondDiscoveryAndToken(const std::string& token = "arm-token") {
    transport_.RespondJson(
        200, {{"authentication",
               {{"loginEndpoint", "https://127.0.0.1:8443/adfs"}, {"audiences", {kArmResource}}}},
              {"microsoftGraphResourceId", kEndpoint}});
    transport_.RespondJson(200, {{"access_token", token}, {"expires_in", 3600}});
  }

  void SetUp() override {
    char tmpl[] = "/tmp/gallery-cli-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    env_.out = &out_;
    env_.err = &err_;
    env_.config_dir = dir_ / "config";
    env_.make_transport =
        [this](const std::string& endpoint,
               const std::string& ca_file) -> Result<std::unique_ptr<HttpTransport>> {
      transports_made_.emplace_back(endpoint, ca_file);
      return std::unique_ptr<HttpTransport>(std::make_unique<ForwardingTransport>(transport_));
    };
    env_.random = &random_;
    env_.sleeper = &sleeper_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Saves a profile logged in to kEndpoint with subscriptions sub1 (current) and sub2.
  void SaveProfile() {
    Profile p;
    p.arm_endpoint = kEndpoint;
    p.ca_certificate = (dir_ / "ca.pem").string();
    p.tenant_id = "tenant1";
    p.client_id = "app1";
    p.client_secret = "secret1";
    p.subscription_id = kSub;
    p.subscriptions = {{"sub1", "First", "Enabled", "tenant1"},
                       {"sub2", "Second", "Enabled", "tenant1"}};
    // Logged in: the authority is known and a token is cached far into the future.
    p.authority = "https://127.0.0.1:8443/adfs";
    p.arm_resource = kArmResource;
    p.graph_resource = kEndpoint;
    p.access_tokens[kArmResource] = {"arm-token", kFarFuture};
    p.access_tokens[kEndpoint] = {"graph-token", kFarFuture};
    ASSERT_TRUE(ProfileStore(env_.config_dir).Save(p).ok());
  }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunGallery(args, env_);
  }

  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }
  nlohmann::json OutJson() const { return nlohmann::json::parse(out_.str()); }

  std::filesystem::path dir_;
  FakeTransport transport_;
  FakeRandom random_;
  FakeSleeper sleeper_;
  std::ostringstream out_;
  std::ostringstream err_;
  CliEnv env_;
  std::vector<std::pair<std::string, std::string>> transports_made_;
};

}  // namespace gallery::cli
