#pragma once
// Test helpers for the metadata layer: resources with every field set, and field-by-field
// comparison that names the field that differs. Tests only.

#include <gtest/gtest.h>

#include <string>

#include "common/resource_id.h"
#include "metadata/metadata_store.h"
#include "domain/disk_rules.h"

namespace gallery::metadata::fixtures {

inline ResourceId GroupId(const std::string& sub, const std::string& rg) {
  return ResourceId::ForResourceGroup(sub, rg);
}

inline ResourceId GalleryId(const std::string& sub, const std::string& rg,
                            const std::string& gallery) {
  return ResourceId::ForResource(sub, rg, "Microsoft.Compute", {{"galleries", gallery}});
}

inline ResourceId ImageId(const std::string& sub, const std::string& rg, const std::string& gallery,
                          const std::string& image) {
  return GalleryId(sub, rg, gallery).Child("images", image);
}

inline ResourceId VersionId(const std::string& sub, const std::string& rg,
                            const std::string& gallery, const std::string& image,
                            const std::string& version) {
  return ImageId(sub, rg, gallery, image).Child("versions", version);
}

inline ResourceId ManagedImageId(const std::string& sub, const std::string& rg,
                                 const std::string& name) {
  return ResourceId::ForResource(sub, rg, "Microsoft.Compute", {{"images", name}});
}

inline ResourceId DiskId(const std::string& sub, const std::string& rg, const std::string& name) {
  return ResourceId::ForResource(sub, rg, "Microsoft.Compute", {{"disks", name}});
}

inline domain::TrackedResource FullMeta(ResourceId id) {
  domain::TrackedResource meta;
  meta.id = std::move(id);
  meta.location = "southcentralus";
  meta.tags = {{"team", "platform"}, {"cost-center", "42"}, {"empty", ""}};
  meta.provisioning_state = domain::ProvisioningState::kUpdating;
  meta.operation_id = "0b6f2d0c-8a0e-4f7e-9d3b-1c2a3b4c5d6e";
  meta.created_at = 1700000000123;
  meta.updated_at = 1700000999456;
  return meta;
}

inline domain::ResourceGroup FullGroup() {
  return domain::ResourceGroup{FullMeta(GroupId("Sub-1", "Rg-One"))};
}

inline domain::Gallery FullGallery() {
  domain::Gallery g;
  g.meta = FullMeta(GalleryId("Sub-1", "Rg-One", "Gal1"));
  g.description = "Golden images \"quoted\" and ünïcode";
  g.unique_name = "sub-1-GAL1";
  g.extra = {{"sharingProfile", {{"permissions", "Groups"}}},
             {"softDeletePolicy", {{"isSoftDeleteEnabled", true}}}};
  return g;
}

inline domain::GalleryImage FullImage() {
  domain::GalleryImage image;
  image.meta = FullMeta(ImageId("Sub-1", "Rg-One", "Gal1", "Ubuntu"));
  image.description = "Ubuntu server";
  image.os_type = domain::OsType::kWindows;
  image.os_state = domain::OsState::kSpecialized;
  image.hyper_v_generation = domain::HyperVGeneration::kV2;
  image.architecture = domain::Architecture::kArm64;
  image.identifier = {"Canonical", "UbuntuServer", "22_04-lts"};
  image.end_of_life = 1900000000000;
  image.recommended_vcpus = {1, 16};
  image.recommended_memory = {2, std::nullopt};
  image.extra = {{"eula", "https://example.com/eula"}, {"features", nlohmann::json::array()}};
  return image;
}

inline domain::GalleryImageVersion FullVersion() {
  domain::GalleryImageVersion v;
  v.meta = FullMeta(VersionId("Sub-1", "Rg-One", "Gal1", "Ubuntu", "1.10.3"));
  v.version = SemVer{1, 10, 3};
  domain::TargetRegion south;
  south.name = "southcentralus";
  south.regional_replica_count = 3;
  south.storage_account_type = "Premium_LRS";
  south.exclude_from_latest = true;
  south.extra = {{"encryption", {{"osDiskImage", {{"diskEncryptionSetId", "/x"}}}}}};
  domain::TargetRegion east;
  east.name = "eastus";
  east.storage_account_type = "Standard_LRS";
  v.target_regions = {south, east};
  v.replica_count = 2;
  v.exclude_from_latest = true;
  v.end_of_life = 1950000000000;
  v.published_date = 1700000000999;
  v.storage_account_type = "Standard_ZRS";
  v.replication_mode = "Shallow";
  v.source_id = "/subscriptions/Sub-1/resourceGroups/Rg-One/providers/Microsoft.Compute/images/m";
  v.os_disk_image = {std::nullopt, 30, domain::HostCaching::kReadWrite};
  v.data_disk_images = {{0, 100, domain::HostCaching::kNone},
                        {1, 200, domain::HostCaching::kReadOnly}};
  v.data_disk_images[1].manifest_id = "m-version-lun1";
  v.data_disk_images[1].size_bytes = (int64_t{200} << 30) - 4096;
  v.data_disk_images[1].vhd_footer = std::string("conectix\0\x02\xfe", 11);
  v.replicas = {{"southcentralus", 0, "southcentralus", domain::ReplicationState::kCompleted,
                 {"m-os", "m-data"}, "", 0, 0},
                {"eastus", 1, "eastus-2", domain::ReplicationState::kReplicating, {},
                 "attempt 1 failed: disk full", 1, 1700000000000}};
  v.extra_publishing = {{"targetExtendedLocations", nlohmann::json::array()}};
  v.extra = {{"safetyProfile", {{"allowDeletionOfReplicatedLocations", false}}}};
  return v;
}

inline domain::ManagedImage FullManagedImage() {
  domain::ManagedImage m;
  m.meta = FullMeta(ManagedImageId("Sub-1", "Rg-One", "Base"));
  m.os_type = domain::OsType::kWindows;
  m.os_state = domain::OsState::kSpecialized;
  m.hyper_v_generation = domain::HyperVGeneration::kV2;
  m.os_disk.blob_uri = "https://store.example/vhds/os.vhd";
  m.os_disk.caching = domain::HostCaching::kReadWrite;
  m.os_disk.disk_size_gb = 64;
  m.os_disk.storage_account_type = "Premium_LRS";
  m.os_disk.extra = {{"diskEncryptionSet", {{"id", "/des"}}}};
  m.os_disk.manifest_id = "m-image-os";
  m.os_disk.size_bytes = int64_t{64} << 30;
  m.os_disk.vhd_footer = std::string("conectix\0\x03\xfd", 11);
  domain::ImageDisk data;
  data.lun = 3;
  data.managed_disk_id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d";
  domain::ImageDisk snapshot;
  snapshot.lun = 4;
  snapshot.snapshot_id = "/subscriptions/s/resourceGroups/r/providers/x/snapshots/s1";
  snapshot.caching = domain::HostCaching::kNone;
  m.data_disks = {data, snapshot};
  m.zone_resilient = true;
  m.source_virtual_machine_id = "/subscriptions/s/resourceGroups/r/providers/x/virtualMachines/v";
  m.extra = {{"unknownFuture", 7}};
  return m;
}

// ---- comparison, field by field so a failure names the field

inline void ExpectSameMeta(const domain::TrackedResource& a, const domain::TrackedResource& b) {
  EXPECT_EQ(a.id.ToString(), b.id.ToString());  // the casing is kept, not just the key
  EXPECT_EQ(a.location, b.location);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.provisioning_state, b.provisioning_state);
  EXPECT_EQ(a.operation_id, b.operation_id);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

inline void ExpectSameDetails(const domain::ResourceGroup&, const domain::ResourceGroup&) {}

inline void ExpectSameDetails(const domain::Gallery& a, const domain::Gallery& b) {
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.unique_name, b.unique_name);
  EXPECT_EQ(a.extra, b.extra);
}

