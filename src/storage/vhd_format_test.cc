#include "storage/vhd_format.h"

#include <gtest/gtest.h>

#include "storage/image_test_util.h"

namespace gallery::storage {
namespace {

using testing::kMiB;

std::span<const uint8_t, kVhdFooterSize> LastSector(const std::vector<uint8_t>& b) {
  return std::span<const uint8_t, kVhdFooterSize>(b.data() + b.size() - kVhdFooterSize,
                                                  kVhdFooterSize);
}

std::span<const uint8_t, kVhdDynamicHeaderSize> HeaderAt(const std::vector<uint8_t>& b, size_t at) {
  return std::span<const uint8_t, kVhdDynamicHeaderSize>(b.data() + at, kVhdDynamicHeaderSize);
}

// Fixed and dynamic VHDs of a 16 MiB disk made by qemu-img, shared by the tests.
class VhdFormatTest : public testing::QemuImagesTest {
 protected:
  void SetUp() override {
    QemuImagesTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    fixed_ = testing::ReadBytes(images().fixed);
    dynamic_ = testing::ReadBytes(images().dynamic);
  }

  std::vector<uint8_t> fixed_;
  std::vector<uint8_t> dynamic_;
};

TEST_F(VhdFormatTest, ParsesTheFooterQemuImgWritesForAFixedDisk) {
  Result<VhdFooter> f = ParseVhdFooter(LastSector(fixed_));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(std::string(f->cookie.data(), 8), "conectix");
  EXPECT_EQ(f->type(), VhdDiskType::kFixed);
  EXPECT_EQ(f->data_offset, kVhdNoDataOffset);
  EXPECT_EQ(f->current_size, 16 * kMiB);
  EXPECT_EQ(f->original_size, 16 * kMiB);
  EXPECT_EQ(f->file_format_version, 0x00010000u);
  EXPECT_EQ(std::string(f->creator_application.data(), 4), "qem2");
  EXPECT_EQ(std::string(f->creator_host_os.data(), 4), "Wi2k");
  EXPECT_NE(f->unique_id, VhdUniqueId{});
  EXPECT_EQ(f->checksum, testing::GetBe32(fixed_, fixed_.size() - 512 + 64));
}

TEST_F(VhdFormatTest, SerializingAParsedFooterGivesBackTheSameBytes) {
  for (const auto* image : {&fixed_, &dynamic_}) {
    Result<VhdFooter> f = ParseVhdFooter(LastSector(*image));
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    std::array<uint8_t, kVhdFooterSize> bytes = SerializeVhdFooter(*f);
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), LastSector(*image).begin()));
  }
}

TEST_F(VhdFormatTest, AnExportEndsWithAFixedUploadsOwnFooterOrOneMadeForTheDisk) {
  // A fixed VHD's footer comes back byte for byte.
  const auto own = LastSector(fixed_);
  const std::string original(own.begin(), own.end());
  Result<VhdFooter> parsed = ParseVhdFooter(own);
  ASSERT_TRUE(parsed.ok());
  const auto kept = ExportFooter(parsed->current_size, original, 0, "");
  EXPECT_TRUE(std::equal(kept.begin(), kept.end(), own.begin()));
  // Without one (or with bytes that are no footer): a fixed footer for the size, stamped with
  // the time given and the uuid's digits as its unique id.
  for (const std::string& none : {std::string(), std::string(512, 'x')}) {
    const auto made = ExportFooter(uint64_t{20} << 20, none, 1'800'000'000'000,
                                   "0123abcd-0000-4000-8000-00000000ffff");
    Result<VhdFooter> f = ParseVhdFooter(made);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->type(), VhdDiskType::kFixed);
    EXPECT_EQ(f->current_size, uint64_t{20} << 20);
    const VhdUniqueId want = {0x01, 0x23, 0xab, 0xcd, 0x00, 0x00, 0x40, 0x00,
                              0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff};
    EXPECT_EQ(f->unique_id, want);
    EXPECT_EQ(made, ExportFooter(uint64_t{20} << 20, none, 1'800'000'000'000,
                                 "0123abcd-0000-4000-8000-00000000ffff"));  // stable
  }
}

