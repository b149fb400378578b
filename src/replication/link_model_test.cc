#include "replication/link_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "domain/region_catalog.h"

namespace gallery::replication {
namespace {

using nlohmann::json;

constexpr double kMB = 1e6;

LinkModel Parse(const std::string& text) {
  Result<LinkModel> model = LinkModel::FromJson(json::parse(text));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : LinkModel::Unlimited();
}

// The error FromJson returns for `text`: InvalidArgument, reason InvalidConfiguration, with
// the key path as target; the message is returned for the caller to check.
std::string ParseError(const std::string& text, const std::string& target) {
  Result<LinkModel> model = LinkModel::FromJson(json::parse(text));
  EXPECT_FALSE(model.ok()) << text;
  if (model.ok()) {
    return "";
  }
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(model.status().reason(), "InvalidConfiguration") << text;
  EXPECT_EQ(model.status().target(), target) << text;
  return model.status().message();
}

TEST(LinkModel, UnlimitedHasNoBandwidthLimitAndNoLatencyAnywhere) {
  const LinkModel model = LinkModel::Unlimited();
  EXPECT_EQ(model.For("eastus", "westeurope"), Link{});
  EXPECT_EQ(model.For("westeurope", "eastus"), Link{});
  EXPECT_TRUE(model.For("eastus", "westeurope").unlimited_bandwidth());
}

TEST(LinkModel, AnEmptyObjectIsUnlimited) {
  EXPECT_EQ(Parse("{}").For("eastus", "westeurope"), Link{});
  EXPECT_EQ(Parse(R"({"default": {}, "pairs": []})").For("eastus", "westeurope"), Link{});
}

TEST(LinkModel, TheDefaultAppliesToEveryPairNotListed) {
  const LinkModel model = Parse(R"({"default": {"bandwidthMBps": 12.5, "latencyMs": 30}})");
  EXPECT_EQ(model.For("eastus", "westus"), (Link{12.5 * kMB, 30}));
  EXPECT_EQ(model.For("southindia", "northeurope"), (Link{12.5 * kMB, 30}));
  EXPECT_EQ(model.default_link(), (Link{12.5 * kMB, 30}));
}

TEST(LinkModel, APairIsSymmetricByDefault) {
  const LinkModel model = Parse(R"({"pairs": [{"from": "eastus", "to": "westeurope",
                                               "bandwidthMBps": 50, "latencyMs": 80}]})");
  EXPECT_EQ(model.For("eastus", "westeurope"), (Link{50 * kMB, 80}));
  EXPECT_EQ(model.For("westeurope", "eastus"), (Link{50 * kMB, 80}));
  EXPECT_EQ(model.For("eastus", "westus"), Link{});
}

TEST(LinkModel, AnAsymmetricPairSetsOneDirectionOnly) {
  const LinkModel model = Parse(R"({"default": {"bandwidthMBps": 10},
      "pairs": [{"from": "eastus", "to": "westeurope", "bandwidthMBps": 50, "symmetric": false},
                {"from": "westeurope", "to": "eastus", "bandwidthMBps": 20, "symmetric": false}]})");
  EXPECT_EQ(model.For("eastus", "westeurope"), (Link{50 * kMB, 0}));
  EXPECT_EQ(model.For("westeurope", "eastus"), (Link{20 * kMB, 0}));
}

TEST(LinkModel, APairTakesWhatItLeavesOutFromTheDefault) {
  const LinkModel model = Parse(R"({"default": {"bandwidthMBps": 100, "latencyMs": 30},
      "pairs": [{"from": "eastus", "to": "westeurope", "latencyMs": 80},
                {"from": "eastus", "to": "westus", "bandwidthMBps": 0}]})");
  EXPECT_EQ(model.For("eastus", "westeurope"), (Link{100 * kMB, 80}));
  EXPECT_EQ(model.For("westus", "eastus"), (Link{0, 30}));
}

TEST(LinkModel, RegionNamesAreComparedNormalized) {
  const LinkModel model = Parse(R"({"pairs": [{"from": "East US", "to": "WestEurope",
                                               "bandwidthMBps": 50, "latencyMs": 80}]})");
  EXPECT_EQ(model.For("eastus", "westeurope"), (Link{50 * kMB, 80}));
  EXPECT_EQ(model.For("West Europe", "EAST US"), (Link{50 * kMB, 80}));
}

