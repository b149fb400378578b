#include "domain/region_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::set<std::string> Names(const RegionCatalog& catalog, bool (*keep)(const Region&)) {
  std::set<std::string> out;
  for (const Region& r : catalog.regions()) {
    if (keep(r)) {
      out.insert(r.name);
    }
  }
  return out;
}

TEST(RegionCatalogDefaultTest, GalleriesMayBeCreatedInTheSpecsFiveRegions) {
  EXPECT_THAT(Names(RegionCatalog::Default(), [](const Region& r) { return r.gallery_host; }),
              UnorderedElementsAre("westcentralus", "eastus2", "southcentralus", "southeastasia",
                                   "westeurope"));
}

TEST(RegionCatalogDefaultTest, VersionsReplicateToTheSpecsThirteenRegions) {
  EXPECT_THAT(Names(RegionCatalog::Default(), [](const Region& r) { return r.replication_target; }),
              UnorderedElementsAre("southcentralus", "eastus", "eastus2", "westus", "westus2",
                                   "centralus", "northcentralus", "canadacentral", "canadaeast",
                                   "northeurope", "westeurope", "southindia", "southeastasia"));
}

TEST(RegionCatalogDefaultTest, EveryRegionHasItsDisplayName) {
  RegionCatalog catalog = RegionCatalog::Default();
  EXPECT_EQ(catalog.regions().size(), 14u);
  Result<Region> r = catalog.Resolve("southcentralus", "location");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->display_name, "South Central US");
}

TEST(RegionCatalogResolveTest, DisplayAndShortNamesResolveToTheSameRegion) {
  RegionCatalog catalog = RegionCatalog::Default();
  for (const char* name : {"southcentralus", "South Central US", "south central us",
                           "SOUTHCENTRALUS", " South  Central US ", "SouthCentralUs"}) {
    Result<Region> r = catalog.Resolve(name, "location");
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    EXPECT_EQ(r->name, "southcentralus") << name;
  }
}

TEST(RegionCatalogResolveTest, UnknownRegionIsLocationNotAvailableWithTheAllowedList) {
  Result<Region> r = RegionCatalog::Default().Resolve("chinanorth", "location");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "LocationNotAvailableForResourceType");
  EXPECT_EQ(r.status().target(), "location");
  EXPECT_THAT(r.status().message(), HasSubstr("'chinanorth'"));
  EXPECT_THAT(r.status().message(), HasSubstr("westcentralus"));
  EXPECT_THAT(r.status().message(), HasSubstr("southindia"));
}

TEST(RegionCatalogResolveTest, GalleryRegionAcceptsGalleryHostsInAnyForm) {
  RegionCatalog catalog = RegionCatalog::Default();
  for (const char* name :
       {"westcentralus", "East US 2", "south central us", "Southeast Asia", "WESTEUROPE"}) {
    EXPECT_TRUE(catalog.ResolveGalleryRegion(name, "location").ok()) << name;
  }
}

TEST(RegionCatalogResolveTest, ReplicationOnlyRegionIsNotAGalleryRegion) {
  Result<Region> r = RegionCatalog::Default().ResolveGalleryRegion("East US", "location");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "LocationNotAvailableForResourceType");
  EXPECT_THAT(r.status().message(), HasSubstr("'East US'"));
  EXPECT_THAT(r.status().message(), HasSubstr("galleries"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("westcentralus, eastus2, southcentralus, southeastasia, westeurope."));
  EXPECT_THAT(r.status().message(),
              ::testing::StartsWith("The location 'East US' is not available for galleries."));
}

TEST(RegionCatalogResolveTest, GalleryOnlyRegionIsNotAReplicationRegion) {
  RegionCatalog catalog = RegionCatalog::Default();
  Result<Region> r = catalog.ResolveReplicationRegion("West Central US", "targetRegions[0].name");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "LocationNotAvailableForResourceType");
  EXPECT_EQ(r.status().target(), "targetRegions[0].name");
  EXPECT_THAT(r.status().message(),
              HasSubstr("The location 'West Central US' in targetRegions[0].name is not"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("westcentralus")));
  EXPECT_TRUE(catalog.ResolveReplicationRegion("North Europe", "x").ok());
}

TEST(NormalizeRegionNameTest, LowerCasesAndDropsSpaces) {
  EXPECT_EQ(NormalizeRegionName("South Central US"), "southcentralus");
  EXPECT_EQ(NormalizeRegionName(" West\tUS 2 "), "westus2");
}

// --- FromJson ---

void ExpectBadConfig(const nlohmann::json& config, const std::string& why) {
  Result<RegionCatalog> r = RegionCatalog::FromJson(config);
  ASSERT_FALSE(r.ok()) << config.dump();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidConfiguration");
  EXPECT_EQ(r.status().target(), "regions");
  EXPECT_THAT(r.status().message(), HasSubstr(why));
}

TEST(RegionCatalogFromJsonTest, ReadsRegionsAndTheirFlags) {
  Result<RegionCatalog> r = RegionCatalog::FromJson(nlohmann::json::parse(R"({"regions":[
      {"name":"site1","displayName":"Site One","galleries":true,"replication":true},
      {"displayName":"Site Two","replication":true},
      {"name":"site3"}]})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->regions().size(), 3u);
  EXPECT_EQ(r->regions()[0].name, "site1");
  EXPECT_TRUE(r->regions()[0].gallery_host);
  EXPECT_EQ(r->regions()[1].name, "sitetwo");
  EXPECT_FALSE(r->regions()[1].gallery_host);
  EXPECT_TRUE(r->regions()[1].replication_target);
  EXPECT_EQ(r->regions()[2].display_name, "site3");
  EXPECT_FALSE(r->regions()[2].replication_target);
  Result<Region> one = r->ResolveGalleryRegion("site one", "location");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->name, "site1");
}

