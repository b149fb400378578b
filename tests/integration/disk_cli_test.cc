// `gallery disk upload|download` against the real galleryd over HTTPS, with VHDs made by
// qemu-img from raw disks of random and zero content: what comes back is what went in.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli_expect.h"
#include "galleryd_process.h"
#include "test_image.h"

namespace gallery::testing {
namespace {

using nlohmann::json;

constexpr uint64_t kMiB = uint64_t{1} << 20;
// 24 MiB: above Azure's 20 MiB minimum, six upload pieces.
constexpr uint64_t kDiskBytes = 24 * kMiB;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class DiskCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.path() / "home";
    config_dir_ = home_ / "gallery-config";
    std::filesystem::create_directories(home_);
    auto started = StartGalleryd(dir_.path());
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started->server);
    raw_ = Path("source.raw");
    // Random 1 MiB runs between zero runs (holes), so both skipping paths are exercised.
    ASSERT_TRUE(WriteRawTestDisk(raw_, kDiskBytes, 42,
                                 {0, 5 * kMiB, 6 * kMiB, 13 * kMiB, 23 * kMiB})
                    .ok());
    Ok({"login", "--bootstrap", server_->bootstrap_file().string()});
    Ok({"group", "create", "-n", "rg1", "-l", "southcentralus"});
  }

  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }

  CommandResult Gallery(std::vector<std::string> args) {
    return RunGallery(std::move(args), config_dir_, home_);
  }

  // Runs a command that must succeed; its JSON output (null when none).
  json Ok(const std::vector<std::string>& args) { return SucceededJson(args, Gallery(args)); }

  // Runs a tool by its absolute path (RunCommand does not search PATH).
  static CommandResult Tool(const std::vector<std::string>& argv) { return RunCommand(argv); }

  std::string MakeVhd(const std::string& subformat) {
    std::string vhd = Path(subformat + ".vhd");
    CommandResult r = Tool({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                            "subformat=" + subformat + ",force_size=on", raw_, vhd});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return vhd;
  }

  // qemu-img compare of a downloaded raw disk with the source.
  void ExpectSameAsSource(const std::string& raw) {
    CommandResult r = Tool({"/usr/bin/qemu-img", "compare", "-f", "raw", "-F", "raw", raw_, raw});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, "Images are identical.")) << r.out;
  }

  std::vector<std::string> Upload(const std::string& file, const std::string& name) {
    return {"disk", "upload", file, "-g", "rg1", "-n", name, "-l", "southcentralus"};
  }
  std::vector<std::string> Download(const std::string& name, const std::string& out,
                                    const std::string& format) {
    return {"disk", "download", "-g", "rg1", "-n", name, "-o", out, "--format", format};
  }
  static std::vector<std::string> Plus(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  TempDir dir_;
  std::filesystem::path home_;
  std::filesystem::path config_dir_;
  std::unique_ptr<GallerydProcess> server_;
  std::string raw_;
};

TEST_F(DiskCliTest, FixedVhdUploadDownloadsByteIdenticalAndAsTheSameRawDisk) {
  std::string vhd = MakeVhd("fixed");
  json disk = Ok(Upload(vhd, "fixed1"));
  EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
  EXPECT_EQ(disk["properties"]["creationData"]["uploadSizeBytes"], kDiskBytes + 512);

  std::string out_vhd = Path("out.vhd");
  Ok(Download("fixed1", out_vhd, "vhd"));
  CommandResult cmp = Tool({"/usr/bin/cmp", vhd, out_vhd});
  EXPECT_EQ(cmp.exit_code, 0) << cmp.out;

  std::string out_raw = Path("out.raw");
  Ok(Download("fixed1", out_raw, "raw"));
  ExpectSameAsSource(out_raw);
  EXPECT_EQ(std::filesystem::file_size(out_raw), kDiskBytes);
  // The grant was revoked: the disk is back to Unattached.
  EXPECT_EQ(Ok({"disk", "show", "-g", "rg1", "-n", "fixed1"})["properties"]["diskState"],
            "Unattached");
}

TEST_F(DiskCliTest, DynamicVhdIsUploadedAsTheFixedVhdItStandsFor) {
  std::string vhd = MakeVhd("dynamic");
  ASSERT_LT(std::filesystem::file_size(vhd), kDiskBytes);  // zero blocks are not in the file
  json disk = Ok(Plus(Upload(vhd, "dyn1"), {"--threads", "3"}));
  EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
  // The blob was the disk's virtual size plus a fixed footer, as Azure has it.
  EXPECT_EQ(disk["properties"]["creationData"]["uploadSizeBytes"], kDiskBytes + 512);
  std::string out_raw = Path("dyn.raw");
  Ok(Download("dyn1", out_raw, "raw"));
  ExpectSameAsSource(out_raw);
  EXPECT_EQ(std::filesystem::file_size(out_raw), kDiskBytes);
  // Exported as VHD it is the fixed VHD of the same disk.
  std::string out_vhd = Path("dyn.vhd");
  Ok(Download("dyn1", out_vhd, "vhd"));
  EXPECT_EQ(std::filesystem::file_size(out_vhd), kDiskBytes + 512);
  CommandResult cmp =
      Tool({"/usr/bin/qemu-img", "compare", "-f", "vpc", "-F", "vpc", vhd, out_vhd});
  EXPECT_EQ(cmp.exit_code, 0) << cmp.out << cmp.err;
}

