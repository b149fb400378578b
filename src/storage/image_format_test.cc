#include "storage/image_format.h"

#include <gtest/gtest.h>

#include <cstring>

#include "storage/image_test_util.h"

namespace gallery::storage {
namespace {

using testing::kMiB;

std::span<const uint8_t> Head(const std::vector<uint8_t>& b) {
  return {b.data(), std::min<size_t>(b.size(), kSniffHeadBytes)};
}
std::span<const uint8_t> Tail(const std::vector<uint8_t>& b) {
  const size_t n = std::min<size_t>(b.size(), 512);
  return {b.data() + b.size() - n, n};
}

class SniffFormatTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::HaveQemuImg()) << testing::kNeedQemuImg; }

  // The bytes of an image qemu-img creates with `args` (then the file name).
  std::vector<uint8_t> Create(const std::string& name, const std::string& args) {
    const std::string path = dir_.File(name);
    const std::string error = testing::QemuImg(args + " " + path + " 8M");
    EXPECT_TRUE(error.empty()) << error;
    return testing::ReadBytes(path);
  }

  testing::TempDir dir_;
};

TEST_F(SniffFormatTest, RecognisesEachFormatQemuImgMakes) {
  struct Case {
    std::string name;
    std::string args;
    ImageFormat expected;
  };
  const Case cases[] = {
      {"f.vhd", "create -f vpc -o subformat=fixed,force_size=on", ImageFormat::kVhdFixed},
      {"d.vhd", "create -f vpc -o subformat=dynamic,force_size=on", ImageFormat::kVhdDynamic},
      {"x.vhdx", "create -f vhdx", ImageFormat::kVhdx},
      {"q.qcow2", "create -f qcow2", ImageFormat::kQcow2},
      {"k.vmdk", "create -f vmdk", ImageFormat::kVmdk},
      {"s.vmdk", "create -f vmdk -o subformat=monolithicFlat", ImageFormat::kVmdk},
      {"r.img", "create -f raw", ImageFormat::kUnknown},
  };
  for (const Case& c : cases) {
    const std::vector<uint8_t> bytes = Create(c.name, c.args);
    EXPECT_EQ(SniffFormat(Head(bytes), Tail(bytes)), c.expected)
        << c.name << " sniffed as " << ImageFormatName(SniffFormat(Head(bytes), Tail(bytes)));
  }
}

TEST(SniffFormatBytesTest, TheVhdFooterWinsOverASignatureInTheGuestData) {
  std::vector<uint8_t> fixed(kMiB + 512, 0);
  std::memcpy(fixed.data(), "QFI\xfb", 4);
  std::memcpy(fixed.data() + kMiB, "conectix", 8);
  fixed[kMiB + 63] = 2;
  EXPECT_EQ(SniffFormat(Head(fixed), Tail(fixed)), ImageFormat::kVhdFixed);
  fixed[kMiB + 63] = 4;
  EXPECT_EQ(SniffFormat(Head(fixed), Tail(fixed)), ImageFormat::kVhdDifferencing);
  fixed[kMiB + 63] = 7;  // an unknown disk type
  EXPECT_EQ(SniffFormat(Head(fixed), Tail(fixed)), ImageFormat::kUnknown);
  fixed[kMiB] = 'X';  // no footer: the qcow2 signature decides
  EXPECT_EQ(SniffFormat(Head(fixed), Tail(fixed)), ImageFormat::kQcow2);
}

TEST(SniffFormatBytesTest, ShortOrEmptyInputsAreUnknown) {
  EXPECT_EQ(SniffFormat({}, {}), ImageFormat::kUnknown);
  const std::vector<uint8_t> tiny = {'Q', 'F', 'I'};
  EXPECT_EQ(SniffFormat(tiny, tiny), ImageFormat::kUnknown);
  const std::string text = "# Disk DescriptorFile\nversion=1\n";
  const std::vector<uint8_t> descriptor(text.begin(), text.end());
  EXPECT_EQ(SniffFormat(descriptor, descriptor), ImageFormat::kVmdk);
}

TEST(FormatRefusalTest, NamesTheFormatAndTheQemuImgCommandThatConvertsIt) {
  EXPECT_EQ(FormatRefusal(ImageFormat::kVhdx),
            "The disk is a VHDX image; Gallery accepts fixed or dynamic VHD. Convert it with: "
            "qemu-img convert -f vhdx -O vpc -o subformat=fixed,force_size=on in.vhdx out.vhd");
  EXPECT_EQ(FormatRefusal(ImageFormat::kQcow2),
            "The disk is a qcow2 image; Gallery accepts fixed or dynamic VHD. Convert it with: "
            "qemu-img convert -f qcow2 -O vpc -o subformat=fixed,force_size=on in.qcow2 out.vhd");
  EXPECT_EQ(FormatRefusal(ImageFormat::kVmdk),
            "The disk is a VMDK image; Gallery accepts fixed or dynamic VHD. Convert it with: "
            "qemu-img convert -f vmdk -O vpc -o subformat=fixed,force_size=on in.vmdk out.vhd");
  EXPECT_NE(FormatRefusal(ImageFormat::kVhdDifferencing).find("differencing VHD"),
            std::string::npos);
  EXPECT_NE(FormatRefusal(ImageFormat::kVhdDifferencing).find("qemu-img convert -f vpc"),
            std::string::npos);
  EXPECT_NE(FormatRefusal(ImageFormat::kUnknown).find("not a VHD"), std::string::npos);
  EXPECT_NE(FormatRefusal(ImageFormat::kUnknown).find("qemu-img convert -f raw"),
            std::string::npos);
  EXPECT_EQ(FormatRefusal(ImageFormat::kVhdFixed), "");
  EXPECT_EQ(FormatRefusal(ImageFormat::kVhdDynamic), "");
}

TEST(FormatRefusalTest, OnlyFixedAndDynamicVhdAreAccepted) {
  EXPECT_TRUE(IsAcceptedVhd(ImageFormat::kVhdFixed));
  EXPECT_TRUE(IsAcceptedVhd(ImageFormat::kVhdDynamic));
  for (ImageFormat f : {ImageFormat::kVhdDifferencing, ImageFormat::kVhdx, ImageFormat::kQcow2,
                        ImageFormat::kVmdk, ImageFormat::kRaw, ImageFormat::kUnknown}) {
    EXPECT_FALSE(IsAcceptedVhd(f)) << ImageFormatName(f);
  }
  EXPECT_EQ(ImageFormatName(ImageFormat::kVhdDynamic), "dynamic VHD");
  EXPECT_EQ(ImageFormatName(ImageFormat::kUnknown), "unknown");
}

}  // namespace
}  // namespace gallery::storage
