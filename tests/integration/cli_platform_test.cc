// `gallery feature`, `gallery provider` and `gallery activity-log` end to end: the real CLI
// against the real galleryd, as a user runs them.

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "galleryd_process.h"

namespace gallery::testing {
namespace {

using nlohmann::json;

class CliPlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.path() / "home";
    std::filesystem::create_directories(home_);
    auto started = StartGalleryd(dir_.path(), R"({"requireFeatureRegistration": true})");
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started->server);
    ASSERT_EQ(Run({"login", "--bootstrap", server_->bootstrap_file().string()}).exit_code, 0);
  }

  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), GalleryCliBinary());
    return RunCommand(
        args, {"GALLERY_CONFIG_DIR=" + (home_ / "config").string(), "HOME=" + home_.string()});
  }
  // Runs a command that must succeed and returns its stdout.
  std::string Ok(const std::vector<std::string>& args) {
    CommandResult r = Run(args);
    std::string cmd;
    for (const std::string& a : args) {
      cmd += " " + a;
    }
    EXPECT_EQ(r.exit_code, 0) << "gallery" << cmd << "\n" << r.out << r.err;
    return r.out;
  }
  static bool Contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
  // Whether a line of `text` contains every one of `parts`.
  static bool HasRow(const std::string& text, std::initializer_list<std::string> parts) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      bool all = true;
      for (const std::string& p : parts) {
        all = all && Contains(line, p);
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  TempDir dir_;
  std::filesystem::path home_;
  std::unique_ptr<GallerydProcess> server_;
};

TEST_F(CliPlatformTest, TheSpecsSignUpStepsThenAGalleryAppearInTheActivityLog) {
  Ok({"group", "create", "-n", "rg1", "-l", "southcentralus"});
  CommandResult refused = Run({"sig", "create", "-g", "rg1", "-r", "gallery1"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.err, "(SubscriptionNotRegisteredForFeature)")) << refused.err;
  EXPECT_TRUE(Contains(refused.err,
                       "az feature register --namespace Microsoft.Compute --name GalleryPreview"))
      << refused.err;

  json feature = json::parse(
      Ok({"feature", "register", "--namespace", "Microsoft.Compute", "--name", "GalleryPreview"}));
  EXPECT_EQ(feature["name"], "Microsoft.Compute/GalleryPreview");
  const std::string shown = Ok({"feature", "show", "--namespace", "Microsoft.Compute", "--name",
                                "GalleryPreview", "-o", "table"});
  EXPECT_TRUE(Contains(shown, "Microsoft.Compute/GalleryPreview  Registered")) << shown;
  EXPECT_TRUE(Contains(Ok({"feature", "list", "-o", "tsv"}), "Microsoft.Compute/GalleryPreview"));

  json provider = json::parse(Ok({"provider", "register", "-n", "Microsoft.Compute"}));
  EXPECT_EQ(provider["registrationState"], "Registered");
  const std::string providers = Ok({"provider", "list", "-o", "table"});
  EXPECT_TRUE(Contains(providers, "Microsoft.Compute")) << providers;
  json compute = json::parse(Ok({"provider", "show", "-n", "Microsoft.Compute"}));
  EXPECT_FALSE(compute["resourceTypes"].empty());

  Ok({"sig", "create", "-g", "rg1", "-r", "gallery1"});
  // The log is written in the background: poll until the gallery's completion shows.
  std::string table;
  for (int i = 0; i < 200 && !HasRow(table, {"galleries/write", "Succeeded"}); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    table = Ok({"activity-log", "list", "-g", "rg1", "-o", "table"});
  }
  EXPECT_TRUE(Contains(table, "Time")) << table;
  EXPECT_TRUE(HasRow(table, {"gallery-admin", "Microsoft.Compute/galleries/write", "Succeeded",
                             "/galleries/gallery1"}))
      << table;
  EXPECT_TRUE(HasRow(table, {"Microsoft.Compute/galleries/write", "Failed"})) << table;

  json events = json::parse(Ok({"activity-log", "list"}));
  ASSERT_TRUE(events.is_array());
  std::string correlation;
  for (const json& e : events) {
    if (e["operationName"]["value"] == "Microsoft.Features/providers/features/register/action") {
      correlation = e["correlationId"];
    }
  }
  ASSERT_FALSE(correlation.empty()) << events.dump();
  json one = json::parse(Ok({"activity-log", "list", "--correlation-id", correlation}));
  ASSERT_EQ(one.size(), 1u) << one.dump();
  EXPECT_EQ(one[0]["correlationId"], correlation);
  json none = json::parse(Ok({"activity-log", "list", "--start-time", "2001-01-01T00:00:00Z",
                              "--end-time", "2001-01-02T00:00:00Z"}));
  EXPECT_TRUE(none.empty());
}

TEST_F(CliPlatformTest, ErrorsComeBackAsTheServerWordsThem) {
  CommandResult unknown = Run({"provider", "show", "-n", "Contoso.Widgets"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_TRUE(Contains(unknown.err, "(InvalidResourceNamespace)")) << unknown.err;
  CommandResult feature =
      Run({"feature", "show", "--namespace", "Microsoft.Compute", "--name", "Nope"});
  EXPECT_EQ(feature.exit_code, 3);
  EXPECT_TRUE(Contains(feature.err, "(FeatureNotFound) The feature 'Nope' could not be found."))
      << feature.err;
  CommandResult range = Run({"activity-log", "list", "--start-time", "2001-01-01T00:00:00Z",
                             "--end-time", "2002-01-01T00:00:00Z"});
  EXPECT_EQ(range.exit_code, 1);
  EXPECT_TRUE(Contains(range.err, "(BadRequest)")) << range.err;
  EXPECT_TRUE(Contains(range.err, "90 days")) << range.err;
}

}  // namespace
}  // namespace gallery::testing
