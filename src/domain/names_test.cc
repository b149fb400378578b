#include "domain/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// Expects `s` to be the InvalidParameter error of a name rule naming `value`.
void ExpectInvalidName(const Status& s, const std::string& value) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.reason(), "InvalidParameter") << s.ToString();
  EXPECT_EQ(s.target(), "name");
  EXPECT_THAT(s.message(), HasSubstr("'" + value + "'"));
}

// --- gallery names ---

TEST(GalleryNameTest, OneAndEightyCharactersAreAllowed) {
  EXPECT_TRUE(ValidateGalleryName("g").ok());
  EXPECT_TRUE(ValidateGalleryName(std::string(80, 'g')).ok());
  EXPECT_TRUE(ValidateGalleryName("My_Gallery.v2").ok());
}

TEST(GalleryNameTest, EmptyIsRefused) { ExpectInvalidName(ValidateGalleryName(""), ""); }

TEST(GalleryNameTest, EightyOneCharactersAreRefused) {
  const std::string name(81, 'g');
  ExpectInvalidName(ValidateGalleryName(name), name);
}

TEST(GalleryNameTest, DashIsRefusedWithTheServiceMessage) {
  Status s = ValidateGalleryName("my-gallery");
  ExpectInvalidName(s, "my-gallery");
  EXPECT_THAT(s.message(), HasSubstr("All other special characters, including dashes, are "
                                     "disallowed."));
}

TEST(GalleryNameTest, LeadingOrTrailingPeriodOrUnderscoreIsRefused) {
  for (const std::string name : {".gal", "gal.", "_gal", "gal_"}) {
    ExpectInvalidName(ValidateGalleryName(name), name);
  }
}

TEST(GalleryNameTest, OtherSpecialCharactersAreRefused) {
  for (const std::string name : {"gal ery", "gal(1)", "gal/x", "gäl"}) {
    ExpectInvalidName(ValidateGalleryName(name), name);
  }
}

// --- image definition names ---

TEST(GalleryImageNameTest, DashInsideIsAllowed) {
  EXPECT_TRUE(ValidateGalleryImageName("ubuntu-22.04_lts").ok());
}

TEST(GalleryImageNameTest, OneAndEightyCharactersAreAllowed) {
  EXPECT_TRUE(ValidateGalleryImageName("d").ok());
  EXPECT_TRUE(ValidateGalleryImageName(std::string(80, 'd')).ok());
}

TEST(GalleryImageNameTest, EmptyAndEightyOneCharactersAreRefused) {
  ExpectInvalidName(ValidateGalleryImageName(""), "");
  const std::string name(81, 'd');
  ExpectInvalidName(ValidateGalleryImageName(name), name);
}

TEST(GalleryImageNameTest, MustStartAndEndWithLetterOrDigit) {
  for (const std::string name : {"-def", "def-", ".def", "def.", "_def", "def_"}) {
    ExpectInvalidName(ValidateGalleryImageName(name), name);
  }
}

TEST(GalleryImageNameTest, OtherSpecialCharactersAreRefused) {
  ExpectInvalidName(ValidateGalleryImageName("de f"), "de f");
}

// --- managed image names ---

TEST(ManagedImageNameTest, EndingWithUnderscoreIsAllowed) {
  EXPECT_TRUE(ValidateManagedImageName("image_").ok());
  EXPECT_TRUE(ValidateManagedImageName("my-image.v1_x").ok());
}

TEST(ManagedImageNameTest, OneAndEightyCharactersAreAllowed) {
  EXPECT_TRUE(ValidateManagedImageName("i").ok());
  EXPECT_TRUE(ValidateManagedImageName(std::string(80, 'i')).ok());
}

TEST(ManagedImageNameTest, EmptyAndEightyOneCharactersAreRefused) {
  ExpectInvalidName(ValidateManagedImageName(""), "");
  const std::string name(81, 'i');
  ExpectInvalidName(ValidateManagedImageName(name), name);
}

TEST(ManagedImageNameTest, EndingWithPeriodOrDashIsRefused) {
  ExpectInvalidName(ValidateManagedImageName("image."), "image.");
  ExpectInvalidName(ValidateManagedImageName("image-"), "image-");
}

TEST(ManagedImageNameTest, StartingWithUnderscoreIsRefused) {
  ExpectInvalidName(ValidateManagedImageName("_image"), "_image");
}

// --- resource group names ---

// Expects the resource group name error naming `value`.
void ExpectInvalidGroup(const Status& s, const std::string& value) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.reason(), "InvalidResourceGroup") << s.ToString();
  EXPECT_EQ(s.target(), "resourceGroupName");
  EXPECT_THAT(s.message(), HasSubstr("'" + value + "'"));
}

TEST(ResourceGroupNameTest, ParenthesesDashesAndOneToNinetyCharactersAreAllowed) {
  EXPECT_TRUE(ValidateResourceGroupName("r").ok());
  EXPECT_TRUE(ValidateResourceGroupName("rg-(test)_1.x").ok());
  EXPECT_TRUE(ValidateResourceGroupName(std::string(90, 'r')).ok());
}

TEST(ResourceGroupNameTest, EndingWithPeriodIsRefused) {
  ExpectInvalidGroup(ValidateResourceGroupName("rg."), "rg.");
}