TEST_F(DiskCliTest, InterruptedDynamicVhdUploadResumesOntoTheSameBlob) {
  std::string vhd = MakeVhd("dynamic");
  std::vector<std::string> first = Plus(Upload(vhd, "dres1"), {"--stop-after-pieces", "2"});
  CommandResult stopped = Gallery(first);
  EXPECT_EQ(stopped.exit_code, 1) << DescribeCommand(first, stopped);
  EXPECT_TRUE(Contains(stopped.err, "ERROR: (UploadInterrupted)")) << stopped.err;

  json disk = Ok({"disk", "upload", vhd, "-g", "rg1", "-n", "dres1", "--resume"});
  EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
  std::string out_raw = Path("dres1.raw");
  Ok(Download("dres1", out_raw, "raw"));
  ExpectSameAsSource(out_raw);
}

TEST_F(DiskCliTest, RawUploadIsWrappedAndComesBackTheSame) {
  json disk = Ok(Plus(Upload(raw_, "raw1"), {"--format", "raw"}));
  EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
  std::string out_raw = Path("raw1.raw");
  Ok(Download("raw1", out_raw, "raw"));
  ExpectSameAsSource(out_raw);
}

TEST_F(DiskCliTest, InterruptedUploadResumesAndHoldsTheSameDisk) {
  std::string vhd = MakeVhd("fixed");
  std::vector<std::string> first = Plus(Upload(vhd, "res1"), {"--stop-after-pieces", "3"});
  CommandResult stopped = Gallery(first);
  EXPECT_EQ(stopped.exit_code, 1) << DescribeCommand(first, stopped);
  EXPECT_TRUE(Contains(stopped.err, "ERROR: (UploadInterrupted)")) << stopped.err;
  EXPECT_TRUE(Contains(stopped.err, "--resume")) << stopped.err;
  EXPECT_EQ(Ok({"disk", "show", "-g", "rg1", "-n", "res1"})["properties"]["diskState"],
            "ActiveUpload");

  json disk = Ok({"disk", "upload", vhd, "-g", "rg1", "-n", "res1", "--resume"});
  EXPECT_EQ(disk["properties"]["diskState"], "Unattached") << disk.dump();
  std::string out_vhd = Path("res1.vhd");
  Ok(Download("res1", out_vhd, "vhd"));
  EXPECT_EQ(Tool({"/usr/bin/cmp", vhd, out_vhd}).exit_code, 0);
}

TEST_F(DiskCliTest, ResumeWithAnotherFileOfTheSameSizeIsRefusedAndTheRightOneFinishes) {
  std::string vhd = MakeVhd("fixed");
  CommandResult stopped = Gallery(Plus(Upload(vhd, "mix1"), {"--stop-after-pieces", "3"}));
  EXPECT_EQ(stopped.exit_code, 1) << stopped.err;
  // Another fixed VHD of the same size (other random content).
  std::string other_raw = Path("other.raw");
  ASSERT_TRUE(WriteRawTestDisk(other_raw, kDiskBytes, 7, {0, 5 * kMiB, 12 * kMiB, 20 * kMiB}).ok());
  std::string other = Path("other.vhd");
  ASSERT_EQ(Tool({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                  "subformat=fixed,force_size=on", other_raw, other})
                .exit_code,
            0);

  std::vector<std::string> wrong = {"disk", "upload", other, "-g", "rg1", "-n", "mix1", "--resume"};
  CommandResult refused = Gallery(wrong);
  EXPECT_EQ(refused.exit_code, 1) << DescribeCommand(wrong, refused);
  EXPECT_TRUE(Contains(refused.err,
                       "ERROR: (UploadFileMismatch) --resume continues the upload "
                       "of " +
                           vhd + ", but " + other + " is not that file"))
      << refused.err;
  EXPECT_TRUE(Contains(refused.err, "gallery disk delete -g rg1 -n mix1")) << refused.err;
  EXPECT_EQ(Ok({"disk", "show", "-g", "rg1", "-n", "mix1"})["properties"]["diskState"],
            "ActiveUpload");

  Ok({"disk", "upload", vhd, "-g", "rg1", "-n", "mix1", "--resume"});
  std::string out_vhd = Path("mix1.vhd");
  Ok(Download("mix1", out_vhd, "vhd"));
  EXPECT_EQ(Tool({"/usr/bin/cmp", vhd, out_vhd}).exit_code, 0);
  // Sealed: no journal is left, so a second --resume has nothing to continue.
  EXPECT_TRUE(std::filesystem::is_empty(config_dir_ / "uploads"));
}

