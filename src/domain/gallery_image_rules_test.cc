#include "domain/gallery_image_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

// 2025-01-01T00:00:00Z: the fixed "now" of every rule.
constexpr TimestampMs kNow = 1735689600000;
constexpr TimestampMs kDay = 24LL * 60 * 60 * 1000;

ResourceId DefinitionId(const std::string& name) {
  return ResourceId::ForResource("sub1", "rg1", "Microsoft.Compute",
                                 {{"galleries", "gal1"}, {"images", name}});
}

// A complete, valid PUT body.
GalleryImageInput ValidInput() {
  GalleryImageInput in;
  in.location = "westeurope";
  in.os_type = OsType::kLinux;
  in.os_state = OsState::kGeneralized;
  in.identifier = ImageIdentifier{"Canonical", "UbuntuServer", "22_04-lts"};
  return in;
}

// The input that re-sends every field of `image` unchanged (what `az ... update` PUTs).
GalleryImageInput Resend(const GalleryImage& image) {
  GalleryImageInput in;
  in.location = image.meta.location;
  in.tags = image.meta.tags;
  in.description = image.description;
  in.os_type = image.os_type;
  in.os_state = image.os_state;
  in.hyper_v_generation = image.hyper_v_generation;
  in.architecture = image.architecture;
  in.identifier = image.identifier;
  in.end_of_life = image.end_of_life;
  in.recommended_vcpus = image.recommended_vcpus;
  in.recommended_memory = image.recommended_memory;
  in.extra = image.extra;
  return in;
}

void ExpectError(const Status& s, StatusCode code, const std::string& reason,
                 const std::string& names) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.reason(), reason) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(names));
}

void ExpectChangeNotAllowed(const Status& s, const std::string& property) {
  ExpectError(s, StatusCode::kInvalidArgument, "PropertyChangeNotAllowed",
              "Changing property 'galleryImage.properties." + property + "' is not allowed.");
}

class GalleryImageRulesTest : public ::testing::Test {
 protected:
  Result<GalleryImage> Create(const GalleryImageInput& in, const std::string& name = "def1") {
    return NewGalleryImage(DefinitionId(name), in, ctx_);
  }

  // A provisioned definition with every updatable field set.
  GalleryImage Existing() {
    GalleryImageInput in = ValidInput();
    in.description = "old";
    in.tags = Tags{{"env", "dev"}};
    in.hyper_v_generation = HyperVGeneration::kV2;
    in.architecture = Architecture::kX64;
    in.end_of_life = std::optional<TimestampMs>(kNow + 30 * kDay);
    in.recommended_vcpus = ResourceRange{2, 8};
    in.recommended_memory = ResourceRange{4, 16};
    in.extra = {{"eula", "terms"}};
    Result<GalleryImage> image = Create(in);
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    image->meta.provisioning_state = ProvisioningState::kSucceeded;
    return *image;
  }

  Result<GalleryImage> Update(const GalleryImage& current, const GalleryImageInput& in,
                              UpdateMode mode = UpdateMode::kReplace) {
    return UpdateGalleryImage(current, in, mode, ctx_);
  }

  RegionCatalog regions_ = RegionCatalog::Default();
  Limits limits_;
  RuleContext ctx_{regions_, limits_, kNow};
};

// --- create ---

TEST_F(GalleryImageRulesTest, ValidDefinitionIsCreatingWithHyperVGenerationDefaultV1) {
  GalleryImageInput in = ValidInput();
  in.location = "West Europe";
  Result<GalleryImage> image = Create(in);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->meta.location, "westeurope");
  EXPECT_EQ(image->hyper_v_generation, HyperVGeneration::kV1);
  EXPECT_FALSE(image->architecture.has_value());
  EXPECT_EQ(image->meta.provisioning_state, ProvisioningState::kCreating);
  EXPECT_EQ(image->meta.created_at, kNow);
  EXPECT_EQ(image->identifier.sku, "22_04-lts");
}

TEST_F(GalleryImageRulesTest, DefinitionMayLiveInAnyCatalogRegion) {
  GalleryImageInput in = ValidInput();
  in.location = "eastus";
  EXPECT_TRUE(Create(in).ok());
}