TEST(ResourceGroupNameTest, EmptyAndNinetyOneCharactersAreRefused) {
  ExpectInvalidGroup(ValidateResourceGroupName(""), "");
  const std::string name(91, 'r');
  ExpectInvalidGroup(ValidateResourceGroupName(name), name);
}

TEST(ResourceGroupNameTest, OtherSpecialCharactersAreRefused) {
  ExpectInvalidGroup(ValidateResourceGroupName("rg/1"), "rg/1");
}

// --- identifier parts ---

constexpr char kPublisher[] = "galleryImage.properties.identifier.publisher";

void ExpectInvalidPart(const Status& s, const std::string& value, const std::string& field) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.reason(), "InvalidParameter") << s.ToString();
  EXPECT_EQ(s.target(), field);
  EXPECT_THAT(s.message(), HasSubstr("'" + value + "'"));
  EXPECT_THAT(s.message(), HasSubstr(field));
}

TEST(IdentifierPartTest, PublisherOf128CharactersIsAllowedAnd129Refused) {
  EXPECT_TRUE(ValidateIdentifierPart(std::string(128, 'p'), kPublisher, 128).ok());
  const std::string value(129, 'p');
  Status s = ValidateIdentifierPart(value, kPublisher, 128);
  ExpectInvalidPart(s, value, kPublisher);
  EXPECT_THAT(s.message(), HasSubstr("1 to 128 characters"));
}

TEST(IdentifierPartTest, OfferAndSkuOf64CharactersAreAllowedAnd65Refused) {
  for (const std::string field : {"identifier.offer", "identifier.sku"}) {
    EXPECT_TRUE(ValidateIdentifierPart(std::string(64, 'o'), field, 64).ok());
    const std::string value(65, 'o');
    Status s = ValidateIdentifierPart(value, field, 64);
    ExpectInvalidPart(s, value, field);
    EXPECT_THAT(s.message(), HasSubstr("1 to 64 characters"));
  }
}

TEST(IdentifierPartTest, DashesPeriodsAndUnderscoresAreAllowed) {
  EXPECT_TRUE(ValidateIdentifierPart("Canonical-Ltd_x.y", kPublisher, 128).ok());
  EXPECT_TRUE(ValidateIdentifierPart("-start._", kPublisher, 128).ok());
}

TEST(IdentifierPartTest, EndingWithPeriodIsRefused) {
  ExpectInvalidPart(ValidateIdentifierPart("Canonical.", kPublisher, 128), "Canonical.",
                    kPublisher);
}

TEST(IdentifierPartTest, EmptyIsRefused) {
  ExpectInvalidPart(ValidateIdentifierPart("", kPublisher, 128), "", kPublisher);
}

TEST(IdentifierPartTest, OtherSpecialCharactersAreRefused) {
  ExpectInvalidPart(ValidateIdentifierPart("a b", kPublisher, 128), "a b", kPublisher);
  ExpectInvalidPart(ValidateIdentifierPart("a/b", kPublisher, 128), "a/b", kPublisher);
}

// --- tags ---

TEST(TagsTest, UpToTheLimitsAreAllowed) {
  Limits limits;
  Tags tags;
  for (int i = 0; i < limits.max_tags; ++i) {
    tags["k" + std::to_string(i)] = "v";
  }
  tags["k0"] = std::string(static_cast<size_t>(limits.max_tag_value_length), 'v');
  tags[std::string(static_cast<size_t>(limits.max_tag_name_length) - 1, 'n')] = "";
  tags.erase("k1");
  EXPECT_TRUE(ValidateTags(tags, limits).ok());
  EXPECT_TRUE(ValidateTags(Tags{}, limits).ok());
}

TEST(TagsTest, MoreThanMaxTagsIsRefused) {
  Limits limits;
  limits.max_tags = 2;
  Status s = ValidateTags({{"a", "1"}, {"b", "2"}, {"c", "3"}}, limits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "InvalidTagCount");
  EXPECT_EQ(s.target(), "tags");
  EXPECT_THAT(s.message(), HasSubstr("3 tags; at most 2"));
}

TEST(TagsTest, ReservedCharactersInTagNameAreRefused) {
  Limits limits;
  for (const std::string key : {"a<b", "a>b", "a%b", "a&b", "a\\b", "a?b", "a/b"}) {
    Status s = ValidateTags({{key, "v"}}, limits);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(s.reason(), "InvalidTagNameCharacters") << key;
    EXPECT_THAT(s.message(), HasSubstr("'" + key + "'"));
  }
}

TEST(TagsTest, EmptyOrTooLongTagNameIsRefused) {
  Limits limits;
  const std::string long_key(static_cast<size_t>(limits.max_tag_name_length) + 1, 'k');
  for (const std::string& key : {std::string(), long_key}) {
    Status s = ValidateTags({{key, "v"}}, limits);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.reason(), "InvalidTagNameCharacters");
    EXPECT_EQ(s.target(), "tags");
  }
}

TEST(TagsTest, TooLongTagValueIsRefused) {
  Limits limits;
  const std::string value(static_cast<size_t>(limits.max_tag_value_length) + 1, 'v');
  Status s = ValidateTags({{"env", value}}, limits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "InvalidTagValueLength");
  EXPECT_EQ(s.target(), "tags");
  EXPECT_THAT(s.message(), HasSubstr("'env'"));
  EXPECT_THAT(s.message(), HasSubstr("257 characters long; at most 256"));
}

}  // namespace
}  // namespace gallery::domain