TEST_F(VhdFormatTest, SerializeKeepsReservedBytesAndRecomputesTheChecksum) {
  Result<VhdFooter> f = ParseVhdFooter(LastSector(fixed_));
  ASSERT_TRUE(f.ok());
  f->reserved[10] = 0x5a;
  f->checksum = 0;
  std::array<uint8_t, kVhdFooterSize> bytes = SerializeVhdFooter(*f);
  Result<VhdFooter> again = ParseVhdFooter(bytes);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->reserved[10], 0x5a);
  EXPECT_EQ(again->checksum, VhdFooterChecksum(*f));
}

TEST_F(VhdFormatTest, ABadCookieIsInvalidArgumentNamingTheCookie) {
  fixed_[fixed_.size() - 512] = 'X';
  Result<VhdFooter> f = ParseVhdFooter(LastSector(fixed_));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().reason(), kInvalidVhdReason);
  EXPECT_NE(f.status().message().find("cookie is 'Xonectix', expected 'conectix'"),
            std::string::npos)
      << f.status().message();
}

TEST_F(VhdFormatTest, ABadChecksumIsInvalidArgumentWithBothValues) {
  fixed_[fixed_.size() - 512 + 48] ^= 0x01;  // a bit of the current size
  Result<VhdFooter> f = ParseVhdFooter(LastSector(fixed_));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().reason(), kInvalidVhdReason);
  EXPECT_NE(f.status().message().find("checksum is 0x"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("expected 0x"), std::string::npos);
}

TEST(VhdFooterFieldsTest, AFooterFromFixedFooterForPasses) {
  EXPECT_TRUE(CheckVhdFooterFields(FixedFooterFor(20 << 20, std::nullopt, 0, {})).ok());
  VhdFooter spec_offset = FixedFooterFor(20 << 20, std::nullopt, 0, {});
  spec_offset.data_offset = 0xFFFFFFFF;  // the 32 bits the specification names
  EXPECT_TRUE(CheckVhdFooterFields(spec_offset).ok());
}

TEST(VhdFooterFieldsTest, ZeroGeometryAnotherMajorVersionOrAFixedDataOffsetAreInvalidVhd) {
  VhdFooter chs = FixedFooterFor(20 << 20, std::nullopt, 0, {});
  chs.geometry.heads = 0;
  Status s = CheckVhdFooterFields(chs);
  EXPECT_EQ(s.reason(), kInvalidVhdReason);
  EXPECT_NE(s.message().find("/0/"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(", expected none of them 0"), std::string::npos) << s.message();
  VhdFooter version = FixedFooterFor(20 << 20, std::nullopt, 0, {});
  version.file_format_version = 0x00020000;
  s = CheckVhdFooterFields(version);
  EXPECT_EQ(s.reason(), kInvalidVhdReason);
  EXPECT_NE(s.message().find("version is 0x00020000"), std::string::npos) << s.message();
  VhdFooter offset = FixedFooterFor(20 << 20, std::nullopt, 0, {});
  offset.data_offset = 512;
  s = CheckVhdFooterFields(offset);
  EXPECT_EQ(s.reason(), kInvalidVhdReason);
  EXPECT_NE(s.message().find("data offset is 512, expected 0xFFFFFFFF"), std::string::npos)
      << s.message();
  // A dynamic disk's data offset names its header: not judged here.
  offset.disk_type = static_cast<uint32_t>(VhdDiskType::kDynamic);
  EXPECT_TRUE(CheckVhdFooterFields(offset).ok());
}

TEST(VhdGeometryTest, FollowsTheSpecificationsAlgorithm) {
  // Hand-computed with the specification's appendix: small disks use 17 sectors per track,
  // then 31, then 63, and from 65535 x 16 x 63 sectors on 255, capped at 65535 x 16 x 255.
  EXPECT_EQ(GeometryFor(8 * kMiB), (VhdGeometry{240, 4, 17}));
  EXPECT_EQ(GeometryFor(1ull << 30), (VhdGeometry{2080, 16, 63}));
  EXPECT_EQ(GeometryFor(20 * kMiB), (VhdGeometry{602, 4, 17}));
  EXPECT_EQ(GeometryFor(127ull << 30), (VhdGeometry{65278, 16, 255}));
  EXPECT_EQ(GeometryFor(128ull << 30), (VhdGeometry{65535, 16, 255}));
  EXPECT_EQ(GeometryFor(2ull << 40), (VhdGeometry{65535, 16, 255}));
  EXPECT_EQ(GeometryFor(0), (VhdGeometry{0, 4, 17}));
}

TEST(VhdGeometryTest, NeverCoversMoreThanTheDisk) {
  for (uint64_t mib : {1, 3, 20, 100, 500, 4000, 30000}) {
    const VhdGeometry g = GeometryFor(mib * kMiB);
    const uint64_t chs = uint64_t{g.cylinders} * g.heads * g.sectors_per_track * 512;
    EXPECT_LE(chs, mib * kMiB) << mib;
    EXPECT_GT(chs, mib * kMiB * 9 / 10) << mib;
  }
}

TEST(VhdTimestampTest, CountsSecondsFrom2000) {
  EXPECT_EQ(VhdTimestampOf(946684800000), 0u);
  EXPECT_EQ(VhdTimestampOf(946684800000 + 86400 * 1000), 86400u);
  EXPECT_EQ(VhdTimestampOf(0), 0u);
}

TEST_F(VhdFormatTest, FixedFooterForAFixedUploadIsTheOriginalUnchanged) {
  Result<VhdFooter> original = ParseVhdFooter(LastSector(fixed_));
  ASSERT_TRUE(original.ok());
  const VhdFooter f = FixedFooterFor(16 * kMiB, *original, 0, {});
  EXPECT_EQ(f, *original);
  std::array<uint8_t, kVhdFooterSize> bytes = SerializeVhdFooter(f);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), LastSector(fixed_).begin()));
}

