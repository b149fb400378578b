// The upload planner: layouts of fixed/dynamic VHDs and raw files, pieces, zero and hole
// skipping, resuming from a page list.

#include "cli/disk_upload.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "cli/disk_test_util.h"
#include "client/fake_transport.h"
#include "storage/image_test_util.h"
#include "storage/ingest.h"

namespace gallery::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr uint64_t k20MiB = 20 * kMiB;
const storage::VhdUniqueId kId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
constexpr TimestampMs kNow = 1'700'000'000'000;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<UploadLayout> Plan(uint64_t size, const std::string& head, const std::string& tail,
                          UploadFormat format) {
  return PlanLayout(size, Bytes(head), Bytes(tail), format, kNow, kId);
}

// ---- pieces ---------------------------------------------------------------------------------

TEST(PlanPiecesTest, FourMiBPiecesWithTheFooterInTheLastOne) {
  EXPECT_THAT(
      PlanPieces(k20MiB + 512),
      ElementsAre(Piece{0, 4 * kMiB}, Piece{4 * kMiB, 4 * kMiB}, Piece{8 * kMiB, 4 * kMiB},
                  Piece{12 * kMiB, 4 * kMiB}, Piece{16 * kMiB, 4 * kMiB}, Piece{k20MiB, 512}));
  EXPECT_THAT(PlanPieces(6 * kMiB + 512),
              ElementsAre(Piece{0, 4 * kMiB}, Piece{4 * kMiB, 2 * kMiB + 512}));
  EXPECT_THAT(PlanPieces(0), IsEmpty());
}

TEST(PiecesNotWrittenTest, OnlyPiecesCoveredWholeAreDone) {
  std::vector<Piece> pieces = PlanPieces(12 * kMiB + 512);  // 0-4, 4-8, 8-12 MiB, the footer
  // Piece 0 covered by two adjacent ranges out of order; piece 1 only half; piece 2 not at all.
  std::vector<PageRange> written = {
      {2 * kMiB, 4 * kMiB - 1}, {0, 2 * kMiB - 1}, {4 * kMiB, 6 * kMiB - 1}};
  EXPECT_THAT(
      PiecesNotWritten(pieces, written),
      ElementsAre(Piece{4 * kMiB, 4 * kMiB}, Piece{8 * kMiB, 4 * kMiB}, Piece{12 * kMiB, 512}));
  EXPECT_THAT(PiecesNotWritten(pieces, {{0, 12 * kMiB + 511}}), IsEmpty());
  EXPECT_EQ(PiecesNotWritten(pieces, {}), pieces);
  // Overlapping ranges merge; the footer's last byte missing leaves the last piece to do.
  EXPECT_THAT(PiecesNotWritten(pieces, {{0, 9 * kMiB}, {5 * kMiB, 12 * kMiB + 510}}),
              ElementsAre(Piece{12 * kMiB, 512}));
}

TEST(RoundOutPartsTest, PartsBecomeTheWholeBlocksHoldingThemClippedAndMerged) {
  constexpr uint64_t kUnit = 32 << 10;
  const Piece piece{4 * kMiB, 4 * kMiB};
  // Rounded out to the unit; two parts in the same block or in touching blocks merge.
  EXPECT_THAT(RoundOutParts({{4 * kMiB + 4096, 8192}, {4 * kMiB + 20000, 512}}, kUnit, piece),
              ElementsAre(Piece{4 * kMiB, kUnit}));
  EXPECT_THAT(RoundOutParts({{4 * kMiB + 512, 512}, {4 * kMiB + kUnit, 1024}}, kUnit, piece),
              ElementsAre(Piece{4 * kMiB, 2 * kUnit}));
  // Parts with a whole block of zeros between them stay apart; aligned parts stay as they are.
  EXPECT_THAT(RoundOutParts({{4 * kMiB, kUnit}, {4 * kMiB + 2 * kUnit + 512, 512}}, kUnit, piece),
              ElementsAre(Piece{4 * kMiB, kUnit}, Piece{4 * kMiB + 2 * kUnit, kUnit}));
  // Never past the piece: a last piece shorter than a block (the footer) stays as it is.
  const Piece last{k20MiB, kUnit + 512};
  EXPECT_THAT(RoundOutParts({{k20MiB + kUnit, 512}}, kUnit, last),
              ElementsAre(Piece{k20MiB + kUnit, 512}));
  EXPECT_THAT(RoundOutParts({}, kUnit, piece), IsEmpty());
}

