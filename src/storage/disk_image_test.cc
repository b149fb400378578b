#include "storage/disk_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "storage/chunk_digest.h"
#include "storage/image_test_util.h"

namespace gallery::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::kMiB;

constexpr uint64_t kDiskSize = testing::kTestDiskSize;
// Offsets in qemu-img's dynamic VHD: footer copy, dynamic header, BAT.
constexpr size_t kHeaderAt = 512;
constexpr size_t kBatAt = 1536;

// qemu-img's fixed and dynamic VHDs of a 16 MiB raw disk (data in blocks 0, 2, 3, 4 and 7 of
// 2 MiB; blocks 1, 5 and 6 all zero), made once; each test writes its own upload blobs.
class DiskImageTest : public testing::QemuImagesTest {
 protected:
  void SetUp() override {
    QemuImagesTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    raw_ = images().raw_bytes;
    fixed_ = testing::ReadBytes(images().fixed);
    dynamic_ = testing::ReadBytes(images().dynamic);
    ASSERT_EQ(fixed_.size(), kDiskSize + 512);
  }

  // Writes `image` as an upload blob (see WriteUploadBlob) and returns its path.
  std::string Blob(const std::vector<uint8_t>& image, uint64_t length, bool sparse = false) {
    const std::string path = dir.File("blob" + std::to_string(blobs_++));
    testing::WriteUploadBlob(path, image, length, sparse);
    return path;
  }
  uint64_t DynamicLength() const { return testing::DynamicUploadLength(dynamic_.size()); }

  // Opens an upload expected to be refused; returns the status.
  Status Refused(const std::vector<uint8_t>& image, uint64_t length,
                 DeclaredFormat declared = DeclaredFormat::kVhd) {
    Result<std::unique_ptr<VirtualDisk>> disk =
        OpenDiskImage(Blob(image, length), length, declared, &info_);
    EXPECT_FALSE(disk.ok());
    return disk.ok() ? Status::Ok() : disk.status();
  }

  // Mutations that keep the checksums valid.
  void SetDynamicFooter32(size_t field, uint32_t v) {
    for (size_t at : {size_t{0}, dynamic_.size() - 512}) {
      testing::PutBe32(dynamic_, at + field, v);
      testing::FixFooterChecksum(dynamic_, at);
    }
  }
  void SetDynamicFooter64(size_t field, uint64_t v) {
    for (size_t at : {size_t{0}, dynamic_.size() - 512}) {
      testing::PutBe64(dynamic_, at + field, v);
      testing::FixFooterChecksum(dynamic_, at);
    }
  }
  void SetHeader32(size_t field, uint32_t v) {
    testing::PutBe32(dynamic_, kHeaderAt + field, v);
    testing::FixDynamicHeaderChecksum(dynamic_, kHeaderAt);
  }
  void SetFixedFooter64(size_t field, uint64_t v) {
    testing::PutBe64(fixed_, fixed_.size() - 512 + field, v);
    testing::FixFooterChecksum(fixed_, fixed_.size() - 512);
  }
  uint32_t BatEntry(size_t i) const { return testing::GetBe32(dynamic_, kBatAt + 4 * i); }
  void SetBatEntry(size_t i, uint32_t v) { testing::PutBe32(dynamic_, kBatAt + 4 * i, v); }

  std::vector<uint8_t> raw_;
  std::vector<uint8_t> fixed_;
  std::vector<uint8_t> dynamic_;
  DiskImageInfo info_;
  int blobs_ = 0;
};