TEST_F(GalleryImageRulesTest, ExplicitHyperVGenerationAndArchitectureAreKept) {
  GalleryImageInput in = ValidInput();
  in.hyper_v_generation = HyperVGeneration::kV2;
  in.architecture = Architecture::kArm64;
  Result<GalleryImage> image = Create(in);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->hyper_v_generation, HyperVGeneration::kV2);
  EXPECT_EQ(image->architecture, Architecture::kArm64);
}

TEST_F(GalleryImageRulesTest, InvalidNameIsInvalidParameter) {
  Result<GalleryImage> image = Create(ValidInput(), "-def");
  ASSERT_FALSE(image.ok());
  ExpectError(image.status(), StatusCode::kInvalidArgument, "InvalidParameter", "'-def'");
}

TEST_F(GalleryImageRulesTest, DashInsideTheNameIsAllowed) {
  EXPECT_TRUE(Create(ValidInput(), "ubuntu-22-04").ok());
}

TEST_F(GalleryImageRulesTest, MissingLocationIsInvalidParameter) {
  GalleryImageInput in = ValidInput();
  in.location.reset();
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument, "InvalidParameter", "'location'");
}

TEST_F(GalleryImageRulesTest, UnknownLocationIsLocationNotAvailable) {
  GalleryImageInput in = ValidInput();
  in.location = "atlantis";
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument,
              "LocationNotAvailableForResourceType", "'atlantis'");
}

TEST_F(GalleryImageRulesTest, MissingOsTypeIsInvalidParameterNamingIt) {
  GalleryImageInput in = ValidInput();
  in.os_type.reset();
  Status s = Create(in).status();
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
              "'galleryImage.properties.osType'");
  EXPECT_EQ(s.target(), "galleryImage.properties.osType");
}

TEST_F(GalleryImageRulesTest, MissingOsStateIsInvalidParameterNamingIt) {
  GalleryImageInput in = ValidInput();
  in.os_state.reset();
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument, "InvalidParameter",
              "'galleryImage.properties.osState'");
}

TEST_F(GalleryImageRulesTest, MissingIdentifierIsInvalidParameterNamingIt) {
  GalleryImageInput in = ValidInput();
  in.identifier.reset();
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument, "InvalidParameter",
              "'galleryImage.properties.identifier'");
}

TEST_F(GalleryImageRulesTest, SpecializedOsStateIsRefusedWithAnExplanation) {
  GalleryImageInput in = ValidInput();
  in.os_state = OsState::kSpecialized;
  Status s = Create(in).status();
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
              "galleryImage.properties.osState");
  EXPECT_THAT(s.message(), HasSubstr("specialized disks are not supported as images"));
  EXPECT_THAT(s.message(), HasSubstr("generalize"));
}

TEST_F(GalleryImageRulesTest, InvalidIdentifierPartsAreRefusedNamingThePart) {
  struct Case {
    ImageIdentifier id;
    std::string field;
  };
  for (const Case& c : {
           Case{{"Canonical.", "offer", "sku"}, "identifier.publisher"},
           Case{{std::string(129, 'p'), "offer", "sku"}, "identifier.publisher"},
           Case{{"pub", std::string(65, 'o'), "sku"}, "identifier.offer"},
           Case{{"pub", "offer", ""}, "identifier.sku"},
           Case{{"pub", "offer", "s k u"}, "identifier.sku"},
       }) {
    GalleryImageInput in = ValidInput();
    in.identifier = c.id;
    Status s = Create(in).status();
    ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
                "galleryImage.properties." + c.field);
    EXPECT_EQ(s.target(), "galleryImage.properties." + c.field);
  }
}

TEST_F(GalleryImageRulesTest, LongestIdentifierPartsAreAllowed) {
  GalleryImageInput in = ValidInput();
  in.identifier =
      ImageIdentifier{std::string(128, 'p'), std::string(64, 'o'), std::string(64, 's')};
  EXPECT_TRUE(Create(in).ok());
}