TEST(IsAllZeroTest, FindsAnyNonZeroByte) {
  std::string bytes(4099, '\0');
  EXPECT_TRUE(IsAllZero(bytes));
  EXPECT_TRUE(IsAllZero(""));
  bytes[4098] = 1;  // in the tail after the 8-byte words
  EXPECT_FALSE(IsAllZero(bytes));
  bytes[4098] = 0;
  bytes[9] = 1;
  EXPECT_FALSE(IsAllZero(bytes));
}

// ---- layouts --------------------------------------------------------------------------------

TEST(PlanLayoutTest, FixedVhdIsUploadedAsItIs) {
  std::string footer = FixedFooter(k20MiB);
  Result<UploadLayout> layout =
      Plan(k20MiB + 512, std::string(4096, 'a'), footer, UploadFormat::kVhd);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->format, storage::ImageFormat::kVhdFixed);
  EXPECT_EQ(layout->upload_size, k20MiB + 512);
  EXPECT_EQ(layout->data_bytes, k20MiB);
  EXPECT_EQ(layout->footer, footer);
}

TEST(PlanLayoutTest, FixedVhdWhoseSizeIsNotWholeMiBIsRefusedWithTheFix) {
  uint64_t data = k20MiB + 4096;
  Result<UploadLayout> layout =
      Plan(data + 512, std::string(4096, 'a'), FixedFooter(data), UploadFormat::kVhd);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason);
  EXPECT_THAT(layout.status().message(), HasSubstr("force_size=on"));
  // A footer whose current size differs from the file's data.
  layout = Plan(k20MiB + 512, "", FixedFooter(2 * k20MiB), UploadFormat::kVhd);
  EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason);
}

TEST(PlanLayoutTest, BadFooterChecksumIsAnInvalidVhd) {
  std::string footer = FixedFooter(k20MiB);
  footer[100] ^= 1;
  Result<UploadLayout> layout = Plan(k20MiB + 512, "", footer, UploadFormat::kVhd);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason);
}

// The footer's fields every VHD must get right are checked before anything is sent.
TEST(PlanLayoutTest, FixedVhdFootersWithImpossibleFieldsAreRefusedNamingTheField) {
  const std::pair<std::function<void(storage::VhdFooter&)>, std::string> cases[] = {
      {[](storage::VhdFooter& f) { f.geometry = {}; },
       "VHD footer geometry (cylinders/heads/sectors per track) is 0/0/0, expected none of them "
       "0"},
      {[](storage::VhdFooter& f) { f.file_format_version = 0x00020000; },
       "VHD footer file format version is 0x00020000, expected major version 1 (0x00010000)"},
      {[](storage::VhdFooter& f) { f.data_offset = 512; },
       "VHD footer data offset is 512, expected 0xFFFFFFFF for a fixed disk"},
  };
  for (const auto& [edit, message] : cases) {
    storage::VhdFooter footer = storage::FixedFooterFor(k20MiB, std::nullopt, 0, kId);
    edit(footer);
    Result<UploadLayout> layout = Plan(k20MiB + 512, "", FooterString(footer), UploadFormat::kVhd);
    EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason) << message;
    EXPECT_THAT(layout.status().message(), HasSubstr(message));
  }
}