// Reads the whole disk in odd-sized pieces at odd offsets from two threads at once and
// compares with the raw bytes.
void ExpectReadsAs(const VirtualDisk& disk, const std::vector<uint8_t>& raw) {
  ASSERT_EQ(disk.size(), raw.size());
  auto read_all = [&](uint64_t piece, uint64_t start, bool* same) {
    std::vector<uint8_t> buf;
    *same = true;
    for (uint64_t off = start; off < raw.size(); off += piece) {
      buf.resize(std::min<uint64_t>(piece, raw.size() - off));
      Status s = disk.ReadAt(off, buf);
      if (!s.ok() || !std::equal(buf.begin(), buf.end(), raw.begin() + off)) {
        ADD_FAILURE() << "ReadAt(" << off << ", " << buf.size() << "): " << s.ToString();
        *same = false;
        return;
      }
    }
  };
  bool same_a = false;
  bool same_b = false;
  std::thread a(read_all, 300 * 1024 + 7, 0, &same_a);
  std::thread b(read_all, 1 * kMiB + 333, 511, &same_b);
  a.join();
  b.join();
  EXPECT_TRUE(same_a);
  EXPECT_TRUE(same_b);
}

// KnownZero is never true for a window holding a non-zero byte.
void ExpectKnownZeroNeverLies(const VirtualDisk& disk, const std::vector<uint8_t>& raw) {
  for (uint64_t piece : {uint64_t{4096}, uint64_t{65536 + 512}, uint64_t{2 * kMiB}}) {
    for (uint64_t off = 0; off + piece <= raw.size(); off += piece) {
      if (disk.KnownZero(off, piece)) {
        EXPECT_TRUE(IsAllZero({raw.data() + off, piece})) << off << " + " << piece;
      }
    }
  }
}

// DataExtents lists, in order and inside the window, every byte that is not zero.
void ExpectDataExtentsNeverLie(const VirtualDisk& disk, const std::vector<uint8_t>& raw) {
  for (uint64_t piece : {uint64_t{4096}, uint64_t{65536 + 512}, uint64_t{4 * kMiB}}) {
    for (uint64_t off = 0; off + piece <= raw.size(); off += piece) {
      uint64_t at = off;  // bytes before `at` are checked
      for (const DataExtent& e : disk.DataExtents(off, piece)) {
        ASSERT_GE(e.offset, at) << off << " + " << piece;
        ASSERT_GT(e.length, 0u);
        EXPECT_TRUE(IsAllZero({raw.data() + at, e.offset - at})) << at << " to " << e.offset;
        at = e.end();
      }
      ASSERT_LE(at, off + piece);
      EXPECT_TRUE(IsAllZero({raw.data() + at, off + piece - at})) << at << " to " << off + piece;
    }
  }
}

void ExpectKnownZero(const VirtualDisk& disk, uint64_t begin, uint64_t end) {
  EXPECT_TRUE(disk.KnownZero(begin, end - begin)) << "[" << begin << ", " << end << ")";
}

void ExpectNotKnownZero(const VirtualDisk& disk, uint64_t begin, uint64_t end) {
  EXPECT_FALSE(disk.KnownZero(begin, end - begin)) << "[" << begin << ", " << end << ")";
}

// The refusal is InvalidArgument with `reason`, and its message holds every one of `words`.
void ExpectRefusal(const Status& s, std::string_view reason,
                   std::initializer_list<std::string_view> words) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.reason(), reason) << s.ToString();
  for (std::string_view w : words) {
    EXPECT_NE(s.message().find(w), std::string::npos) << "'" << w << "' not in: " << s.message();
  }
}