TEST_F(GalleryImageRulesTest, EndOfLifeInTheFutureIsAllowed) {
  GalleryImageInput in = ValidInput();
  in.end_of_life = std::optional<TimestampMs>(kNow + kDay);
  Result<GalleryImage> image = Create(in);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->end_of_life, kNow + kDay);
}

TEST_F(GalleryImageRulesTest, EndOfLifeInThePastIsRefused) {
  for (TimestampMs eol : {kNow - kDay, kNow}) {
    GalleryImageInput in = ValidInput();
    in.end_of_life = std::optional<TimestampMs>(eol);
    Status s = Create(in).status();
    ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
                "EndOfLifeDate must be set to a future date.");
    EXPECT_EQ(s.target(), "galleryImage.properties.endOfLifeDate");
  }
}

TEST_F(GalleryImageRulesTest, RecommendedMinGreaterThanMaxIsRefused) {
  GalleryImageInput vcpus = ValidInput();
  vcpus.recommended_vcpus = ResourceRange{8, 4};
  ExpectError(Create(vcpus).status(), StatusCode::kInvalidArgument, "InvalidParameter",
              "The minimum value of vCPUs must not be greater than the maximum value of vCPUs");
  GalleryImageInput memory = ValidInput();
  memory.recommended_memory = ResourceRange{32, 16};
  Status s = Create(memory).status();
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
              "The minimum value of memory must not be greater than the maximum value of memory");
  EXPECT_EQ(s.target(), "galleryImage.properties.recommended.memory");
}

TEST_F(GalleryImageRulesTest, RecommendedValuesBelowOneAreOutOfRange) {
  GalleryImageInput vcpus = ValidInput();
  vcpus.recommended_vcpus = ResourceRange{0, 4};
  Status s = Create(vcpus).status();
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
              "The value 0 of parameter galleryImage.properties.recommended.vCPUs.min is out of "
              "range");
  EXPECT_EQ(s.target(), "galleryImage.properties.recommended.vCPUs.min");
  GalleryImageInput memory = ValidInput();
  memory.recommended_memory = ResourceRange{std::nullopt, -1};
  ExpectError(Create(memory).status(), StatusCode::kInvalidArgument, "InvalidParameter",
              "galleryImage.properties.recommended.memory.max");
}

TEST_F(GalleryImageRulesTest, RecommendedEqualOrOpenRangesAreAllowed) {
  GalleryImageInput in = ValidInput();
  in.recommended_vcpus = ResourceRange{4, 4};
  in.recommended_memory = ResourceRange{1, std::nullopt};
  EXPECT_TRUE(Create(in).ok());
}

TEST_F(GalleryImageRulesTest, InvalidTagsAreRefused) {
  GalleryImageInput in = ValidInput();
  in.tags = Tags{{"a?b", "v"}};
  ExpectError(Create(in).status(), StatusCode::kInvalidArgument, "InvalidTagNameCharacters",
              "'a?b'");
}

// --- update: immutable fields ---

TEST_F(GalleryImageRulesTest, ChangingOsTypeIsNotAllowed) {
  GalleryImageInput in = Resend(Existing());
  in.os_type = OsType::kWindows;
  ExpectChangeNotAllowed(Update(Existing(), in).status(), "osType");
}

TEST_F(GalleryImageRulesTest, ChangingOsStateIsNotAllowed) {
  GalleryImageInput in = Resend(Existing());
  in.os_state = OsState::kSpecialized;
  ExpectChangeNotAllowed(Update(Existing(), in).status(), "osState");
}

TEST_F(GalleryImageRulesTest, ChangingHyperVGenerationIsNotAllowed) {
  GalleryImageInput in = Resend(Existing());
  in.hyper_v_generation = HyperVGeneration::kV1;
  ExpectChangeNotAllowed(Update(Existing(), in).status(), "hyperVGeneration");
}

TEST_F(GalleryImageRulesTest, ChangingArchitectureIsNotAllowed) {
  GalleryImageInput in = Resend(Existing());
  in.architecture = Architecture::kArm64;
  ExpectChangeNotAllowed(Update(Existing(), in).status(), "architecture");
}