TEST(PlanLayoutTest, DynamicVhdIsPlannedAsTheFixedVhdItStandsFor) {
  std::string footer = DynamicFooter(64 * kMiB);
  // The file's size does not matter: the blob is the disk's current size plus a fixed footer.
  Result<UploadLayout> layout = Plan(3 * kMiB + 7 * 512, footer, footer, UploadFormat::kVhd);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->format, storage::ImageFormat::kVhdDynamic);
  EXPECT_EQ(layout->upload_size, 64 * kMiB + 512);
  EXPECT_EQ(layout->data_bytes, 64 * kMiB);
  Result<storage::VhdFooter> fixed = storage::ParseVhdFooter(
      std::span<const uint8_t, storage::kVhdFooterSize>(Bytes(layout->footer).data(), 512));
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();  // the checksum is valid
  Result<storage::VhdFooter> original = storage::ParseVhdFooter(
      std::span<const uint8_t, storage::kVhdFooterSize>(Bytes(footer).data(), 512));
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(fixed->type(), storage::VhdDiskType::kFixed);
  EXPECT_EQ(fixed->current_size, 64 * kMiB);
  EXPECT_EQ(fixed->data_offset, storage::kVhdNoDataOffset);
  EXPECT_EQ(fixed->unique_id, original->unique_id);
  EXPECT_EQ(fixed->geometry, original->geometry);
  EXPECT_EQ(fixed->timestamp, original->timestamp);
  // The same file plans the same layout at any time (a resumed upload writes the same blob).
  Result<UploadLayout> later =
      PlanLayout(3 * kMiB + 7 * 512, Bytes(footer), Bytes(footer), UploadFormat::kVhd,
                 kNow + 3'600'000, storage::VhdUniqueId{42});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->footer, layout->footer);
}

TEST(PlanLayoutTest, DynamicVhdWhoseDiskIsNotWholeMiBIsRefusedWithTheFix) {
  std::string footer = DynamicFooter(21000192);  // what qemu-img makes of "21000000"
  Result<UploadLayout> layout = Plan(3 * kMiB, footer, footer, UploadFormat::kVhd);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason);
  EXPECT_THAT(layout.status().message(), HasSubstr("disk is 21000192 bytes"));
  EXPECT_THAT(layout.status().message(), HasSubstr("qemu-img resize -f raw disk.raw 22020096"));
  EXPECT_THAT(layout.status().message(), HasSubstr("-O vpc -o subformat=fixed,force_size=on"));
}

TEST(PlanLayoutTest, RawFileIsPaddedToWholeMiBAndGetsAFixedFooter) {
  Result<UploadLayout> layout =
      Plan(k20MiB + kMiB / 2, std::string(4096, 'r'), std::string(512, 'r'), UploadFormat::kRaw);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->format, storage::ImageFormat::kRaw);
  EXPECT_EQ(layout->upload_size, k20MiB + kMiB + 512);
  EXPECT_EQ(layout->data_bytes, k20MiB + kMiB / 2);
  ASSERT_EQ(layout->footer.size(), 512u);
  std::span<const uint8_t, 512> footer_bytes(Bytes(layout->footer).data(), 512);
  Result<storage::VhdFooter> footer = storage::ParseVhdFooter(footer_bytes);
  ASSERT_TRUE(footer.ok()) << footer.status().ToString();
  EXPECT_EQ(footer->type(), storage::VhdDiskType::kFixed);
  EXPECT_EQ(footer->current_size, k20MiB + kMiB);
  EXPECT_EQ(footer->unique_id, kId);
  EXPECT_EQ(footer->timestamp, storage::VhdTimestampOf(kNow));
}

TEST(PlanLayoutTest, ARawFileSmallerThanTheSmallestDiskIsPaddedToIt) {
  Result<UploadLayout> layout =
      Plan(kMiB, std::string(4096, 'r'), std::string(512, 'r'), UploadFormat::kRaw);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->upload_size, k20MiB + 512);
  EXPECT_EQ(layout->data_bytes, kMiB);
}

