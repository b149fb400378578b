#include "storage/chunk_digest.h"

#include <gtest/gtest.h>

#include <vector>

namespace gallery::storage {
namespace {

TEST(ChunkDigestTest, DigestOfMatchesTheKnownSha256OfAbc) {
  const std::string abc = "abc";
  ChunkDigest d = DigestOf({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()});
  EXPECT_EQ(ToHex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChunkDigestTest, ParseDigestRoundTripsAndRefusesMalformedHex) {
  ChunkDigest d = DigestOf({});
  EXPECT_EQ(ParseDigest(ToHex(d)), d);
  std::string upper = ToHex(d);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(ParseDigest(upper), d);
  EXPECT_FALSE(ParseDigest(ToHex(d).substr(1)));
  EXPECT_FALSE(ParseDigest(std::string(64, 'g')));
}

TEST(ChunkDigestTest, IsAllZeroFindsANonZeroByteAtAnyPositionAndAlignment) {
  std::vector<uint8_t> buf(1000, 0);
  EXPECT_TRUE(IsAllZero(buf));
  EXPECT_TRUE(IsAllZero({}));
  for (size_t start : {0, 1, 3, 7}) {
    for (size_t pos : {size_t{0}, size_t{5}, size_t{31}, size_t{32}, size_t{500}, size_t{990}}) {
      std::span<uint8_t> view(buf.data() + start, buf.size() - start);
      if (pos >= view.size()) continue;
      view[pos] = 1;
      EXPECT_FALSE(IsAllZero(view)) << start << " " << pos;
      view[pos] = 0;
    }
  }
}

}  // namespace
}  // namespace gallery::storage
