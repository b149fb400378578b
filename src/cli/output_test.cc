#include "cli/output.h"

#include <gtest/gtest.h>

namespace gallery::cli {
namespace {

using nlohmann::json;

json Definition(const std::string& name, const std::string& sku) {
  return {{"id",
           "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g/"
           "images/" +
               name},
          {"name", name},
          {"location", "westus"},
          {"properties",
           {{"osType", "Linux"},
            {"osState", "Generalized"},
            {"hyperVGeneration", "V2"},
            {"identifier", {{"publisher", "pub"}, {"offer", "offer"}, {"sku", sku}}},
            {"provisioningState", "Succeeded"}}}};
}

TEST(OutputTest, JsonIsPrettyPrinted) {
  EXPECT_EQ(FormatOutput({{"a", 1}}, OutputFormat::kJson, {}), "{\n  \"a\": 1\n}\n");
}

TEST(OutputTest, NullPrintsNothingInEveryFormat) {
  for (OutputFormat f : {OutputFormat::kJson, OutputFormat::kTable, OutputFormat::kTsv}) {
    EXPECT_EQ(FormatOutput(json(), f, GalleryColumns()), "");
  }
}

TEST(OutputTest, TableAlignsColumnsAndParsesResourceGroupFromId) {
  json defs = {Definition("def1", "22_04-lts"), Definition("definition-two", "s")};
  EXPECT_EQ(FormatOutput(defs, OutputFormat::kTable, DefinitionColumns()),
            "Name            ResourceGroup  Location  ProvisioningState  Publisher  Offer  Sku"
            "        OsType  OsState      HyperVGeneration\n"
            "--------------  -------------  --------  -----------------  ---------  -----  "
            "---------  ------  -----------  ----------------\n"
            "def1            rg1            westus    Succeeded          pub        offer  "
            "22_04-lts  Linux   Generalized  V2\n"
            "definition-two  rg1            westus    Succeeded          pub        offer  s"
            "          Linux   Generalized  V2\n");
}

TEST(OutputTest, SingleObjectIsOneRow) {
  json group = {{"name", "rg1"},
                {"location", "westus"},
                {"properties", {{"provisioningState", "Succeeded"}}}};
  EXPECT_EQ(FormatOutput(group, OutputFormat::kTsv, ResourceGroupColumns()),
            "rg1\twestus\tSucceeded\n");
}

TEST(OutputTest, VersionColumnsShowTargetRegionsAndExcludeFromLatest) {
  json version = json::parse(R"({"name":"1.0.0","location":"westus",
    "properties":{"provisioningState":"Creating","publishingProfile":{
      "targetRegions":[{"name":"westus","regionalReplicaCount":2},{"name":"eastus"}],
      "replicaCount":1,"excludeFromLatest":false}}})");
  EXPECT_EQ(FormatOutput(version, OutputFormat::kTsv, VersionColumns()),
            "1.0.0\t\twestus\tCreating\twestus=2,eastus\t1\tfalse\n");
}

TEST(OutputTest, TsvReplacesTabsAndNewlinesInCells) {
  json group = {{"name", "a\tb\nc"}};
  EXPECT_EQ(FormatOutput(group, OutputFormat::kTsv, {FieldColumn("Name", "name")}), "a b c\n");
}

TEST(OutputTest, UsageColumnsPreferLocalizedName) {
  json usages = json::parse(R"([
    {"name":{"value":"galleries","localizedValue":"Galleries"},"currentValue":3,"limit":10,
     "unit":"Count"},
    {"name":{"value":"imageVersions"},"currentValue":0,"limit":2000,"unit":"Count"}])");
  EXPECT_EQ(FormatOutput(usages, OutputFormat::kTable, UsageColumns()),
            "Name           Current  Limit\n"
            "-------------  -------  -----\n"
            "Galleries      3        10\n"
            "imageVersions  0        2000\n");
}

TEST(OutputTest, ParseOutputFormat) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(ParseOutputFormat("yaml").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gallery::cli
