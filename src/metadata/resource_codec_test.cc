#include "metadata/resource_codec.h"

#include <gtest/gtest.h>

#include "metadata/test_resources.h"

namespace gallery::metadata {
namespace {

using fixtures::EveryResourceType;
using fixtures::ExpectSameResource;
using nlohmann::json;

// Decodes what EncodeResource wrote for `r`, through text as the store does.
Result<Resource> RoundTrip(const Resource& r) {
  return DecodeResource(TypeOf(r), json::parse(EncodeResource(r).dump()));
}

void ExpectCorrupt(const Result<Resource>& r, const std::string& id, const std::string& detail) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal) << r.status().ToString();
  EXPECT_NE(r.status().message().find("'" + id + "'"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find(detail), std::string::npos) << r.status().ToString();
}

TEST(ResourceCodecTest, EveryTypeWithEveryFieldSetRoundTrips) {
  for (const Resource& original : EveryResourceType()) {
    SCOPED_TRACE(TypeOf(original));
    Result<Resource> back = RoundTrip(original);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSameResource(original, *back);
  }
}

TEST(ResourceCodecTest, UnsetOptionalFieldsStayUnsetAndAreAbsentFromTheDocument) {
  domain::GalleryImage image = fixtures::FullImage();
  image.architecture.reset();
  image.end_of_life.reset();
  image.recommended_vcpus = {};
  domain::GalleryImageVersion version = fixtures::FullVersion();
  version.end_of_life.reset();
  version.target_regions[0].regional_replica_count.reset();
  version.target_regions[0].exclude_from_latest.reset();
  version.data_disk_images.clear();
  version.replicas.clear();
  domain::ManagedImage managed = fixtures::FullManagedImage();
  managed.os_disk.caching.reset();
  managed.os_disk.disk_size_gb.reset();
  managed.data_disks.clear();

  json image_doc = EncodeResource(image);
  EXPECT_FALSE(image_doc["properties"].contains("architecture"));
  EXPECT_FALSE(image_doc["properties"].contains("end_of_life"));
  EXPECT_EQ(image_doc["properties"]["recommended_vcpus"], json::object());
  json version_doc = EncodeResource(version);
  EXPECT_FALSE(version_doc["properties"].contains("end_of_life"));
  EXPECT_FALSE(version_doc["properties"]["target_regions"][0].contains("regional_replica_count"));
  EXPECT_FALSE(version_doc["properties"]["os_disk_image"].contains("lun"));

  for (const Resource& original : std::vector<Resource>{image, version, managed}) {
    SCOPED_TRACE(TypeOf(original));
    Result<Resource> back = RoundTrip(original);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSameResource(original, *back);
  }
}

TEST(ResourceCodecTest, ADiskStoredWithOneGrantReadsAsAListOfOneAndBadFootersAreCorrupt) {
  domain::Disk disk = fixtures::FullDisk();
  json doc = EncodeResource(disk);
  // As stored before disks held several grants.
  doc["properties"].erase("grants");
  doc["properties"]["grant"] = {{"id", "g0"}, {"level", "Read"}, {"expires_at", 1700000003600}};
  Result<Resource> back = DecodeResource(domain::Disk::kType, doc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<domain::Disk>(*back).grants,
            (std::vector<domain::DiskAccessGrant>{
                {"g0", domain::DiskAccessLevel::kRead, 1700000003600}}));

  json image = EncodeResource(fixtures::FullManagedImage());
  image["properties"]["os_disk"]["vhd_footer"] = "not base64!";
  ExpectCorrupt(DecodeResource(domain::ManagedImage::kType, image),
                fixtures::FullManagedImage().meta.id.ToString(), "vhd_footer' is not base64url");
}

TEST(ResourceCodecTest, ExtrasAreKeptVerbatimEvenWhenNotObjects) {
  domain::GalleryImageVersion version = fixtures::FullVersion();
  version.extra = nullptr;
  version.extra_publishing = json::array({1, "two"});
  Result<Resource> back = RoundTrip(version);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameResource(version, *back);
}

TEST(ResourceCodecTest, ExplicitNullOptionalFieldsReadAsUnset) {
  json doc = EncodeResource(fixtures::FullImage());
  doc["properties"]["architecture"] = nullptr;
  doc["properties"]["end_of_life"] = nullptr;
  Result<Resource> back = DecodeResource(domain::GalleryImage::kType, doc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(std::get<domain::GalleryImage>(*back).architecture.has_value());
  EXPECT_FALSE(std::get<domain::GalleryImage>(*back).end_of_life.has_value());
}

TEST(ResourceCodecTest, DocumentUsesStableFieldNamesAndFormatVersion) {
  domain::Gallery g;
  g.meta.id = fixtures::GalleryId("s1", "Rg", "G1");
  g.meta.location = "eastus";
  g.meta.tags = {{"k", "v"}};
  g.meta.provisioning_state = domain::ProvisioningState::kSucceeded;
  g.meta.created_at = 5;
  g.meta.updated_at = 6;
  g.description = "d";
  g.unique_name = "s1-G1";
  g.extra = {{"x", 1}};
  EXPECT_EQ(EncodeResource(g), json::parse(R"({
    "v": 1,
    "id": "/subscriptions/s1/resourceGroups/Rg/providers/Microsoft.Compute/galleries/G1",
    "location": "eastus", "tags": {"k": "v"}, "provisioning_state": "Succeeded",
    "operation_id": "", "created_at": 5, "updated_at": 6,
    "properties": {"description": "d", "unique_name": "s1-G1", "extra": {"x": 1}}})"));

  json v = EncodeResource(fixtures::FullVersion())["properties"];
  EXPECT_EQ(v["version"], "1.10.3");
  EXPECT_EQ(v["os_disk_image"], json::parse(R"({"size_in_gb": 30, "host_caching": "ReadWrite"})"));
  EXPECT_EQ(v["replicas"][1], json::parse(R"({"region": "eastus", "index": 1,
                            "store": "eastus-2", "state": "Replicating", "manifests": [],
                            "details": "attempt 1 failed: disk full", "attempts": 1,
                            "retry_at": 1700000000000})"));
  EXPECT_EQ(EncodeResource(fixtures::FullImage())["properties"]["architecture"], "Arm64");
}

TEST(ResourceCodecTest, TypeIsMatchedCaseInsensitivelyAndUnknownFieldsAreIgnored) {
  json doc = EncodeResource(fixtures::FullGallery());
  doc["added_by_a_later_build"] = true;
  doc["properties"]["also_new"] = {1, 2};
  Result<Resource> back = DecodeResource("MICROSOFT.COMPUTE/GALLERIES", doc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameResource(fixtures::FullGallery(), *back);
}

TEST(ResourceCodecTest, CorruptDocumentsAreInternalNamingTheResource) {
  const std::string id = fixtures::FullGallery().meta.id.ToString();
  const json good = EncodeResource(fixtures::FullGallery());
  const char* type = domain::Gallery::kType;

  ExpectCorrupt(DecodeResource(type, json::array()), "<unknown>", "not a JSON object");
  json no_id = good;
  no_id.erase("id");
  ExpectCorrupt(DecodeResource(type, no_id), "<unknown>", "'id'");

  json future = good;
  future["v"] = 2;
  ExpectCorrupt(DecodeResource(type, future), id, "format version");
  json no_version = good;
  no_version.erase("v");
  ExpectCorrupt(DecodeResource(type, no_version), id, "format version");

  json bad_id = good;
  bad_id["id"] = "not/an/id";
  ExpectCorrupt(DecodeResource(type, bad_id), "not/an/id", "not a resource id");
  ExpectCorrupt(DecodeResource(domain::GalleryImage::kType, good), id, "not of type");

  json missing = good;
  missing["properties"].erase("unique_name");
  ExpectCorrupt(DecodeResource(type, missing), id, "'properties.unique_name' is missing");
  json wrong_kind = good;
  wrong_kind["created_at"] = "yesterday";
  ExpectCorrupt(DecodeResource(type, wrong_kind), id, "'created_at' is not a 64-bit integer");
  json bad_enum = good;
  bad_enum["provisioning_state"] = "Sleeping";
  ExpectCorrupt(DecodeResource(type, bad_enum), id, "unknown value 'Sleeping'");
  json bad_tags = good;
  bad_tags["tags"]["n"] = 3;
  ExpectCorrupt(DecodeResource(type, bad_tags), id, "'tags'");
  json no_properties = good;
  no_properties["properties"] = "x";
  ExpectCorrupt(DecodeResource(type, no_properties), id, "'properties' is not an object");
}

TEST(ResourceCodecTest, CorruptNestedVersionFieldsAreInternal) {
  const domain::GalleryImageVersion version = fixtures::FullVersion();
  const std::string id = version.meta.id.ToString();
  const char* type = domain::GalleryImageVersion::kType;
  const json good = EncodeResource(version);

  json bad_semver = good;
  bad_semver["properties"]["version"] = "1.x";
  ExpectCorrupt(DecodeResource(type, bad_semver), id, "'properties.version'");
  json overflow = good;
  overflow["properties"]["replica_count"] = int64_t{1} << 40;
  ExpectCorrupt(DecodeResource(type, overflow), id, "not a 32-bit integer");
  json huge = good;
  huge["properties"]["published_date"] = uint64_t{1} << 63;
  ExpectCorrupt(DecodeResource(type, huge), id, "not a 64-bit integer");
  json region = good;
  region["properties"]["target_regions"][1].erase("name");
  ExpectCorrupt(DecodeResource(type, region), id, "'properties.target_regions[1].name'");
  json not_array = good;
  not_array["properties"]["replicas"] = json::object();
  ExpectCorrupt(DecodeResource(type, not_array), id, "not an array");
  json element = good;
  element["properties"]["data_disk_images"][0] = 5;
  ExpectCorrupt(DecodeResource(type, element), id, "'properties.data_disk_images[0]'");
  json caching = good;
  caching["properties"]["os_disk_image"]["host_caching"] = "Sometimes";
  ExpectCorrupt(DecodeResource(type, caching), id, "os_disk_image.host_caching");
  json flag = good;
  flag["properties"]["exclude_from_latest"] = 1;
  ExpectCorrupt(DecodeResource(type, flag), id, "not a boolean");
}

TEST(ResourceCodecTest, UnknownStoredTypeIsInternal) {
  json doc = EncodeResource(fixtures::FullGallery());
  doc["id"] = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/snapshots/d";
  ExpectCorrupt(DecodeResource("Microsoft.Compute/snapshots", doc),
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/snapshots/d",
                "not a stored resource type");
}

TEST(ResourceCodecTest, VersionsStoredBeforeReplicasExistedDecodeWithoutThem) {
  json doc = EncodeResource(fixtures::FullVersion());
  ASSERT_EQ(doc["properties"]["replicas"].size(), 2u);
  doc["properties"].erase("replicas");
  doc["properties"]["replication"] = json::array();  // what such documents held instead
  Result<Resource> back = DecodeResource(domain::GalleryImageVersion::kType, doc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(std::get<domain::GalleryImageVersion>(*back).replicas.empty());
}

TEST(ResourceCodecTest, ReplicaManifestsMustBeStrings) {
  json doc = EncodeResource(fixtures::FullVersion());
  doc["properties"]["replicas"][0]["manifests"] = json::array({1});
  Result<Resource> back = DecodeResource(domain::GalleryImageVersion::kType, doc);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("manifests"), std::string::npos);
}

}  // namespace
}  // namespace gallery::metadata
