#include "storage/disk_export.h"

#include <gtest/gtest.h>

#include "storage/disk_image.h"
#include "storage/image_test_util.h"

namespace gallery::storage {
namespace {

using testing::kMiB;

constexpr uint64_t kDiskSize = testing::kTestDiskSize;

class DiskExportTest : public testing::QemuImagesTest {
 protected:
  // Opens a qemu-img VHD uploaded the way a client does (a dynamic one padded).
  std::unique_ptr<VirtualDisk> OpenUpload(const std::string& vhd, DiskImageInfo* info) {
    const std::vector<uint8_t> bytes = testing::ReadBytes(vhd);
    const uint64_t length =
        bytes.size() % kMiB == 512 ? bytes.size() : testing::DynamicUploadLength(bytes.size());
    const std::string blob = dir.File("upload.blob");
    testing::WriteUploadBlob(blob, bytes, length, /*sparse=*/true);
    Result<std::unique_ptr<VirtualDisk>> disk =
        OpenDiskImage(blob, length, DeclaredFormat::kVhd, info);
    EXPECT_TRUE(disk.ok()) << disk.status().ToString();
    return disk.ok() ? std::move(disk).value() : nullptr;
  }

  // Streams the whole export into a file in pieces of `piece` bytes; returns its path.
  std::string ExportToFile(const VirtualDisk& disk, ExportFormat format,
                           const std::array<uint8_t, kVhdFooterSize>& footer,
                           const std::string& name, uint64_t piece = kMiB + 333) {
    const uint64_t total = ExportedSize(format, disk.size());
    std::vector<uint8_t> all;
    std::vector<uint8_t> buf;
    for (uint64_t off = 0; off < total; off += piece) {
      buf.resize(std::min(piece, total - off));
      Status s = ReadExport(disk, format, footer, off, buf);
      EXPECT_TRUE(s.ok()) << s.ToString();
      all.insert(all.end(), buf.begin(), buf.end());
    }
    const std::string path = dir.File(name);
    testing::WriteBytes(path, all);
    return path;
  }

  static std::string Compare(const std::string& args) {
    int code = 0;
    std::string out = testing::Run("qemu-img compare " + args, &code);
    return code == 0 ? "" : "qemu-img compare " + args + ": " + out;
  }
};

TEST_F(DiskExportTest, AFixedVhdUploadExportsByteIdenticalToTheUpload) {
  DiskImageInfo info;
  std::unique_ptr<VirtualDisk> disk = OpenUpload(images().fixed, &info);
  ASSERT_TRUE(disk);
  const auto footer = SerializeVhdFooter(FixedFooterFor(disk->size(), info.footer, 0, {}));
  const std::string exported = ExportToFile(*disk, ExportFormat::kVhd, footer, "export.vhd");
  int code = 0;
  const std::string out = testing::Run("cmp " + exported + " " + images().fixed, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(testing::ReadBytes(exported), testing::ReadBytes(images().fixed));
}

TEST_F(DiskExportTest, ADynamicVhdUploadExportsAsAFixedVhdOfTheSameDisk) {
  DiskImageInfo info;
  std::unique_ptr<VirtualDisk> disk = OpenUpload(images().dynamic, &info);
  ASSERT_TRUE(disk);
  const VhdFooter fixed = FixedFooterFor(disk->size(), info.footer, 0, {});
  const std::string exported =
      ExportToFile(*disk, ExportFormat::kVhd, SerializeVhdFooter(fixed), "export.vhd");
  EXPECT_EQ(Compare("-f vpc -F raw " + exported + " " + images().raw), "");
  int code = 0;
  const std::string info_out = testing::Run("qemu-img info -f vpc " + exported, &code);
  EXPECT_EQ(code, 0) << info_out;
  EXPECT_NE(info_out.find("(16777216 bytes)"), std::string::npos) << info_out;
  const std::vector<uint8_t> bytes = testing::ReadBytes(exported);
  ASSERT_EQ(bytes.size(), kDiskSize + 512);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end() - 512, images().raw_bytes.begin()));
}

TEST_F(DiskExportTest, ARawDiskExportsAsRawAndAsAFixedVhdWithANewFooter) {
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(images().raw, kDiskSize, DeclaredFormat::kRaw, nullptr);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  const std::string raw = ExportToFile(**disk, ExportFormat::kRaw, {}, "export.img", 3 * kMiB);
  EXPECT_EQ(testing::ReadBytes(raw), images().raw_bytes);

  const VhdUniqueId id{9, 8, 7};
  const auto footer = SerializeVhdFooter(FixedFooterFor(kDiskSize, std::nullopt, 0, id));
  const std::string vhd = ExportToFile(**disk, ExportFormat::kVhd, footer, "export.vhd");
  // qemu sizes VHDs from other creators than Hyper-V and itself by their CHS geometry, which
  // rarely covers the disk exactly; read it by the footer's current size as Hyper-V and Azure do.
  EXPECT_EQ(Compare("--image-opts driver=vpc,force_size_calc=current_size,file.filename=" + vhd +
                    " driver=raw,file.filename=" + images().raw),
            "");
  // And the export opens again as the fixed VHD it is.
  Result<std::unique_ptr<VirtualDisk>> again =
      OpenDiskImage(vhd, kDiskSize + 512, DeclaredFormat::kVhd, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(DiskExportTest, WindowsAtOddOffsetsAcrossTheFooterBoundary) {
  DiskImageInfo info;
  std::unique_ptr<VirtualDisk> disk = OpenUpload(images().fixed, &info);
  ASSERT_TRUE(disk);
  const auto footer = SerializeVhdFooter(FixedFooterFor(disk->size(), info.footer, 0, {}));
  const std::vector<uint8_t> whole = testing::ReadBytes(images().fixed);
  struct Window {
    uint64_t offset;
    uint64_t length;
  };
  const Window windows[] = {
      {kDiskSize - 3, 10},  {kDiskSize - 1, 513}, {kDiskSize, 512},
      {kDiskSize + 1, 100}, {kDiskSize + 511, 1}, {kDiskSize - kMiB - 7, kMiB + 519},
      {12345, 1},           {kDiskSize + 512, 0},
  };
  for (const Window& w : windows) {
    std::vector<uint8_t> buf(w.length, 0xee);
    Status s = ReadExport(*disk, ExportFormat::kVhd, footer, w.offset, buf);
    ASSERT_TRUE(s.ok()) << w.offset << " " << s.ToString();
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), whole.begin() + w.offset))
        << w.offset << " + " << w.length;
  }
}