TEST_F(GalleryImageRulesTest, ArchitectureX64MatchesADefinitionCreatedWithoutOne) {
  Result<GalleryImage> plain = Create(ValidInput());
  ASSERT_TRUE(plain.ok());
  GalleryImageInput in = Resend(*plain);
  in.architecture = Architecture::kX64;
  EXPECT_TRUE(Update(*plain, in).ok());
  in.architecture = Architecture::kArm64;
  ExpectChangeNotAllowed(Update(*plain, in).status(), "architecture");
}

TEST_F(GalleryImageRulesTest, ChangingAnyIdentifierPartIsNotAllowed) {
  GalleryImage current = Existing();
  GalleryImageInput publisher = Resend(current);
  publisher.identifier->publisher = "Other";
  ExpectChangeNotAllowed(Update(current, publisher).status(), "identifier.publisher");
  GalleryImageInput offer = Resend(current);
  offer.identifier->offer = "Other";
  ExpectChangeNotAllowed(Update(current, offer).status(), "identifier.offer");
  GalleryImageInput sku = Resend(current);
  sku.identifier->sku = "Other";
  ExpectChangeNotAllowed(Update(current, sku).status(), "identifier.sku");
}

TEST_F(GalleryImageRulesTest, ChangingAnExtraLikeEulaIsNotAllowed) {
  GalleryImageInput in = Resend(Existing());
  in.extra = {{"eula", "new terms"}};
  ExpectChangeNotAllowed(Update(Existing(), in).status(), "eula");
}

TEST_F(GalleryImageRulesTest, DifferentLocationIsAlreadyExistsInvalidResourceLocation) {
  GalleryImageInput in = Resend(Existing());
  in.location = "northeurope";
  ExpectError(Update(Existing(), in).status(), StatusCode::kAlreadyExists,
              "InvalidResourceLocation", "'northeurope'");
}

// --- update: updatable fields ---

TEST_F(GalleryImageRulesTest, ResendingIdenticalValuesSucceeds) {
  GalleryImage current = Existing();
  for (UpdateMode mode : {UpdateMode::kReplace, UpdateMode::kMerge}) {
    Result<GalleryImage> next = Update(current, Resend(current), mode);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->description, "old");
    EXPECT_EQ(next->end_of_life, current.end_of_life);
    EXPECT_EQ(next->meta.provisioning_state, ProvisioningState::kUpdating);
    EXPECT_EQ(next->meta.updated_at, kNow);
  }
}

TEST_F(GalleryImageRulesTest, UpdatableFieldsChange) {
  GalleryImageInput in = Resend(Existing());
  in.description = "new";
  in.tags = Tags{{"env", "prod"}};
  in.end_of_life = std::optional<TimestampMs>(kNow + 90 * kDay);
  in.recommended_vcpus = ResourceRange{1, 2};
  in.recommended_memory = ResourceRange{2, 64};
  Result<GalleryImage> next = Update(Existing(), in);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->description, "new");
  EXPECT_EQ(next->meta.tags, (Tags{{"env", "prod"}}));
  EXPECT_EQ(next->end_of_life, kNow + 90 * kDay);
  EXPECT_EQ(next->recommended_vcpus, (ResourceRange{1, 2}));
  EXPECT_EQ(next->recommended_memory, (ResourceRange{2, 64}));
}

TEST_F(GalleryImageRulesTest, PatchWithoutFieldsKeepsThem) {
  GalleryImage current = Existing();
  Result<GalleryImage> next = Update(current, GalleryImageInput{}, UpdateMode::kMerge);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->description, "old");
  EXPECT_EQ(next->meta.tags, current.meta.tags);
  EXPECT_EQ(next->end_of_life, current.end_of_life);
  EXPECT_EQ(next->recommended_vcpus, current.recommended_vcpus);
}