TEST(PlanLayoutTest, ForeignFormatsAreRefusedWithTheConversion) {
  std::string qcow2 = std::string("QFI\xfb", 4) + std::string(4092, '\0');
  Result<UploadLayout> layout = Plan(k20MiB, qcow2, std::string(512, '\0'), UploadFormat::kVhd);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(layout.status().reason(), storage::kUnsupportedFormatReason);
  EXPECT_THAT(layout.status().message(), HasSubstr("qcow2"));
  EXPECT_THAT(layout.status().message(), HasSubstr("qemu-img convert"));
  // Declared raw, a qcow2 is still refused.
  EXPECT_EQ(Plan(k20MiB, qcow2, std::string(512, '\0'), UploadFormat::kRaw).status().reason(),
            storage::kUnsupportedFormatReason);
}

TEST(PlanLayoutTest, AFileWithoutFooterIsNotAVhdAndRawIsSuggested) {
  Result<UploadLayout> layout =
      Plan(k20MiB, std::string(4096, 'x'), std::string(512, 'x'), UploadFormat::kVhd);
  EXPECT_EQ(layout.status().reason(), storage::kUnsupportedFormatReason);
  EXPECT_THAT(layout.status().message(), HasSubstr("--format raw"));
}

TEST(PlanLayoutTest, AValidFooterOfAnUnknownDiskTypeIsNamedAsSuch) {
  storage::VhdFooter footer = storage::FixedFooterFor(k20MiB, std::nullopt, 0, kId);
  footer.disk_type = 7;
  Result<UploadLayout> layout = Plan(k20MiB + 512, "", FooterString(footer), UploadFormat::kVhd);
  EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason);
  EXPECT_EQ(layout.status().message(),
            "VHD footer disk type is 7, expected 2 (fixed) or 3 (dynamic)");
}

TEST(PlanLayoutTest, ADynamicVhdCutShortIsNamedTruncated) {
  const std::string copy = DynamicFooter(64 * kMiB);
  Result<UploadLayout> layout =
      Plan(3 * kMiB, copy + std::string(3584, 'h'), std::string(512, 'x'), UploadFormat::kVhd);
  EXPECT_EQ(layout.status().reason(), storage::kInvalidVhdReason);
  EXPECT_THAT(layout.status().message(), HasSubstr("The file is a truncated VHD"));
  EXPECT_THAT(layout.status().message(), HasSubstr("dynamic VHD of 67108864 bytes"));
}

TEST(PlanLayoutTest, AVhdDeclaredRawIsRefused) {
  Result<UploadLayout> layout = Plan(k20MiB + 512, "", FixedFooter(k20MiB), UploadFormat::kRaw);
  EXPECT_EQ(layout.status().reason(), storage::kUnsupportedFormatReason);
  EXPECT_THAT(layout.status().message(), HasSubstr("--format vhd"));
}

TEST(PlanLayoutTest, EmptyFileIsRefused) {
  EXPECT_EQ(Plan(0, "", "", UploadFormat::kRaw).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Plan(0, "", "", UploadFormat::kVhd).status().code(), StatusCode::kInvalidArgument);
}

// ---- sources and uploads --------------------------------------------------------------------

// One worker whose client talks to `transport`.
TransferOptions OneWorker(FakeTransport& transport) {
  TransferOptions options;
  options.threads = 1;
  options.connect = [&transport]() -> Result<std::unique_ptr<PageBlobClient>> {
    return std::make_unique<PageBlobClient>(transport, kTestSas);
  };
  return options;
}

class UploadSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<UploadSource> Open(const std::string& path, UploadFormat format) {
    Result<std::unique_ptr<UploadSource>> source = UploadSource::Open(path, format, kNow, kId);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  std::filesystem::path dir_;
};