inline void ExpectSameDetails(const domain::GalleryImage& a, const domain::GalleryImage& b) {
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.os_type, b.os_type);
  EXPECT_EQ(a.os_state, b.os_state);
  EXPECT_EQ(a.hyper_v_generation, b.hyper_v_generation);
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(a.identifier.publisher, b.identifier.publisher);
  EXPECT_EQ(a.identifier.offer, b.identifier.offer);
  EXPECT_EQ(a.identifier.sku, b.identifier.sku);
  EXPECT_EQ(a.end_of_life, b.end_of_life);
  EXPECT_EQ(a.recommended_vcpus, b.recommended_vcpus);
  EXPECT_EQ(a.recommended_memory, b.recommended_memory);
  EXPECT_EQ(a.extra, b.extra);
}

inline void ExpectSameDisk(const domain::DiskImage& a, const domain::DiskImage& b) {
  EXPECT_EQ(a.lun, b.lun);
  EXPECT_EQ(a.size_in_gb, b.size_in_gb);
  EXPECT_EQ(a.host_caching, b.host_caching);
  EXPECT_EQ(a.manifest_id, b.manifest_id);
  EXPECT_EQ(a.size_bytes, b.size_bytes);
  EXPECT_EQ(a.vhd_footer, b.vhd_footer);
}