TEST_F(DiskImageTest, AFixedVhdUploadReadsAsTheRawDisk) {
  const std::string path = Blob(fixed_, fixed_.size());
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(path, fixed_.size(), DeclaredFormat::kVhd, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  EXPECT_EQ(info_.format, ImageFormat::kVhdFixed);
  EXPECT_EQ(info_.virtual_size, kDiskSize);
  ASSERT_TRUE(info_.footer.has_value());
  EXPECT_EQ(info_.footer->type(), VhdDiskType::kFixed);
  ExpectReadsAs(**disk, raw_);
  ExpectKnownZeroNeverLies(**disk, raw_);
  ExpectDataExtentsNeverLie(**disk, raw_);
  // A fully written file has no holes: nothing is known to be zero.
  ExpectNotKnownZero(**disk, 2 * kMiB, 4 * kMiB);
  EXPECT_THAT((*disk)->DataExtents(2 * kMiB, 2 * kMiB),
              ElementsAre(DataExtent{2 * kMiB, 2 * kMiB}));
}

TEST_F(DiskImageTest, AFixedVhdUploadInASparseFileSkipsTheNeverWrittenRanges) {
  const std::string path = Blob(fixed_, fixed_.size(), /*sparse=*/true);
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(path, fixed_.size(), DeclaredFormat::kVhd, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  ExpectReadsAs(**disk, raw_);
  ExpectKnownZeroNeverLies(**disk, raw_);
  ExpectKnownZero(**disk, 2 * kMiB, 4 * kMiB);
  ExpectKnownZero(**disk, 10 * kMiB, 14 * kMiB);
  ExpectKnownZero(**disk, 5 * kMiB, 7 * kMiB);
  ExpectNotKnownZero(**disk, 0, 4096);
  ExpectNotKnownZero(**disk, 4 * kMiB, 5 * kMiB);
  ExpectNotKnownZero(**disk, kDiskSize - 512, kDiskSize);
  ExpectDataExtentsNeverLie(**disk, raw_);
  EXPECT_THAT((*disk)->DataExtents(2 * kMiB, 2 * kMiB), IsEmpty());
  // Out of range is never known.
  EXPECT_FALSE((*disk)->KnownZero(kDiskSize - 512, 1024));
  EXPECT_THAT((*disk)->DataExtents(kDiskSize - 512, 1024),
              ElementsAre(DataExtent{kDiskSize - 512, 1024}));
}

TEST_F(DiskImageTest, ADynamicVhdUploadPaddedLikeAClientReadsAsTheRawDisk) {
  for (bool sparse : {false, true}) {
    SCOPED_TRACE(sparse ? "sparse" : "written");
    const uint64_t length = DynamicLength();
    ASSERT_GT(length, dynamic_.size());
    Result<std::unique_ptr<VirtualDisk>> disk =
        OpenDiskImage(Blob(dynamic_, length, sparse), length, DeclaredFormat::kVhd, &info_);
    ASSERT_TRUE(disk.ok()) << disk.status().ToString();
    EXPECT_EQ(info_.format, ImageFormat::kVhdDynamic);
    EXPECT_EQ(info_.virtual_size, kDiskSize);
    EXPECT_EQ(info_.footer->type(), VhdDiskType::kDynamic);
    ExpectReadsAs(**disk, raw_);
    ExpectKnownZeroNeverLies(**disk, raw_);
    // Unallocated blocks 1, 5 and 6 are known zero whether or not the file is sparse.
    ExpectKnownZero(**disk, 2 * kMiB, 4 * kMiB);
    ExpectKnownZero(**disk, 10 * kMiB, 14 * kMiB);
    ExpectKnownZero(**disk, 2 * kMiB + 17, 2 * kMiB + 100);
    ExpectNotKnownZero(**disk, 0, 512);
    ExpectNotKnownZero(**disk, 3 * kMiB, 5 * kMiB);
    ExpectNotKnownZero(**disk, 14 * kMiB, kDiskSize);
    // Inside allocated block 2 (data only at 4 MiB + 100 KiB), the pieces the client skipped
    // are holes of the file.
    EXPECT_EQ((*disk)->KnownZero(5 * kMiB, kMiB / 2), sparse);
    ExpectDataExtentsNeverLie(**disk, raw_);
    EXPECT_THAT((*disk)->DataExtents(10 * kMiB, 4 * kMiB), IsEmpty());
    EXPECT_EQ((*disk)->DataExtents(5 * kMiB, kMiB / 2).empty(), sparse);
  }
}

TEST_F(DiskImageTest, ADynamicVhdOfExactlyWholeMiBPlusTheFooterNeedsNoPadding) {
  // The blob is the VHD file itself when its size is already n MiB + 512: append zeros before
  // the footer until it is.
  const uint64_t length = DynamicLength();
  std::vector<uint8_t> exact(length, 0);
  std::copy(dynamic_.begin(), dynamic_.end() - 512, exact.begin());
  std::copy(dynamic_.end() - 512, dynamic_.end(), exact.end() - 512);
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(Blob(exact, exact.size()), exact.size(), DeclaredFormat::kVhd, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  ExpectReadsAs(**disk, raw_);
}

TEST_F(DiskImageTest, ADynamicBlocksSectorBitmapDecidesWhichSectorsHoldData) {
  // qemu-img marks every sector of an allocated block present; clear sector 3 of block 0
  // (bit 4 of the bitmap's first byte, most significant bit first).
  const uint64_t bitmap_at = uint64_t{BatEntry(0)} * 512;
  ASSERT_EQ(dynamic_[bitmap_at], 0xff);
  dynamic_[bitmap_at] = 0xef;
  std::fill(raw_.begin() + 3 * 512, raw_.begin() + 4 * 512, 0);
  const uint64_t length = DynamicLength();
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(Blob(dynamic_, length), length, DeclaredFormat::kVhd, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  ExpectReadsAs(**disk, raw_);
  std::vector<uint8_t> sector(512, 0xaa);
  ASSERT_TRUE((*disk)->ReadAt(3 * 512, sector).ok());
  EXPECT_TRUE(IsAllZero(sector));
  ExpectKnownZero(**disk, 3 * 512, 4 * 512);
  ExpectKnownZero(**disk, 3 * 512 + 100, 3 * 512 + 200);
  ExpectNotKnownZero(**disk, 2 * 512, 4 * 512);
}

TEST_F(DiskImageTest, ReadsOutsideTheDiskAreInvalidArgument) {
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(Blob(dynamic_, DynamicLength()), DynamicLength(), DeclaredFormat::kVhd, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  std::vector<uint8_t> buf(1024);
  EXPECT_EQ((*disk)->ReadAt(kDiskSize - 512, buf).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*disk)->ReadAt(UINT64_MAX - 10, buf).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE((*disk)->KnownZero(UINT64_MAX - 10, 100));
}

TEST_F(DiskImageTest, ARawDeclaredFileIsTheDiskItself) {
  const std::string path = dir.File("disk.img");
  testing::WriteUploadBlob(path, raw_, raw_.size() + 512, /*sparse=*/true);
  // `length` may be less than the file: only that prefix is the disk.
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(path, raw_.size(), DeclaredFormat::kRaw, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  EXPECT_EQ(info_.format, ImageFormat::kRaw);
  EXPECT_EQ(info_.virtual_size, kDiskSize);
  EXPECT_FALSE(info_.footer.has_value());
  ExpectReadsAs(**disk, raw_);
  ExpectKnownZeroNeverLies(**disk, raw_);
  ExpectKnownZero(**disk, 10 * kMiB, 14 * kMiB);
}

TEST_F(DiskImageTest, ARawDiskMustBeWholeSectors) {
  for (uint64_t length : {uint64_t{0}, uint64_t{1000}, kDiskSize - 1}) {
    ExpectRefusal(Refused(raw_, length, DeclaredFormat::kRaw), "",
                  {"raw disk is " + std::to_string(length), "multiple of 512"});
  }
}

TEST_F(DiskImageTest, AVhdDeclaredRawIsRefused) {
  ExpectRefusal(Refused(fixed_, fixed_.size(), DeclaredFormat::kRaw), kUnsupportedFormatReason,
                {"declared raw", "fixed VHD", "Upload it as a VHD"});
  EXPECT_EQ(info_.format, ImageFormat::kVhdFixed);
}

TEST_F(DiskImageTest, MissingFileIsNotFoundAndAShortFileUnavailable) {
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(dir.File("absent"), 4096, DeclaredFormat::kVhd, &info_);
  ASSERT_FALSE(disk.ok());
  EXPECT_EQ(disk.status().code(), StatusCode::kNotFound);
  disk = OpenDiskImage(Blob(fixed_, fixed_.size()), fixed_.size() + kMiB, DeclaredFormat::kVhd,
                       nullptr);
  ASSERT_FALSE(disk.ok());
  EXPECT_EQ(disk.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(disk.status().message().find("shorter than"), std::string::npos);
}

// --- malformed uploads --------------------------------------------------------------------

TEST_F(DiskImageTest, ABadFooterCookieSaysTheUploadIsNotAVhd) {
  fixed_[fixed_.size() - 512] ^= 0xff;
  ExpectRefusal(Refused(fixed_, fixed_.size()), kInvalidVhdReason,
                {"not a VHD", "cookie is", "expected 'conectix'", "qemu-img convert -f raw"});
  EXPECT_EQ(info_.format, ImageFormat::kUnknown);
}

TEST_F(DiskImageTest, AFooterThatWasNeverUploadedReadsAsZerosAndIsRefused) {
  std::vector<uint8_t> no_footer(fixed_.begin(), fixed_.end() - 512);
  const uint64_t length = fixed_.size();
  const std::string path = dir.File("nofooter");
  testing::WriteBytes(path, no_footer);
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(length)), 0);
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(path, length, DeclaredFormat::kVhd, &info_);
  ASSERT_FALSE(disk.ok());
  ExpectRefusal(disk.status(), kInvalidVhdReason, {"cookie is '\\x00\\x00"});
}

TEST_F(DiskImageTest, ADynamicVhdWithoutItsFooterAtTheEndIsToldWhereTheFooterGoes) {
  std::vector<uint8_t> body(dynamic_.begin(), dynamic_.end());
  body.resize(DynamicLength(), 0);  // zero padding where the footer should be
  ExpectRefusal(Refused(body, body.size()), kInvalidVhdReason,
                {"starts with a VHD footer copy", "last 512 bytes"});
}

TEST_F(DiskImageTest, ABadFooterChecksumIsRefused) {
  fixed_[fixed_.size() - 512 + 40] ^= 0x10;  // original size, checksum left alone
  ExpectRefusal(Refused(fixed_, fixed_.size()), kInvalidVhdReason,
                {"not a valid VHD footer", "checksum is 0x"});
}

TEST_F(DiskImageTest, AnUploadShorterThanAFooterIsTruncated) {
  fixed_.resize(100);
  ExpectRefusal(Refused(fixed_, 100), kInvalidVhdReason, {"100 bytes", "too short", "truncated"});
}

TEST_F(DiskImageTest, ATruncatedDynamicVhdHasBlocksOutsideTheUpload) {
  // The first 3 MiB of the file, and the footer in the last 512 bytes.
  std::vector<uint8_t> cut(3 * kMiB + 512);
  std::copy(dynamic_.begin(), dynamic_.begin() + 3 * kMiB, cut.begin());
  std::copy(dynamic_.end() - 512, dynamic_.end(), cut.end() - 512);
  ExpectRefusal(Refused(cut, cut.size()), kInvalidVhdReason,
                {"allocation table entry", "lies outside the VHD data [0, 3145728)"});
}

TEST_F(DiskImageTest, ADynamicHeaderBeyondTheUploadIsTruncated) {
  SetDynamicFooter64(16, DynamicLength());  // data offset
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"data offset is " + std::to_string(DynamicLength()), "truncated"});
}

TEST_F(DiskImageTest, AnUnpaddedDynamicVhdIsNotWholeMiBPlusTheFooter) {
  ExpectRefusal(Refused(dynamic_, dynamic_.size()), kInvalidVhdReason,
                {"upload is " + std::to_string(dynamic_.size()) + " bytes",
                 "whole number of MiB plus the 512-byte VHD footer"});
}

TEST_F(DiskImageTest, ADynamicVhdFileOfAnyLengthOpensAsKVhdFile) {
  // The file qemu-img wrote, unpadded: refused as an upload blob, read as a VHD file.
  ASSERT_NE(dynamic_.size() % kMiB, 512u);
  const std::string path = Blob(dynamic_, dynamic_.size());
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(path, dynamic_.size(), DeclaredFormat::kVhdFile, &info_);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  EXPECT_EQ(info_.format, ImageFormat::kVhdDynamic);
  EXPECT_EQ(info_.virtual_size, kDiskSize);
  ExpectReadsAs(**disk, raw_);
  ExpectKnownZero(**disk, 2 * kMiB, 4 * kMiB);
  // A fixed VHD file keeps the n MiB + 512 rule: its current size is its data.
  SetFixedFooter64(48, kDiskSize - kMiB);
  ExpectRefusal(Refused(fixed_, fixed_.size(), DeclaredFormat::kVhdFile), kInvalidVhdReason,
                {"expected the upload size less the footer"});
}

TEST_F(DiskImageTest, ACurrentSizeNotWholeMiBIsRefused) {
  SetDynamicFooter64(48, kDiskSize - 512);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"current size is " + std::to_string(kDiskSize - 512), "multiple of 1 MiB"});
}

TEST_F(DiskImageTest, AFixedVhdsCurrentSizeMustBeTheUploadLessTheFooter) {
  SetFixedFooter64(48, kDiskSize - kMiB);
  ExpectRefusal(Refused(fixed_, fixed_.size()), kInvalidVhdReason,
                {"current size is " + std::to_string(kDiskSize - kMiB),
                 "expected the upload size less the footer, " + std::to_string(kDiskSize)});
  SetFixedFooter64(48, kDiskSize + kMiB);
  ExpectRefusal(Refused(fixed_, fixed_.size()), kInvalidVhdReason, {"truncated"});
}

TEST_F(DiskImageTest, AbsurdCurrentSizesAreRefused) {
  SetFixedFooter64(48, 0);
  ExpectRefusal(Refused(fixed_, fixed_.size()), kInvalidVhdReason, {"current size is 0 bytes"});
  SetDynamicFooter64(48, uint64_t{8} << 40);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"current size is 8796093022208 bytes", "largest disk"});
}