TEST_F(UploadSourceTest, MissingFileIsNotFoundAndADirectoryIsRefused) {
  EXPECT_EQ(UploadSource::Open((dir_ / "nope.vhd").string(), UploadFormat::kVhd, kNow, kId)
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(UploadSource::Open(dir_.string(), UploadFormat::kVhd, kNow, kId).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(UploadSourceTest, FixedVhdHolesAndPaddingAreKnownZeroWithoutReading) {
  // 20 MiB + 512: data in piece 1, explicit zeros in piece 2, holes elsewhere, footer last.
  std::string path = (dir_ / "fixed.vhd").string();
  WriteSparseFile(path, k20MiB + 512,
                  {{4 * kMiB + 4096, Pattern(8192, 7)},
                   {8 * kMiB, std::string(4 * kMiB, '\0')},
                   {k20MiB, FixedFooter(k20MiB)}});
  std::unique_ptr<UploadSource> source = Open(path, UploadFormat::kVhd);
  ASSERT_NE(source, nullptr);
  std::vector<Piece> pieces = PlanPieces(source->layout().upload_size);
  ASSERT_EQ(pieces.size(), 6u);
  if (FileSystemHasHoles(dir_)) {
    EXPECT_THAT(source->DataParts(pieces[0]), IsEmpty());
    EXPECT_THAT(source->DataParts(pieces[3]), IsEmpty());
  }
  EXPECT_THAT(source->DataParts(pieces[1]), Not(IsEmpty()));
  EXPECT_THAT(source->DataParts(pieces[5]), Not(IsEmpty()));  // the footer

  if (FileSystemHasHoles(dir_)) {  // only the data and the footer are to read
    EXPECT_THAT(source->DataParts(pieces[1]), ElementsAre(Piece{4 * kMiB + 4096, 8192}));
    EXPECT_THAT(source->DataParts(pieces[2]), ElementsAre(pieces[2]));  // zeros written
    EXPECT_THAT(source->DataParts(pieces[5]), ElementsAre(pieces[5]));
  }

  std::string bytes;
  ASSERT_TRUE(source->Read(pieces[1], bytes).ok());
  EXPECT_EQ(bytes.substr(4096, 8192), Pattern(8192, 7));
  EXPECT_TRUE(IsAllZero(bytes.substr(0, 4096)));
  ASSERT_TRUE(source->Read(pieces[5], bytes).ok());
  EXPECT_EQ(bytes, FixedFooter(k20MiB));

  // Only the data piece's non-zero chunk-size block and the footer go over the wire.
  FakeTransport transport;
  transport.Respond(201);
  transport.Respond(201);
  TransferOptions options = OneWorker(transport);
  Result<TransferStats> stats = UploadPieces(*source, pieces, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pieces_sent, 2u);
  EXPECT_EQ(stats->pieces_skipped, 4u);
  EXPECT_EQ(stats->bytes_sent, storage::kDefaultChunkSize + 512);
  EXPECT_EQ(stats->bytes_skipped, k20MiB - storage::kDefaultChunkSize);
  EXPECT_FALSE(stats->interrupted);
  ASSERT_EQ(transport.calls.size(), 2u);
  EXPECT_EQ(FindHeader(transport.calls[0].headers, "x-ms-range"),
            "bytes=4194304-" + std::to_string(4 * kMiB + storage::kDefaultChunkSize - 1));
  EXPECT_EQ(FindHeader(transport.calls[1].headers, "x-ms-range"), "bytes=20971520-20972031");
  EXPECT_EQ(transport.calls[1].body, FixedFooter(k20MiB));
}

TEST_F(UploadSourceTest, RawFileIsWrappedInAFixedFooter) {
  std::string path = (dir_ / "disk.raw").string();
  WriteSparseFile(path, 0, {{0, Pattern(kMiB + 1000, 5)}});
  std::unique_ptr<UploadSource> source = Open(path, UploadFormat::kRaw);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->layout().upload_size, k20MiB + 512);  // the smallest disk
  std::vector<Piece> pieces = PlanPieces(source->layout().upload_size);
  ASSERT_EQ(pieces.size(), 6u);
  // A reused buffer (a worker's, full of the last piece's bytes) reads the same: the padding
  // is zeros, not what the buffer held.
  std::string bytes(4 * kMiB, 'z');
  ASSERT_TRUE(source->Read(pieces[0], bytes).ok());
  ASSERT_EQ(bytes.size(), 4 * kMiB);
  EXPECT_EQ(bytes.substr(0, kMiB + 1000), Pattern(kMiB + 1000, 5));
  EXPECT_TRUE(IsAllZero(bytes.substr(kMiB + 1000)));
  bytes.assign(512, 'z');
  ASSERT_TRUE(source->Read(pieces.back(), bytes).ok());
  EXPECT_EQ(bytes, source->layout().footer);
}

TEST_F(UploadSourceTest, StopAfterPiecesInterruptsAndAnErrorStopsTheUpload) {
  std::string path = (dir_ / "disk.raw").string();
  WriteSparseFile(path, 0, {{0, Pattern(12 * kMiB, 9)}});
  std::unique_ptr<UploadSource> source = Open(path, UploadFormat::kRaw);
  ASSERT_NE(source, nullptr);
  std::vector<Piece> pieces = PlanPieces(source->layout().upload_size);
  FakeTransport transport;
  transport.Respond(201);
  TransferOptions options = OneWorker(transport);
  options.stop_after_pieces = 1;
  Result<TransferStats> stats = UploadPieces(*source, pieces, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(stats->interrupted);
  EXPECT_EQ(stats->pieces_sent, 1u);
  EXPECT_EQ(transport.calls.size(), 1u);

  options.stop_after_pieces = -1;
  transport.Respond(201);
  transport.Respond(500, "<Error><Code>InternalError</Code><Message>disk full</Message></Error>");
  Result<TransferStats> failed = UploadPieces(*source, pieces, options);
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_EQ(failed.status().reason(), "InternalError");
  EXPECT_EQ(failed.status().message(), "disk full");
  EXPECT_EQ(transport.calls.size(), 3u);  // nothing after the failed piece
}

TEST_F(UploadSourceTest, CancelFlagStopsBeforeTheNextPiece) {
  std::string path = (dir_ / "disk.raw").string();
  WriteSparseFile(path, 0, {{0, Pattern(8 * kMiB, 9)}});
  std::unique_ptr<UploadSource> source = Open(path, UploadFormat::kRaw);
  ASSERT_NE(source, nullptr);
  FakeTransport transport;
  transport.Respond(201);
  std::atomic<bool> cancel{false};
  TransferOptions options = OneWorker(transport);
  options.cancel = &cancel;
  // Ctrl-C arrives while the first piece is being sent.
  options.on_piece_done = [&cancel](uint64_t, uint64_t) { cancel = true; };
  Result<TransferStats> stats =
      UploadPieces(*source, PlanPieces(source->layout().upload_size), options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(stats->interrupted);
  EXPECT_EQ(stats->pieces_sent, 1u);
  EXPECT_EQ(transport.calls.size(), 1u);
}

TEST_F(UploadSourceTest, ParallelWorkersEachConnectOnceAndSendEveryPiece) {
  std::string path = (dir_ / "disk.raw").string();
  WriteSparseFile(path, 0, {{0, Pattern(32 * kMiB, 1)}});
  std::unique_ptr<UploadSource> source = Open(path, UploadFormat::kRaw);
  ASSERT_NE(source, nullptr);
  std::vector<Piece> pieces = PlanPieces(source->layout().upload_size);
  std::vector<std::unique_ptr<RecordingTransport>> transports;
  TransferOptions options;
  options.threads = 4;
  options.connect = [&transports]() -> Result<std::unique_ptr<PageBlobClient>> {
    transports.push_back(std::make_unique<RecordingTransport>());
    return std::make_unique<PageBlobClient>(*transports.back(), kTestSas);
  };
  Result<TransferStats> stats = UploadPieces(*source, pieces, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(transports.size(), 4u);
  EXPECT_EQ(stats->pieces_sent, pieces.size());
  std::vector<std::string> ranges;
  for (const auto& t : transports) {
    ranges.insert(ranges.end(), t->ranges.begin(), t->ranges.end());
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::string> expected;
  for (const Piece& p : pieces) {
    expected.push_back("bytes=" + std::to_string(p.offset) + "-" +
                       std::to_string(p.offset + p.length - 1));
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ranges, expected);
}

// ---- dynamic VHDs made by qemu-img --------------------------------------------------------

std::string AsString(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// qemu-img's dynamic VHD of a 16 MiB raw disk with data in 2 MiB blocks 0, 2, 3, 4 and 7 and
// blocks 1, 5 and 6 unallocated (storage::testing::MakeRawDisk).
class DynamicVhdSourceTest : public storage::testing::QemuImagesTest {
 protected:
  static constexpr uint64_t kDisk = storage::testing::kTestDiskSize;

  std::unique_ptr<UploadSource> Open(const std::string& path) {
    Result<std::unique_ptr<UploadSource>> source =
        UploadSource::Open(path, UploadFormat::kVhd, kNow, kId);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  // The dynamic VHD's bytes with `bytes` written at `offset`, as a new file.
  std::string Corrupted(uint64_t offset, const std::string& bytes) {
    std::vector<uint8_t> image = storage::testing::ReadBytes(images().dynamic);
    std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<ptrdiff_t>(offset));
    std::string path = dir.File("corrupt.vhd");
    storage::testing::WriteBytes(path, image);
    return path;
  }
};

TEST_F(DynamicVhdSourceTest, TheBlobIsTheDiskThenAFixedFooter) {
  std::unique_ptr<UploadSource> source = Open(images().dynamic);
  ASSERT_NE(source, nullptr);
  const UploadLayout& layout = source->layout();
  ASSERT_NE(std::filesystem::file_size(images().dynamic) % kMiB, 512u);  // not a blob size
  EXPECT_EQ(layout.format, storage::ImageFormat::kVhdDynamic);
  EXPECT_EQ(layout.upload_size, kDisk + 512);
  EXPECT_EQ(layout.data_bytes, kDisk);
  Result<storage::VhdFooter> footer = storage::ParseVhdFooter(
      std::span<const uint8_t, storage::kVhdFooterSize>(Bytes(layout.footer).data(), 512));
  ASSERT_TRUE(footer.ok()) << footer.status().ToString();
  EXPECT_EQ(footer->type(), storage::VhdDiskType::kFixed);
  EXPECT_EQ(footer->current_size, kDisk);
  EXPECT_EQ(footer->checksum, storage::VhdFooterChecksum(*footer));

  // Every piece reads as the raw disk, the footer last.
  std::string blob;
  std::string bytes;
  for (const Piece& piece : PlanPieces(layout.upload_size)) {
    ASSERT_TRUE(source->Read(piece, bytes).ok());
    blob += bytes;
  }
  ASSERT_EQ(blob.size(), kDisk + 512);
  EXPECT_TRUE(blob.substr(0, kDisk) == AsString(images().raw_bytes));
  EXPECT_EQ(blob.substr(kDisk), layout.footer);
  // Odd pieces across block boundaries read the same bytes.
  ASSERT_TRUE(source->Read(Piece{3 * kMiB + 4096, 3 * kMiB + 512}, bytes).ok());
  EXPECT_TRUE(bytes == AsString(images().raw_bytes).substr(3 * kMiB + 4096, 3 * kMiB + 512));
}

TEST_F(DynamicVhdSourceTest, UnallocatedBlocksAreKnownZeroAndTheFooterNever) {
  std::unique_ptr<UploadSource> source = Open(images().dynamic);
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->DataParts(Piece{2 * kMiB, 2 * kMiB}), IsEmpty());       // block 1
  EXPECT_THAT(source->DataParts(Piece{10 * kMiB, 4 * kMiB}), IsEmpty());      // blocks 5 and 6
  EXPECT_THAT(source->DataParts(Piece{0, 2 * kMiB}), Not(IsEmpty()));         // block 0 holds data
  EXPECT_THAT(source->DataParts(Piece{2 * kMiB, 4 * kMiB}), Not(IsEmpty()));  // blocks 1 and 2
  // Block 7 and the footer.
  EXPECT_THAT(source->DataParts(Piece{14 * kMiB, 2 * kMiB + 512}), Not(IsEmpty()));
}

TEST_F(DynamicVhdSourceTest, OnlyAllocatedDataIsSent) {
  // A 32 MiB disk with data only in [1, 2) MiB and [21, 22) MiB: those two MiB and the footer
  // go over the wire; six pieces are unallocated and never read, and the zeros of the two read
  // pieces are not sent.
  std::vector<uint8_t> raw(32 * kMiB, 0);
  for (uint64_t at : {kMiB, 21 * kMiB}) {
    std::string data = Pattern(kMiB, static_cast<int>(at / kMiB));
    std::copy(data.begin(), data.end(), raw.begin() + static_cast<ptrdiff_t>(at));
  }
  std::string raw_path = dir.File("sparse.raw");
  std::string vhd = dir.File("sparse.vhd");
  storage::testing::WriteBytes(raw_path, raw);
  ASSERT_EQ(storage::testing::QemuImg("convert -f raw -O vpc -o subformat=dynamic,force_size=on " +
                                      raw_path + " " + vhd),
            "");
  std::unique_ptr<UploadSource> source = Open(vhd);
  ASSERT_NE(source, nullptr);
  std::vector<Piece> pieces = PlanPieces(source->layout().upload_size);
  ASSERT_EQ(pieces.size(), 9u);
  if (FileSystemHasHoles(std::filesystem::path(vhd).parent_path())) {
    // qemu-img leaves the zeros of allocated 2 MiB blocks as holes: about the data's MiB is to
    // read of each (the file system's blocks around it, not the whole block).
    for (size_t i : {0, 5}) {
      uint64_t to_read = 0;
      for (const Piece& part : source->DataParts(pieces[i])) {
        to_read += part.length;
      }
      EXPECT_GE(to_read, kMiB) << i;
      EXPECT_LT(to_read, kMiB + 64 * 1024) << i;
    }
  }
  for (size_t i : {1, 2, 3, 4, 6, 7}) {
    EXPECT_THAT(source->DataParts(pieces[i]), IsEmpty()) << i;
  }
  RecordingTransport transport;
  TransferOptions options;
  options.threads = 1;
  options.connect = [&transport]() -> Result<std::unique_ptr<PageBlobClient>> {
    return std::make_unique<PageBlobClient>(transport, kTestSas);
  };
  Result<TransferStats> stats = UploadPieces(*source, pieces, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->bytes_sent, 2 * kMiB + 512);
  EXPECT_EQ(stats->pieces_skipped, 6u);
  EXPECT_THAT(transport.ranges,
              ElementsAre("bytes=1048576-2097151", "bytes=22020096-23068671",
                          "bytes=33554432-33554943"));
}

TEST_F(DynamicVhdSourceTest, ABrokenDynamicVhdIsRefusedWithTheReason) {
  // The dynamic header's cookie ("cxsparse" at 512): the footer parses, the structures do not.
  std::string path = Corrupted(512, "XXXXXXXX");
  Result<std::unique_ptr<UploadSource>> source =
      UploadSource::Open(path, UploadFormat::kVhd, kNow, kId);
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source.status().reason(), storage::kInvalidVhdReason);
  EXPECT_THAT(source.status().message(), HasSubstr(path + ": "));
  EXPECT_THAT(source.status().message(), HasSubstr("cxsparse"));

  // A BAT entry (block 0, at 1536) pointing past the end of the file.
  path = Corrupted(1536, std::string("\x7f\xff\xff\x00", 4));
  source = UploadSource::Open(path, UploadFormat::kVhd, kNow, kId);
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source.status().reason(), storage::kInvalidVhdReason);
  EXPECT_THAT(source.status().message(), HasSubstr("block allocation table entry 0"));
}

}  // namespace
}  // namespace gallery::cli