TEST(LinkModel, ARegionToItselfIsAlwaysUnlimited) {
  const LinkModel model = Parse(R"({"default": {"bandwidthMBps": 1, "latencyMs": 500}})");
  EXPECT_EQ(model.For("eastus", "eastus"), Link{});
  EXPECT_EQ(model.For("East US", "eastus"), Link{});
}

TEST(LinkModel, KeysStartingWithUnderscoreAreComments) {
  const LinkModel model = Parse(R"({"_comment": "x", "default": {"_why": 1, "latencyMs": 5},
      "pairs": [{"_note": [], "from": "a", "to": "b", "bandwidthMBps": 1}]})");
  EXPECT_EQ(model.For("a", "b"), (Link{kMB, 5}));
}

TEST(LinkModel, TheValueMustBeAnObject) {
  EXPECT_EQ(ParseError("[]", "links"), "links must be an object, got []");
  EXPECT_EQ(ParseError("null", "links"), "links must be an object, got null");
}

TEST(LinkModel, UnknownKeysAreErrorsAtEveryLevel) {
  EXPECT_EQ(ParseError(R"({"pair": []})", "links.pair"),
            "links.pair is not a known key (known: default, pairs)");
  EXPECT_EQ(ParseError(R"({"default": {"bandwidthMbps": 5}})", "links.default.bandwidthMbps"),
            "links.default.bandwidthMbps is not a known key (known: bandwidthMBps, latencyMs)");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "b", "latency": 5}]})",
                       "links.pairs[0].latency"),
            "links.pairs[0].latency is not a known key "
            "(known: from, to, bandwidthMBps, latencyMs, symmetric)");
}

TEST(LinkModel, TheDefaultMustBeAnObject) {
  EXPECT_EQ(ParseError(R"({"default": 5})", "links.default"),
            "links.default must be an object, got 5");
}

TEST(LinkModel, BandwidthMustBeANumberAtLeastZero) {
  EXPECT_EQ(ParseError(R"({"default": {"bandwidthMBps": -1}})", "links.default.bandwidthMBps"),
            "links.default.bandwidthMBps must be a number >= 0, got -1");
  EXPECT_EQ(ParseError(R"({"default": {"bandwidthMBps": "50"}})", "links.default.bandwidthMBps"),
            "links.default.bandwidthMBps must be a number >= 0, got \"50\"");
  EXPECT_EQ(ParseError(R"({"default": {"bandwidthMBps": true}})", "links.default.bandwidthMBps"),
            "links.default.bandwidthMBps must be a number >= 0, got true");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "b"}, {"from": "a", "to": "c"},
                                     {"from": "a", "to": "d", "bandwidthMBps": -5}]})",
                       "links.pairs[2].bandwidthMBps"),
            "links.pairs[2].bandwidthMBps must be a number >= 0, got -5");
}

TEST(LinkModel, ANotANumberBandwidthIsRefused) {
  const json links = {{"default", {{"bandwidthMBps", std::nan("")}}}};
  Result<LinkModel> model = LinkModel::FromJson(links);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model.status().target(), "links.default.bandwidthMBps");
}

TEST(LinkModel, BandwidthHasAnUpperBound) {
  EXPECT_EQ(ParseError(R"({"default": {"bandwidthMBps": 1e10}})", "links.default.bandwidthMBps"),
            "links.default.bandwidthMBps must be at most 1000000000.0, got 10000000000.0");
  EXPECT_EQ(Parse(R"({"default": {"bandwidthMBps": 1e9}})").default_link().bytes_per_second,
            kMaxLinkBandwidthMBps * kMB);
}

TEST(LinkModel, LatencyMustBeAnIntegerInRange) {
  const std::string target = "links.pairs[0].latencyMs";
  auto pair_with = [](const std::string& latency) {
    return R"({"pairs": [{"from": "a", "to": "b", "latencyMs": )" + latency + "}]}";
  };
  EXPECT_EQ(ParseError(pair_with("-1"), target),
            "links.pairs[0].latencyMs must be an integer from 0 to 60000, got -1");
  EXPECT_EQ(ParseError(pair_with("60001"), target),
            "links.pairs[0].latencyMs must be an integer from 0 to 60000, got 60001");
  EXPECT_EQ(ParseError(pair_with("1.5"), target),
            "links.pairs[0].latencyMs must be an integer from 0 to 60000, got 1.5");
  EXPECT_EQ(ParseError(pair_with("18446744073709551615"), target),
            "links.pairs[0].latencyMs must be an integer from 0 to 60000, got "
            "18446744073709551615");
  EXPECT_EQ(Parse(pair_with("60000")).For("a", "b").latency_ms, kMaxLinkLatencyMs);
}