TEST_F(DiskImageTest, MaxTableEntriesMustCoverTheCurrentSize) {
  SetHeader32(28, 4);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"max table entries is 4", "too few", "at least 8"});
}

TEST_F(DiskImageTest, MaxTableEntriesAddressingMoreThanTheLargestDiskAreRefused) {
  SetHeader32(28, 0x7fffffff);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"max table entries is 2147483647", "more than the largest disk"});
}

TEST_F(DiskImageTest, ABlockAllocationTableLargerThanTheFileIsRefused) {
  // 2 Mi entries (8 MiB) from table offset 5 MiB, in an upload of about 11 MiB.
  testing::PutBe64(dynamic_, kHeaderAt + 16, 5 * kMiB);
  SetHeader32(28, 1 << 21);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"block allocation table (2097152 entries", "larger than the file"});
}

TEST_F(DiskImageTest, ABatEntryOutsideTheFileIsRefused) {
  SetBatEntry(2, 0x00100000);  // sector 1 Mi: 512 MiB into a ~11 MiB upload
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"allocation table entry 2 is sector 1048576", "outside the VHD data"});
}

TEST_F(DiskImageTest, ABatEntryIntoTheTrailingFooterIsRefused) {
  // The last block's bitmap + data would end in the trailing footer.
  const uint64_t length = DynamicLength();
  SetBatEntry(2, static_cast<uint32_t>((length - 512 - 2 * kMiB) / 512));
  ExpectRefusal(Refused(dynamic_, length), kInvalidVhdReason, {"outside the VHD data"});
}