inline void ExpectSameDetails(const domain::GalleryImageVersion& a,
                              const domain::GalleryImageVersion& b) {
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.target_regions.size(), b.target_regions.size());
  for (size_t i = 0; i < a.target_regions.size(); ++i) {
    SCOPED_TRACE("target region " + std::to_string(i));
    EXPECT_EQ(a.target_regions[i].name, b.target_regions[i].name);
    EXPECT_EQ(a.target_regions[i].regional_replica_count,
              b.target_regions[i].regional_replica_count);
    EXPECT_EQ(a.target_regions[i].storage_account_type, b.target_regions[i].storage_account_type);
    EXPECT_EQ(a.target_regions[i].exclude_from_latest, b.target_regions[i].exclude_from_latest);
    EXPECT_EQ(a.target_regions[i].extra, b.target_regions[i].extra);
  }
  EXPECT_EQ(a.replica_count, b.replica_count);
  EXPECT_EQ(a.exclude_from_latest, b.exclude_from_latest);
  EXPECT_EQ(a.end_of_life, b.end_of_life);
  EXPECT_EQ(a.published_date, b.published_date);
  EXPECT_EQ(a.storage_account_type, b.storage_account_type);
  EXPECT_EQ(a.replication_mode, b.replication_mode);
  EXPECT_EQ(a.source_id, b.source_id);
  ExpectSameDisk(a.os_disk_image, b.os_disk_image);
  ASSERT_EQ(a.data_disk_images.size(), b.data_disk_images.size());
  for (size_t i = 0; i < a.data_disk_images.size(); ++i) {
    SCOPED_TRACE("data disk " + std::to_string(i));
    ExpectSameDisk(a.data_disk_images[i], b.data_disk_images[i]);
  }
  EXPECT_EQ(a.replicas, b.replicas);
  EXPECT_EQ(a.extra_publishing, b.extra_publishing);
  EXPECT_EQ(a.extra, b.extra);
}

inline void ExpectSameDetails(const domain::ManagedImage& a, const domain::ManagedImage& b) {
  EXPECT_EQ(a.os_type, b.os_type);
  EXPECT_EQ(a.os_state, b.os_state);
  EXPECT_EQ(a.hyper_v_generation, b.hyper_v_generation);
  EXPECT_EQ(a.os_disk, b.os_disk);  // ImageDisk has ==, including extra
  EXPECT_EQ(a.data_disks, b.data_disks);
  EXPECT_EQ(a.zone_resilient, b.zone_resilient);
  EXPECT_EQ(a.source_virtual_machine_id, b.source_virtual_machine_id);
  EXPECT_EQ(a.extra, b.extra);
}

inline domain::Disk FullDisk() {
  domain::Disk d;
  d.meta = FullMeta(DiskId("Sub-1", "Rg-One", "Disk-1"));
  d.sku_name = "Premium_LRS";
  d.os_type = domain::OsType::kLinux;
  d.hyper_v_generation = domain::HyperVGeneration::kV2;
  d.upload_size_bytes = (int64_t{64} << 20) + 512;
  d.disk_size_bytes = int64_t{64} << 20;
  d.state = domain::DiskState::kActiveSAS;
  d.unique_id = "0b7e1f9c-4c2e-4d1a-9a51-6f0f2d3e4a5b";
  d.time_created = 1700000000123;
  d.grants = {{"grant-1", domain::DiskAccessLevel::kRead, 1700000003600},
              {"grant-2", domain::DiskAccessLevel::kRead, 1700000007200}};
  d.manifest_id = "manifest-1";
  d.vhd_footer = std::string("conectix\0\x01\xff", 11);
  d.extra = {{"encryption", {{"type", "EncryptionAtRestWithPlatformKey"}}}};
  return d;
}

inline void ExpectSameDetails(const domain::Disk& a, const domain::Disk& b) {
  EXPECT_EQ(a.sku_name, b.sku_name);
  EXPECT_EQ(a.os_type, b.os_type);
  EXPECT_EQ(a.hyper_v_generation, b.hyper_v_generation);
  EXPECT_EQ(a.create_option, b.create_option);
  EXPECT_EQ(a.upload_size_bytes, b.upload_size_bytes);
  EXPECT_EQ(a.disk_size_bytes, b.disk_size_bytes);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.unique_id, b.unique_id);
  EXPECT_EQ(a.time_created, b.time_created);
  EXPECT_EQ(a.grants, b.grants);
  EXPECT_EQ(a.manifest_id, b.manifest_id);
  EXPECT_EQ(a.vhd_footer, b.vhd_footer);
  EXPECT_EQ(a.extra, b.extra);
}

// Same alternative and every field equal.
inline void ExpectSameResource(const Resource& a, const Resource& b) {
  ASSERT_EQ(a.index(), b.index()) << TypeOf(a) << " vs " << TypeOf(b);
  std::visit(
      [&](const auto& x) {
        const auto& y = std::get<std::decay_t<decltype(x)>>(b);
        ExpectSameMeta(x.meta, y.meta);
        ExpectSameDetails(x, y);
      },
      a);
}

// One fully populated resource of every type.
inline std::vector<Resource> EveryResourceType() {
  return {FullGroup(), FullGallery(), FullImage(), FullVersion(), FullManagedImage(), FullDisk()};
}

}  // namespace gallery::metadata::fixtures