TEST_F(VhdFormatTest, FixedFooterForADynamicUploadKeepsItsIdentityAsAFixedDisk) {
  Result<VhdFooter> original = ParseVhdFooter(LastSector(dynamic_));
  ASSERT_TRUE(original.ok());
  ASSERT_EQ(original->type(), VhdDiskType::kDynamic);
  const VhdFooter f = FixedFooterFor(16 * kMiB, *original, 123456789, {});
  EXPECT_EQ(f.type(), VhdDiskType::kFixed);
  EXPECT_EQ(f.data_offset, kVhdNoDataOffset);
  EXPECT_EQ(f.checksum, VhdFooterChecksum(f));
  EXPECT_NE(f.checksum, original->checksum);
  EXPECT_EQ(f.unique_id, original->unique_id);
  EXPECT_EQ(f.timestamp, original->timestamp);
  EXPECT_EQ(f.creator_application, original->creator_application);
  EXPECT_EQ(f.current_size, original->current_size);
  EXPECT_EQ(f.geometry, original->geometry);
  EXPECT_TRUE(ParseVhdFooter(SerializeVhdFooter(f)).ok());
}

TEST(VhdFixedFooterTest, ANewFooterNamesGalleryTheTimeAndTheCallersUniqueId) {
  const VhdUniqueId id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const TimestampMs now = (946684800 + 1000) * int64_t{1000};
  const VhdFooter f = FixedFooterFor(20 * kMiB, std::nullopt, now, id);
  EXPECT_EQ(std::string(f.cookie.data(), 8), "conectix");
  EXPECT_EQ(std::string(f.creator_application.data(), 4), "win ");
  EXPECT_EQ(std::string(f.creator_host_os.data(), 4), "Wi2k");
  EXPECT_EQ(f.timestamp, 1000u);
  EXPECT_EQ(f.unique_id, id);
  EXPECT_EQ(f.type(), VhdDiskType::kFixed);
  EXPECT_EQ(f.data_offset, kVhdNoDataOffset);
  EXPECT_EQ(f.current_size, 20 * kMiB);
  EXPECT_EQ(f.original_size, 20 * kMiB);
  EXPECT_EQ(f.geometry, GeometryFor(20 * kMiB));
  EXPECT_EQ(f.features, 2u);
  EXPECT_EQ(f.file_format_version, 0x00010000u);
  Result<VhdFooter> parsed = ParseVhdFooter(SerializeVhdFooter(f));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, f);
}

TEST_F(VhdFormatTest, FixedFooterForAFixedOriginalOfAnotherSizeTakesTheNewSize) {
  Result<VhdFooter> original = ParseVhdFooter(LastSector(fixed_));
  ASSERT_TRUE(original.ok());
  const VhdFooter f = FixedFooterFor(32 * kMiB, *original, 0, {});
  EXPECT_EQ(f.current_size, 32 * kMiB);
  EXPECT_EQ(f.unique_id, original->unique_id);
  EXPECT_EQ(f.checksum, VhdFooterChecksum(f));
}