TEST_F(DiskImageTest, TwoBatEntriesSharingABlockAreRefused) {
  SetBatEntry(3, BatEntry(0));
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"entries 0 and 3 point to overlapping blocks"});
}

TEST_F(DiskImageTest, TwoBatEntriesWhoseBlocksPartlyOverlapAreRefused) {
  SetBatEntry(3, BatEntry(0) + 8);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"point to overlapping blocks"});
}

TEST_F(DiskImageTest, ABlockOverTheDynamicHeaderOrTheTableIsRefused) {
  SetBatEntry(1, kBatAt / 512);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"entry 1", "overlaps the block allocation table"});
  SetBatEntry(1, 1);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"overlaps the dynamic header [512, 1536)"});
}

TEST_F(DiskImageTest, AFooterCopyThatDiffersFromTheFooterIsRefused) {
  testing::PutBe32(dynamic_, 24, 12345);  // the copy's timestamp
  testing::FixFooterChecksum(dynamic_, 0);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"footer copy at offset 0 differs", "'timestamp'"});
  std::fill(dynamic_.begin(), dynamic_.begin() + 512, 0);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason, {"holds none"});
}

TEST_F(DiskImageTest, ABadDynamicHeaderIsRefused) {
  dynamic_[kHeaderAt + 20] ^= 1;  // table offset, checksum left alone
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason, {"dynamic header checksum"});
}