// A plain upload of another file onto a disk whose upload stopped would keep the earlier
// file's pages where the new one has zeros (zero pieces are not sent) and seal a mix: it is
// refused and changes nothing; the upload it met finishes with --resume as the file it was.
TEST_F(DiskCliTest, UploadWithoutResumeOntoAnUnfinishedUploadIsRefusedAndChangesNothing) {
  std::string vhd = MakeVhd("fixed");
  CommandResult stopped = Gallery(Plus(Upload(vhd, "mix2"), {"--stop-after-pieces", "3"}));
  EXPECT_EQ(stopped.exit_code, 1) << stopped.err;
  // Another fixed VHD of the same size whose data sits where the first one has zeros, and zeros
  // where the first one's pieces were written.
  std::string other_raw = Path("other.raw");
  ASSERT_TRUE(WriteRawTestDisk(other_raw, kDiskBytes, 7, {9 * kMiB, 17 * kMiB}).ok());
  std::string other = Path("other.vhd");
  ASSERT_EQ(Tool({"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o",
                  "subformat=fixed,force_size=on", other_raw, other})
                .exit_code,
            0);
  const json before = Ok({"disk", "show", "-g", "rg1", "-n", "mix2"});
  ASSERT_EQ(before["properties"]["diskState"], "ActiveUpload") << before.dump();

  std::vector<std::string> plain = Upload(other, "mix2");
  CommandResult refused = Gallery(plain);
  EXPECT_EQ(refused.exit_code, 1) << DescribeCommand(plain, refused);
  EXPECT_TRUE(Contains(refused.err,
                       "ERROR: (DiskAlreadyExists) The disk 'mix2' already exists "
                       "(state 'ActiveUpload') with an upload in progress; "
                       "uploading " +
                           other))
      << refused.err;
  EXPECT_TRUE(Contains(refused.err, "seal a mix of two files. Nothing was changed."))
      << refused.err;
  EXPECT_TRUE(Contains(refused.err, "gallery disk upload " + other + " -g rg1 -n mix2 --resume"))
      << refused.err;
  EXPECT_TRUE(Contains(refused.err, "gallery disk delete -g rg1 -n mix2")) << refused.err;
  // The disk is as it was.
  EXPECT_EQ(Ok({"disk", "show", "-g", "rg1", "-n", "mix2"}), before);

  // The upload in progress is still the first file's and finishes as it.
  Ok({"disk", "upload", vhd, "-g", "rg1", "-n", "mix2", "--resume"});
  std::string out_vhd = Path("mix2.vhd");
  Ok(Download("mix2", out_vhd, "vhd"));
  EXPECT_EQ(Tool({"/usr/bin/cmp", vhd, out_vhd}).exit_code, 0);

  // Sealed, the disk is refused too; deleted, the other file uploads and comes back whole.
  CommandResult sealed = Gallery(plain);
  EXPECT_EQ(sealed.exit_code, 1) << DescribeCommand(plain, sealed);
  EXPECT_TRUE(Contains(sealed.err,
                       "ERROR: (DiskAlreadyExists) The disk 'mix2' already exists "
                       "(state 'Unattached'); an upload makes a new disk."))
      << sealed.err;
  Ok({"disk", "delete", "-g", "rg1", "-n", "mix2"});
  Ok(plain);
  std::string out_other = Path("mix2-other.vhd");
  Ok(Download("mix2", out_other, "vhd"));
  CommandResult same = Tool({"/usr/bin/cmp", other, out_other});
  EXPECT_EQ(same.exit_code, 0) << same.out;
}

TEST_F(DiskCliTest, AFileThatIsNotAVhdIsRefusedAndNoDiskIsMade) {
  std::vector<std::string> args = Upload(raw_, "bad1");
  CommandResult r = Gallery(args);
  EXPECT_EQ(r.exit_code, 1) << DescribeCommand(args, r);
  EXPECT_TRUE(Contains(r.err, "ERROR: (UnsupportedDiskFormat)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--format raw")) << r.err;
  EXPECT_EQ(Gallery({"disk", "show", "-g", "rg1", "-n", "bad1"}).exit_code, 3);
}

TEST_F(DiskCliTest, AMalformedDynamicVhdIsRefusedBeforeAnyDiskIsMade) {
  std::string vhd = MakeVhd("dynamic");
  // Break the dynamic header's cookie ("cxsparse" at 512): the footer still parses, the
  // client's validation of the structures refuses the file.
  int fd = ::open(vhd.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "XXXXXXXX", 8, 512), 8);
  ::close(fd);
  std::vector<std::string> args = Upload(vhd, "bad2");
  CommandResult r = Gallery(args);
  EXPECT_EQ(r.exit_code, 1) << DescribeCommand(args, r);
  EXPECT_TRUE(Contains(r.err, "ERROR: (InvalidVhd)")) << r.err;
  EXPECT_TRUE(Contains(r.err, vhd)) << r.err;
  EXPECT_TRUE(Contains(r.err, "cxsparse")) << r.err;
  EXPECT_EQ(Gallery({"disk", "show", "-g", "rg1", "-n", "bad2"}).exit_code, 3);
}

}  // namespace
}  // namespace gallery::testing
