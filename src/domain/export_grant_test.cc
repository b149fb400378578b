#include "domain/export_grant.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

constexpr TimestampMs kNow = 1'700'000'000'500;

ResourceId ImageId() {
  return ResourceId::Parse(
             "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/"
             "images/img1")
      .value();
}

ManagedImage ImageWithDisks() {
  ManagedImage image;
  image.meta.id = ImageId();
  image.os_disk.manifest_id = "m-os";
  ImageDisk data0;
  data0.lun = 0;
  data0.manifest_id = "m-lun0";
  ImageDisk data3;
  data3.lun = 3;
  data3.manifest_id = "m-lun3";
  image.data_disks = {data0, data3};
  return image;
}

TEST(ExportGrantTest, WithoutALunTheOsDiskIsExported) {
  EXPECT_EQ(ExportedManifest(ImageWithDisks(), std::nullopt).value(), "m-os");
}

TEST(ExportGrantTest, ALunSelectsThatDataDisk) {
  EXPECT_EQ(ExportedManifest(ImageWithDisks(), 3).value(), "m-lun3");
  EXPECT_EQ(ExportedManifest(ImageWithDisks(), 0).value(), "m-lun0");
}

TEST(ExportGrantTest, AnUnknownLunIsInvalidAndNamesTheLunsThereAre) {
  Result<std::string> r = ExportedManifest(ImageWithDisks(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_EQ(r.status().target(), "lun");
  EXPECT_NE(r.status().message().find("0, 3"), std::string::npos) << r.status().message();
}

TEST(ExportGrantTest, ADiskWithoutDataYetIsNotExportable) {
  ManagedImage image = ImageWithDisks();
  image.os_disk.manifest_id.clear();
  Result<std::string> r = ExportedManifest(image, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "OperationNotAllowed");
}

TEST(ExportGrantTest, AFailedImageSaysItNeverWillHoldDataAndHowToRecreateIt) {
  ManagedImage image = ImageWithDisks();
  image.os_disk.manifest_id.clear();
  EXPECT_EQ(ExportedManifest(image, std::nullopt).status().message(),
            "The image 'img1' holds no data for its OS disk yet; try again when its provisioning "
            "succeeded.");
  image.meta.provisioning_state = ProvisioningState::kFailed;
  Result<std::string> r = ExportedManifest(image, std::nullopt);
  EXPECT_EQ(r.status().reason(), "OperationNotAllowed");
  EXPECT_EQ(r.status().message(),
            "The image 'img1' holds no data for its OS disk: its provisioning failed, so it never "
            "will. Create it again with a valid source (a PUT of the same name replaces a failed "
            "image: gallery image create -g rg1 -n img1 --source ...).");
}

TEST(ExportGrantTest, AVersionsDiskImagesAreSelectedTheSameWay) {
  GalleryImageVersion version;
  version.os_disk_image.manifest_id = "v-os";
  DiskImage data;
  data.lun = 2;
  data.manifest_id = "v-lun2";
  version.data_disk_images = {data};
  EXPECT_EQ(ExportedManifest(version, std::nullopt).value(), "v-os");
  EXPECT_EQ(ExportedManifest(version, 2).value(), "v-lun2");
  EXPECT_EQ(ExportedManifest(version, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(ExportGrantTest, AReadGrantExpiresAfterItsDurationInWholeSeconds) {
  ExportAccessInput in{DiskAccessLevel::kRead, 60, std::nullopt};
  ExportGrant grant = NewExportGrant(ImageId(), "m-os", in, "g1", kNow).value();
  EXPECT_EQ(grant.id, "g1");
  EXPECT_EQ(grant.resource, ImageId());
  EXPECT_EQ(grant.manifest_id, "m-os");
  EXPECT_EQ(grant.created_at, kNow);
  EXPECT_EQ(grant.expires_at, 1'700'000'060'000);
  in.duration_seconds.reset();
  EXPECT_EQ(NewExportGrant(ImageId(), "m-os", in, "g1", kNow)->expires_at, 1'700'003'600'000);
}

TEST(ExportGrantTest, WriteAccessIsRefused) {
  ExportAccessInput in{DiskAccessLevel::kWrite, 60, std::nullopt};
  Result<ExportGrant> r = NewExportGrant(ImageId(), "m-os", in, "g1", kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_EQ(r.status().target(), "grantAccessData.access");
}

TEST(ExportGrantTest, AMissingAccessOrABadDurationIsRefused) {
  Result<ExportGrant> missing = NewExportGrant(ImageId(), "m", {}, "g1", kNow);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  for (int64_t seconds : {int64_t{0}, int64_t{86401}}) {
    Result<ExportGrant> r =
        NewExportGrant(ImageId(), "m", {DiskAccessLevel::kRead, seconds, std::nullopt}, "g1", kNow);
    ASSERT_FALSE(r.ok()) << seconds;
    EXPECT_EQ(r.status().target(), "grantAccessData.durationInSeconds");
  }
}

}  // namespace
}  // namespace gallery::domain