TEST_F(DiskExportTest, WindowsLeavingTheStreamAreInvalidArgument) {
  Result<std::unique_ptr<VirtualDisk>> disk =
      OpenDiskImage(images().raw, kDiskSize, DeclaredFormat::kRaw, nullptr);
  ASSERT_TRUE(disk.ok());
  std::vector<uint8_t> buf(2);
  const std::array<uint8_t, kVhdFooterSize> footer{};
  Status s = ReadExport(**disk, ExportFormat::kVhd, footer, kDiskSize + 511, buf);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("leaves the exported disk of 16777728 bytes"), std::string::npos)
      << s.message();
  EXPECT_EQ(ReadExport(**disk, ExportFormat::kRaw, footer, kDiskSize - 1, buf).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadExport(**disk, ExportFormat::kRaw, footer, UINT64_MAX, buf).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(ReadExport(**disk, ExportFormat::kRaw, footer, kDiskSize - 2, buf).ok());
}

TEST(ExportFormatTest, ParsesVhdAndRawInAnyCase) {
  EXPECT_EQ(*ParseExportFormat("vhd"), ExportFormat::kVhd);
  EXPECT_EQ(*ParseExportFormat("VHD"), ExportFormat::kVhd);
  EXPECT_EQ(*ParseExportFormat("raw"), ExportFormat::kRaw);
  EXPECT_EQ(ExportFormatName(ExportFormat::kVhd), "vhd");
  EXPECT_EQ(ExportFormatName(ExportFormat::kRaw), "raw");
  Result<ExportFormat> bad = ParseExportFormat("qcow2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "Export format 'qcow2' is not supported; expected 'vhd' or 'raw'");
}

TEST(ExportFormatTest, AVhdExportIsTheDiskPlusTheFooter) {
  EXPECT_EQ(ExportedSize(ExportFormat::kVhd, kDiskSize), kDiskSize + 512);
  EXPECT_EQ(ExportedSize(ExportFormat::kRaw, kDiskSize), kDiskSize);
}

}  // namespace
}  // namespace gallery::storage
