#include "storage/manifest.h"

#include <gtest/gtest.h>

#include <random>

namespace gallery::storage {
namespace {

ChunkDigest DigestOfNumber(uint64_t n) {
  return DigestOf({reinterpret_cast<const uint8_t*>(&n), sizeof n});
}

// 10 chunks of 1 MiB and a short last one of 5 bytes; every third chunk zero, chunk 7 repeats
// chunk 1.
Manifest Sample() {
  Manifest m;
  m.chunk_size = 1 << 20;
  m.virtual_size = uint64_t{10} * m.chunk_size + 5;
  for (uint64_t i = 0; i < 11; ++i) {
    if (i % 3 == 0) {
      m.chunks.push_back(std::nullopt);
    } else {
      m.chunks.push_back(DigestOfNumber(i == 7 ? 1 : i));
    }
  }
  return m;
}

TEST(ManifestTest, EncodeDecodeRoundTripsZeroChunksAndAShortLastChunk) {
  Manifest m = Sample();
  ASSERT_TRUE(ValidateManifest(m).ok());
  Result<Manifest> back = DecodeManifest(EncodeManifest(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(ChunkLength(m, 0), 1u << 20);
  EXPECT_EQ(ChunkLength(m, 10), 5u);
}

TEST(ManifestTest, EmptyAndAllZeroDisksRoundTrip) {
  Manifest empty{.virtual_size = 0, .chunk_size = 4096, .chunks = {}};
  Result<Manifest> back = DecodeManifest(EncodeManifest(empty));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, empty);
  Manifest zeros{.virtual_size = 9 * 4096, .chunk_size = 4096, .chunks = {}};
  zeros.chunks.resize(9);
  back = DecodeManifest(EncodeManifest(zeros));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, zeros);
  // 9 chunks need 2 bytes of bitmap and no digest: the form is compact.
  EXPECT_EQ(EncodeManifest(zeros).size(), 28u + 2u + 8u);
}

TEST(ManifestTest, ValidateRefusesAZeroChunkSizeAndAWrongChunkCount) {
  Manifest m = Sample();
  m.chunks.pop_back();
  Status s = ValidateManifest(m);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("needs 11 chunks, has 10"), std::string::npos) << s.message();
  m = Sample();
  m.chunk_size = 0;
  EXPECT_EQ(ValidateManifest(m).code(), StatusCode::kInvalidArgument);
}

TEST(ManifestTest, DecodeRefusesAForeignBodyAndAnUnknownVersion) {
  EXPECT_EQ(DecodeManifest("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeManifest("{\"json\": true}").status().code(), StatusCode::kInvalidArgument);
  // A version-2 body with a valid checksum: refused as unreadable, not as damaged.
  std::string body = EncodeManifest(Sample());
  body.resize(body.size() - 8);
  body[4] = 2;
  ChunkDigest sum = DigestOf({reinterpret_cast<const uint8_t*>(body.data()), body.size()});
  body.append(reinterpret_cast<const char*>(sum.data()), 8);
  Result<Manifest> r = DecodeManifest(body);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("version 2"), std::string::npos) << r.status().message();
}

TEST(ManifestTest, DecodeReportsDataLossForEveryTruncationAndEveryBitFlip) {
  const std::string body = EncodeManifest(Sample());
  for (size_t n = 4; n < body.size(); ++n) {
    Result<Manifest> r = DecodeManifest(std::string_view(body).substr(0, n));
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << "truncated to " << n;
  }
  for (size_t byte = 4; byte < body.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = body;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      Result<Manifest> r = DecodeManifest(flipped);
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << "byte " << byte << " bit " << bit;
    }
  }
}

// Bodies with a correct checksum but hostile fields (as a bug or an attacker could write
// them): refused, never a crash or a huge allocation.
TEST(ManifestTest, DecodeRefusesConsistentlyChecksummedButInconsistentBodies) {
  auto resign = [](std::string body) {
    ChunkDigest sum = DigestOf({reinterpret_cast<const uint8_t*>(body.data()), body.size()});
    body.append(reinterpret_cast<const char*>(sum.data()), 8);
    return body;
  };
  std::string base = EncodeManifest(Sample());
  base.resize(base.size() - 8);
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = base;
    // Overwrite header fields (size, chunk size, count) or the bitmap with random bytes.
    size_t pos = 6 + rng() % (mutated.size() - 6 < 30 ? mutated.size() - 6 : 30);
    mutated[pos] = static_cast<char>(rng());
    if (rng() % 4 == 0) {
      mutated.resize(rng() % mutated.size() + 4);
    }
    Result<Manifest> r = DecodeManifest(resign(mutated));
    if (r.ok()) {
      EXPECT_TRUE(ValidateManifest(*r).ok());
    } else {
      EXPECT_TRUE(r.status().code() == StatusCode::kDataLoss ||
                  r.status().code() == StatusCode::kInvalidArgument)
          << r.status().ToString();
    }
  }
  // A count of 2^60 chunks with a valid checksum: refused before allocating.
  std::string huge = base.substr(0, 28);
  for (int b = 8; b < 16; ++b) huge[b] = '\xff';  // virtual_size
  huge[16] = 1;
  huge[17] = huge[18] = huge[19] = 0;  // chunk_size 1
  for (int b = 20; b < 28; ++b) huge[b] = '\xff';
  EXPECT_EQ(DecodeManifest(resign(huge)).status().code(), StatusCode::kDataLoss);
}

TEST(ManifestTest, DistinctChunksAndStoredBytesCountARepeatedChunkOnce) {
  Manifest m = Sample();
  // Present: 1,2,4,5,7(=1),8,10 -> distinct 1,2,4,5,8,10; chunk 10 is 5 bytes long.
  const std::vector<ChunkDigest> distinct = DistinctChunks(m);
  EXPECT_EQ(distinct.size(), 6u);
  EXPECT_TRUE(std::is_sorted(distinct.begin(), distinct.end()));
  EXPECT_EQ(StoredBytes(m), uint64_t{5} * (1 << 20) + 5);
}

TEST(ManifestTest, ChunksInUseOrderKeepsTheFirstUseOfEachDigestAcrossDisks) {
  const Manifest os = Sample();
  Manifest data;  // a second disk: 2 MiB + 3 bytes, repeating the OS disk's chunk 2 first
  data.chunk_size = 1 << 20;
  data.virtual_size = uint64_t{2} * data.chunk_size + 3;
  data.chunks = {DigestOfNumber(2), DigestOfNumber(20), DigestOfNumber(21)};
  const std::vector<Manifest> disks = {os, data};
  const std::vector<std::pair<ChunkDigest, uint32_t>> expected = {
      {DigestOfNumber(1), 1u << 20},  {DigestOfNumber(2), 1u << 20}, {DigestOfNumber(4), 1u << 20},
      {DigestOfNumber(5), 1u << 20},  {DigestOfNumber(8), 1u << 20}, {DigestOfNumber(10), 5},
      {DigestOfNumber(20), 1u << 20}, {DigestOfNumber(21), 3}};
  EXPECT_EQ(ChunksInUseOrder(disks), expected);
  EXPECT_TRUE(ChunksInUseOrder({}).empty());
}

}  // namespace
}  // namespace gallery::storage