TEST_F(DiskImageTest, AnUnknownDiskTypeIsRefused) {
  SetDynamicFooter32(60, 5);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kInvalidVhdReason,
                {"disk type is 5", "expected 2 (fixed) or 3 (dynamic)"});
}

// A differencing disk as Hyper-V writes one (qemu-img cannot create them): a dynamic VHD whose
// footer says type 4 and whose header names a parent.
TEST_F(DiskImageTest, ADifferencingVhdIsRefusedNamingItsParent) {
  const std::u16string parent = u"base.vhd";
  for (size_t i = 0; i < parent.size(); ++i) {
    dynamic_[kHeaderAt + 64 + 2 * i + 1] = static_cast<uint8_t>(parent[i]);
  }
  dynamic_[kHeaderAt + 40] = 0x42;  // parent unique id
  testing::FixDynamicHeaderChecksum(dynamic_, kHeaderAt);
  // Named parent in a disk that claims to be dynamic: still a differencing disk.
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kUnsupportedFormatReason,
                {"differencing VHD", "parent is 'base.vhd'", "qemu-img convert -f vpc"});
  EXPECT_EQ(info_.format, ImageFormat::kVhdDifferencing);
  SetDynamicFooter32(60, 4);
  ExpectRefusal(Refused(dynamic_, DynamicLength()), kUnsupportedFormatReason,
                {"differencing VHD", "parent is 'base.vhd'"});
  EXPECT_EQ(info_.format, ImageFormat::kVhdDifferencing);
}