TEST_F(GalleryImageRulesTest, PutWithoutUpdatableFieldsClearsThemAndKeepsImmutables) {
  GalleryImage current = Existing();
  Result<GalleryImage> next = Update(current, GalleryImageInput{}, UpdateMode::kReplace);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->description, "");
  EXPECT_TRUE(next->meta.tags.empty());
  EXPECT_FALSE(next->end_of_life.has_value());
  EXPECT_EQ(next->recommended_vcpus, ResourceRange{});
  EXPECT_EQ(next->hyper_v_generation, HyperVGeneration::kV2);
  EXPECT_EQ(next->extra, current.extra);
}

TEST_F(GalleryImageRulesTest, ExplicitNullEndOfLifeClearsIt) {
  GalleryImageInput in;
  in.end_of_life.emplace(std::nullopt);  // present and null
  Result<GalleryImage> next = Update(Existing(), in, UpdateMode::kMerge);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->end_of_life.has_value());
}

TEST_F(GalleryImageRulesTest, PastEndOfLifeResentUnchangedSucceeds) {
  GalleryImage current = Existing();
  current.end_of_life = kNow - kDay;  // it was in the future when set
  EXPECT_TRUE(Update(current, Resend(current)).ok());
}

TEST_F(GalleryImageRulesTest, ChangedPastEndOfLifeIsRefused) {
  GalleryImage current = Existing();
  current.end_of_life = kNow - kDay;
  GalleryImageInput in = Resend(current);
  in.end_of_life = std::optional<TimestampMs>(kNow - 2 * kDay);
  ExpectError(Update(current, in).status(), StatusCode::kInvalidArgument, "InvalidParameter",
              "EndOfLifeDate must be set to a future date.");
}

TEST_F(GalleryImageRulesTest, UpdatedRecommendedMinGreaterThanMaxIsRefused) {
  GalleryImageInput in;
  in.recommended_vcpus = ResourceRange{16, 8};
  ExpectError(Update(Existing(), in, UpdateMode::kMerge).status(), StatusCode::kInvalidArgument,
              "InvalidParameter", "minimum value of vCPUs");
}

TEST_F(GalleryImageRulesTest, UpdatedInvalidTagsAreRefused) {
  GalleryImageInput in;
  in.tags = Tags{{"", "v"}};
  ExpectError(Update(Existing(), in, UpdateMode::kMerge).status(), StatusCode::kInvalidArgument,
              "InvalidTagNameCharacters", "tag name");
}

// --- identifier uniqueness ---

TEST_F(GalleryImageRulesTest, SameIdentifierInTheGalleryIsRefusedCaseInsensitively) {
  GalleryImage other = Existing();
  Result<GalleryImage> candidate = Create(ValidInput(), "def2");
  ASSERT_TRUE(candidate.ok());
  candidate->identifier = ImageIdentifier{"CANONICAL", "ubuntuserver", "22_04-LTS"};
  Status s = CheckIdentifierUnique(*candidate, {other});
  ExpectError(s, StatusCode::kInvalidArgument, "InvalidParameter",
              "Gallery image: def1 identified by (publisher:Canonical, offer:UbuntuServer, "
              "sku:22_04-lts) already exists in gallery gal1");
  EXPECT_THAT(s.message(), HasSubstr("'def2'"));
  EXPECT_EQ(s.target(), "galleryImage.properties.identifier");
}

TEST_F(GalleryImageRulesTest, IdentifierUniquenessIgnoresTheDefinitionItself) {
  GalleryImage self = Existing();
  GalleryImage renamed_case = self;
  renamed_case.meta.id = DefinitionId("DEF1");
  EXPECT_TRUE(CheckIdentifierUnique(self, {self}).ok());
  EXPECT_TRUE(CheckIdentifierUnique(renamed_case, {self}).ok());
}

TEST_F(GalleryImageRulesTest, DifferentIdentifiersAreUnique) {
  GalleryImage other = Existing();
  Result<GalleryImage> candidate = Create(ValidInput(), "def2");
  ASSERT_TRUE(candidate.ok());
  candidate->identifier.sku = "24_04-lts";
  EXPECT_TRUE(CheckIdentifierUnique(*candidate, {other}).ok());
  EXPECT_TRUE(CheckIdentifierUnique(*candidate, {}).ok());
}

}  // namespace
}  // namespace gallery::domain