TEST_F(VhdFormatTest, ParsesTheDynamicHeaderQemuImgWrites) {
  Result<VhdFooter> f = ParseVhdFooter(LastSector(dynamic_));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->data_offset, 512u);
  Result<VhdDynamicHeader> h = ParseVhdDynamicHeader(HeaderAt(dynamic_, 512));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->block_size, 2 * kMiB);
  EXPECT_EQ(h->max_table_entries, 8u);
  EXPECT_EQ(h->table_offset, 1536u);
  EXPECT_EQ(h->data_offset, kVhdNoDataOffset);
  EXPECT_FALSE(h->HasParent());
  EXPECT_EQ(h->ParentNameUtf8(), "");
  EXPECT_EQ(VhdBitmapBytes(h->block_size), 512u);
}

TEST_F(VhdFormatTest, DynamicHeaderRefusesABadCookieOrChecksum) {
  std::vector<uint8_t> bad_cookie = dynamic_;
  bad_cookie[512] = 'X';
  Result<VhdDynamicHeader> h = ParseVhdDynamicHeader(HeaderAt(bad_cookie, 512));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(h.status().message().find("dynamic header cookie is 'Xxsparse', expected 'cxsparse'"),
            std::string::npos)
      << h.status().message();

  std::vector<uint8_t> bad_sum = dynamic_;
  bad_sum[512 + 30] ^= 1;
  h = ParseVhdDynamicHeader(HeaderAt(bad_sum, 512));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().reason(), kInvalidVhdReason);
  EXPECT_NE(h.status().message().find("dynamic header checksum"), std::string::npos)
      << h.status().message();
}

TEST_F(VhdFormatTest, DynamicHeaderRefusesBlockSizesThatAreNotPowersOfTwoOrTooSmall) {
  for (uint32_t block_size : {3u * 1024 * 1024, 256u * 1024, 0u, 512u * 1024 * 1024}) {
    std::vector<uint8_t> b = dynamic_;
    testing::PutBe32(b, 512 + 32, block_size);
    testing::FixDynamicHeaderChecksum(b, 512);
    Result<VhdDynamicHeader> h = ParseVhdDynamicHeader(HeaderAt(b, 512));
    ASSERT_FALSE(h.ok()) << block_size;
    EXPECT_NE(h.status().message().find("block size is " + std::to_string(block_size)),
              std::string::npos)
        << h.status().message();
  }
  std::vector<uint8_t> b = dynamic_;
  testing::PutBe32(b, 512 + 32, 512 * 1024);
  testing::FixDynamicHeaderChecksum(b, 512);
  EXPECT_TRUE(ParseVhdDynamicHeader(HeaderAt(b, 512)).ok());
}

TEST_F(VhdFormatTest, DynamicHeaderRefusesAnotherVersion) {
  testing::PutBe32(dynamic_, 512 + 24, 0x00020000);
  testing::FixDynamicHeaderChecksum(dynamic_, 512);
  Result<VhdDynamicHeader> h = ParseVhdDynamicHeader(HeaderAt(dynamic_, 512));
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("version is 0x00020000"), std::string::npos)
      << h.status().message();
}

TEST_F(VhdFormatTest, DynamicHeaderReadsTheParentOfADifferencingDisk) {
  const std::u16string name = u"base\u00e9.vhd";
  for (size_t i = 0; i < name.size(); ++i) {
    dynamic_[512 + 64 + 2 * i] = static_cast<uint8_t>(name[i] >> 8);
    dynamic_[512 + 64 + 2 * i + 1] = static_cast<uint8_t>(name[i]);
  }
  dynamic_[512 + 40] = 0xab;  // parent unique id
  testing::FixDynamicHeaderChecksum(dynamic_, 512);
  Result<VhdDynamicHeader> h = ParseVhdDynamicHeader(HeaderAt(dynamic_, 512));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_TRUE(h->HasParent());
  EXPECT_EQ(h->parent_unicode_name, name);
  EXPECT_EQ(h->ParentNameUtf8(), "base\xc3\xa9.vhd");
  EXPECT_EQ(h->parent_unique_id[0], 0xab);
}

}  // namespace
}  // namespace gallery::storage