TEST_F(DiskImageTest, VhdxQcow2AndVmdkImagesAreRefusedWithTheCommandThatConvertsThem) {
  struct Case {
    std::string qemu_format;
    std::string extension;
    std::string name;
    ImageFormat format;
  };
  const Case cases[] = {
      {"vhdx", "vhdx", "VHDX", ImageFormat::kVhdx},
      {"qcow2", "qcow2", "qcow2", ImageFormat::kQcow2},
      {"vmdk", "vmdk", "VMDK", ImageFormat::kVmdk},
  };
  for (const Case& c : cases) {
    const std::string path = dir.File("image." + c.extension);
    const std::string error =
        testing::QemuImg("convert -f raw -O " + c.qemu_format + " " + images().raw + " " + path);
    ASSERT_TRUE(error.empty()) << error;
    const std::vector<uint8_t> image = testing::ReadBytes(path);
    const uint64_t length = testing::DynamicUploadLength(image.size());
    std::vector<uint8_t> padded = image;
    padded.resize(length, 0);
    ExpectRefusal(
        Refused(padded, length), kUnsupportedFormatReason,
        {"The disk is a " + c.name + " image", "qemu-img convert -f " + c.qemu_format + " -O vpc"});
    EXPECT_EQ(info_.format, c.format);
  }
}

}  // namespace
}  // namespace gallery::storage
