// `gallery store scrub` against a scripted server: the action, the polling of its Location, the
// report in each format, and the exit code when a chunk stayed damaged.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace gallery::cli {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kScrub = "/providers/Gallery.Storage/scrub?api-version=2024-01-01";
const std::string kPoll =
    "https://127.0.0.1:8443/providers/Gallery.Storage/scrubOperations/7?api-version=2024-01-01";

json Store(const std::string& name, int corrupt, int repaired, int unrepairable) {
  json problems = json::array();
  for (int i = 0; i < corrupt; ++i) {
    problems.push_back({{"digest", std::string(64, static_cast<char>('a' + i))},
                        {"problem", "corrupt"},
                        {"repaired", i < repaired}});
  }
  return {{"name", name},
          {"chunksChecked", 10},
          {"bytesChecked", 1310720},
          {"corrupt", corrupt},
          {"missing", 0},
          {"repaired", repaired},
          {"unrepairable", unrepairable},
          {"problems", problems}};
}

class StoreCommandsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SaveProfile();
  }
  void RespondScrub(const json& report) {
    transport_.Respond(202, R"({"status":"Running"})", {{"Location", kPoll}, {"Retry-After", "2"}});
    transport_.Respond(202, R"({"status":"Running"})", {{"Location", kPoll}, {"Retry-After", "2"}});
    transport_.RespondJson(200, report);
  }
};

TEST_F(StoreCommandsTest, ScrubPostsThenPollsItsLocationAndPrintsTheReport) {
  const json report = {{"stores", {Store("eastus", 1, 1, 0), Store("westus", 0, 0, 0)}}};
  RespondScrub(report);
  EXPECT_EQ(Run({"store", "scrub"}), 0) << err();
  EXPECT_THAT(transport_.Requests(), ElementsAre("POST " + kScrub, "GET " + kPoll, "GET " + kPoll));
  EXPECT_EQ(OutJson(), report);
}

TEST_F(StoreCommandsTest, ScrubPrintsOneTableRowPerStore) {
  RespondScrub({{"stores", {Store("eastus", 1, 1, 0), Store("westus", 0, 0, 0)}}});
  EXPECT_EQ(Run({"store", "scrub", "-o", "table"}), 0) << err();
  EXPECT_EQ(out(),
            "Name    ChunksChecked  BytesChecked  Corrupt  Missing  Repaired  Unrepairable\n"
            "------  -------------  ------------  -------  -------  --------  ------------\n"
            "eastus  10             1310720       1        0        1         0\n"
            "westus  10             1310720       0        0        0         0\n");
}

TEST_F(StoreCommandsTest, AChunkThatCouldNotBeRepairedPrintsTheReportAndExits1) {
  const json report = {{"stores", {Store("eastus", 2, 1, 1), Store("westus", 1, 0, 1)}}};
  RespondScrub(report);
  EXPECT_EQ(Run({"store", "scrub"}), 1);
  EXPECT_EQ(OutJson(), report);
  EXPECT_THAT(err(), HasSubstr("2 damaged chunk(s) could not be repaired"));
  EXPECT_THAT(err(), HasSubstr("eastus (1: 1 with no good copy in any other store); westus (1"));
}

TEST_F(StoreCommandsTest, AChunkWhoseRepairCouldNotBeWrittenSaysSo) {
  json store = Store("canadacentral", 1, 0, 1);
  store["problems"][0]["notRepaired"] = "writeFailed";
  RespondScrub({{"stores", {store, Store("westus", 0, 0, 0)}}});
  EXPECT_EQ(Run({"store", "scrub"}), 1);
  EXPECT_THAT(err(), HasSubstr("canadacentral (1: 1 with a good copy elsewhere that could not "
                               "be written into this store)"));
  EXPECT_THAT(err(), Not(HasSubstr("no good copy")));
  EXPECT_THAT(err(), HasSubstr("check that the store named can be written"));
}

TEST_F(StoreCommandsTest, ARefusedScrubPrintsTheServersErrorAndExits1) {
  transport_.RespondJson(
      403,
      {{"error",
        {{"code", "AuthorizationFailed"}, {"message", "'x' is not a directory administrator."}}}});
  EXPECT_EQ(Run({"store", "scrub"}), 1);
  EXPECT_THAT(err(), HasSubstr("(AuthorizationFailed)"));
  EXPECT_EQ(out(), "");
}

TEST_F(StoreCommandsTest, AReportWithoutStoresIsAnError) {
  transport_.RespondJson(200, {{"unexpected", true}});
  EXPECT_EQ(Run({"store", "scrub"}), 1);
  EXPECT_THAT(err(), HasSubstr("no 'stores' list"));
}

}  // namespace
}  // namespace gallery::cli