TEST(RegionCatalogFromJsonTest, NonObjectOrMissingRegionsArrayIsRefused) {
  ExpectBadConfig(nlohmann::json::array(), "array 'regions'");
  ExpectBadConfig(nlohmann::json::object(), "array 'regions'");
  ExpectBadConfig({{"regions", "westus"}}, "array 'regions'");
}

TEST(RegionCatalogFromJsonTest, RegionWithoutAnyNameIsRefused) {
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":[{"galleries":true}]})"), "'name'");
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":["westus"]})"), "'name'");
}

TEST(RegionCatalogFromJsonTest, EmptyNameIsRefused) {
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":[{"name":" ","galleries":true}]})"),
                  "empty name");
}

TEST(RegionCatalogFromJsonTest, NonBooleanFlagIsRefused) {
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":[{"name":"a","galleries":"yes"}]})"),
                  "'galleries' of region 'a'");
}

TEST(RegionCatalogFromJsonTest, RepeatedRegionIsRefused) {
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":[
      {"name":"westus","galleries":true},{"displayName":"West US"}]})"),
                  "region 'westus' is listed twice");
}

TEST(RegionCatalogFromJsonTest, CatalogWithoutGalleryHostIsRefused) {
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":[{"name":"a","replication":true}]})"),
                  "no region allows galleries");
  ExpectBadConfig(nlohmann::json::parse(R"({"regions":[]})"), "no region allows galleries");
}

// --- stores ---

TEST(RegionCatalogStoresTest, EveryRegionHasOneStoreNamedLikeItByDefault) {
  const RegionCatalog catalog = RegionCatalog::Default();
  for (const Region& r : catalog.regions()) {
    EXPECT_EQ(r.stores, (std::vector<StoreLocation>{{r.name, ""}})) << r.name;
  }
  Result<RegionCatalog> c = RegionCatalog::FromJson(
      nlohmann::json::parse(R"({"regions":[{"name":"a","galleries":true}]})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->regions()[0].stores, (std::vector<StoreLocation>{{"a", ""}}));
}

TEST(RegionCatalogStoresTest, StoresTakeNamesAndPaths) {
  Result<RegionCatalog> c = RegionCatalog::FromJson(nlohmann::json::parse(R"({"regions":[
      {"name":"a","galleries":true,"stores":[{"path":"/mnt/one"},{"path":"/mnt/two"},
                                             {"name":"a-fast","path":"/ssd/a"}]},
      {"name":"b","replication":true,"stores":[{"name":"b"},{}]}]})"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->regions()[0].stores,
            (std::vector<StoreLocation>{{"a", "/mnt/one"}, {"a-2", "/mnt/two"},
                                        {"a-fast", "/ssd/a"}}));
  EXPECT_EQ(c->regions()[1].stores, (std::vector<StoreLocation>{{"b", ""}, {"b-2", ""}}));
  EXPECT_EQ(c->Stores().size(), 5u);
  EXPECT_EQ(c->Stores()[3], (StoreLocation{"b", ""}));
  EXPECT_EQ(c->StoreNamesOf("a"), (std::vector<std::string>{"a", "a-2", "a-fast"}));
  EXPECT_EQ(c->StoreNamesOf("B"), (std::vector<std::string>{"b", "b-2"}));  // any casing
  EXPECT_TRUE(c->StoreNamesOf("elsewhere").empty());
  EXPECT_EQ(c->RegionOfStore("a-fast"), "a");
  EXPECT_EQ(c->RegionOfStore("b-2"), "b");
  EXPECT_EQ(c->RegionOfStore("nowhere"), "");
}

TEST(RegionCatalogStoresTest, BadStoresAreRefused) {
  auto with = [](const std::string& stores) {
    return nlohmann::json::parse(R"({"regions":[{"name":"a","galleries":true,"stores":)" +
                                 stores + R"(},{"name":"b"}]})");
  };
  ExpectBadConfig(with("[]"), "'stores' of region 'a' must be a non-empty array");
  ExpectBadConfig(with("{}"), "'stores' of region 'a' must be a non-empty array");
  ExpectBadConfig(with("[3]"), "[0] must be an object");
  ExpectBadConfig(with(R"([{"name":"other"}])"), "[0].name must be the region's name 'a'");
  ExpectBadConfig(with(R"([{},{"name":"../x"}])"), "[1].name must be a plain folder name");
  ExpectBadConfig(with(R"([{},{"name":"A"}])"), "[1].name must be a plain folder name");
  ExpectBadConfig(with(R"([{},{"name":7}])"), "[1].name must be a plain folder name");
  ExpectBadConfig(with(R"([{"path":""}])"), "[0].path must be a non-empty string");
  ExpectBadConfig(with(R"([{"path":1}])"), "[0].path must be a non-empty string");
  ExpectBadConfig(with(R"([{},{"name":"a-2"},{"name":"a-2"}])"), "store name 'a-2'");
  ExpectBadConfig(with(R"([{},{"name":"b"}])"), "store name 'b' of region 'a' is used twice");
}

}  // namespace
}  // namespace gallery::domain