TEST(LinkModel, PairsMustBeAnArrayOfObjects) {
  EXPECT_EQ(ParseError(R"({"pairs": {}})", "links.pairs"), "links.pairs must be an array, got {}");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "b"}, "c"]})", "links.pairs[1]"),
            "links.pairs[1] must be an object, got \"c\"");
}

TEST(LinkModel, APairNeedsBothRegionsAsNonEmptyStrings) {
  EXPECT_EQ(ParseError(R"({"pairs": [{"to": "b"}]})", "links.pairs[0].from"),
            "links.pairs[0].from is missing (a region name)");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a"}]})", "links.pairs[0].to"),
            "links.pairs[0].to is missing (a region name)");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": 5, "to": "b"}]})", "links.pairs[0].from"),
            "links.pairs[0].from must be a region name, got 5");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "  "}]})", "links.pairs[0].to"),
            "links.pairs[0].to must be a region name, got \"  \"");
}

TEST(LinkModel, APairFromARegionToItselfIsAnError) {
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "East US", "to": "eastus"}]})", "links.pairs[0]"),
            "links.pairs[0] links eastus to itself; copies inside a region are never throttled");
}

TEST(LinkModel, SymmetricMustBeABoolean) {
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "b", "symmetric": "no"}]})",
                       "links.pairs[0].symmetric"),
            "links.pairs[0].symmetric must be true or false, got \"no\"");
}

TEST(LinkModel, APairSetTwiceIsAnError) {
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "b"}, {"from": "A", "to": "B"}]})",
                       "links.pairs[1]"),
            "links.pairs[1] sets a -> b again (links.pairs[0] set it)");
  // A symmetric entry sets the reverse direction too.
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "a", "to": "b"},
                                     {"from": "b", "to": "a", "symmetric": false}]})",
                       "links.pairs[1]"),
            "links.pairs[1] sets b -> a again (links.pairs[0] set it)");
  EXPECT_EQ(ParseError(R"({"pairs": [{"from": "c", "to": "d"},
                                     {"from": "a", "to": "b", "symmetric": false},
                                     {"from": "b", "to": "a"}]})",
                       "links.pairs[2]"),
            "links.pairs[2] sets a -> b again (links.pairs[1] set it)");
}

TEST(LinkModel, TheExampleConfigurationParsesAndCoversTheDefaultCatalog) {
  std::ifstream file(GALLERY_LINKS_EXAMPLE);
  ASSERT_TRUE(file) << GALLERY_LINKS_EXAMPLE;
  const json config = json::parse(file);
  Result<LinkModel> model = LinkModel::FromJson(config.at("links"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  // Every pair names catalog regions, and every pair of catalog regions has a limited link
  // with a latency (the default covers the pairs not listed).
  const domain::RegionCatalog catalog = domain::RegionCatalog::Default();
  std::set<std::string> names;
  for (const domain::Region& region : catalog.regions()) {
    names.insert(region.name);
  }
  for (const json& pair : config["links"]["pairs"]) {
    EXPECT_TRUE(names.count(pair["from"].get<std::string>())) << pair.dump();
    EXPECT_TRUE(names.count(pair["to"].get<std::string>())) << pair.dump();
  }
  for (const std::string& from : names) {
    for (const std::string& to : names) {
      if (from == to) {
        continue;
      }
      const Link link = model->For(from, to);
      EXPECT_FALSE(link.unlimited_bandwidth()) << from << " -> " << to;
      EXPECT_GT(link.latency_ms, 0) << from << " -> " << to;
      EXPECT_EQ(link, model->For(to, from)) << from << " -> " << to;
    }
  }
  EXPECT_EQ(model->For("eastus", "westeurope"), (Link{200 * kMB, 85}));
  EXPECT_EQ(model->For("centralus", "eastus"), model->default_link());
}

}  // namespace
}  // namespace gallery::replication
