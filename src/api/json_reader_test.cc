#include "api/json_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace gallery::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// 2030-12-31T12:59:59Z
constexpr TimestampMs kEndOfLife = 1924952399000;

void ExpectBadContent(const Status& s, const std::string& target) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.reason(), "InvalidRequestContent") << s.ToString();
  EXPECT_EQ(s.target(), target) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("'" + target + "'"));
}

class JsonReaderTest : public ::testing::Test {
 protected:
  // A reader at galleryImage.properties over `props`.
  JsonReader Props() const { return JsonReader(props_, "galleryImage.properties"); }

  json props_ = json::object();
};

// --- Parse ---

TEST(JsonReaderCheckTypesTest, PresentMembersMustHaveTheirTypeAbsentOrNullOnesPass) {
  using K = JsonReader::Kind;
  const json props = {{"softDeletePolicy", {{"isSoftDeleteEnabled", true}}},
                      {"features", {{{"name", "a"}, {"value", "true"}}, {{"name", "b"}}}},
                      {"eula", nullptr}};
  JsonReader r(props, "x.properties");
  EXPECT_TRUE(r.CheckTypes({{"softDeletePolicy", K::kObject},
                            {"softDeletePolicy.isSoftDeleteEnabled", K::kBool},
                            {"features[].value", K::kString},
                            {"eula", K::kString},
                            {"purchasePlan.name", K::kString}})
                  .ok());

  const json bad_bool = {{"softDeletePolicy", {{"isSoftDeleteEnabled", "maybe"}}}};
  Status s = JsonReader(bad_bool, "gallery.properties")
                 .CheckTypes({{"softDeletePolicy.isSoftDeleteEnabled", K::kBool}});
  EXPECT_EQ(s.reason(), "InvalidRequestContent");
  EXPECT_EQ(s.target(), "gallery.properties.softDeletePolicy.isSoftDeleteEnabled");
  EXPECT_THAT(s.message(), HasSubstr("must be a boolean"));
  EXPECT_THAT(s.message(), HasSubstr("\"maybe\""));

  const json bad_element = {{"features", {{{"name", "a"}}, {{"name", 5}}}}};
  s = JsonReader(bad_element, "p").CheckTypes({{"features[].name", K::kString}});
  EXPECT_EQ(s.target(), "p.features[1].name");
  const json not_array = {{"features", "x"}};
  s = JsonReader(not_array, "p").CheckTypes({{"features", K::kArray}, {"features[].name", K::kString}});
  EXPECT_EQ(s.target(), "p.features");
  const json not_int = {{"n", 1.5}};
  EXPECT_FALSE(JsonReader(not_int, "p").CheckTypes({{"n", K::kInteger}}).ok());
}

TEST(JsonReaderParseTest, ObjectBodyParses) {
  Result<json> j = JsonReader::Parse(R"({"location":"eastus2"})");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["location"], "eastus2");
}

TEST(JsonReaderParseTest, EmptyBodyIsInvalidRequestContent) {
  Result<json> j = JsonReader::Parse("");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(j.status().reason(), "InvalidRequestContent");
  EXPECT_THAT(j.status().message(), HasSubstr("empty"));
}

TEST(JsonReaderParseTest, InvalidJsonIsInvalidRequestContent) {
  for (const char* body : {"{", "{\"a\":}", "not json", "{\"a\":1}}"}) {
    Result<json> j = JsonReader::Parse(body);
    ASSERT_FALSE(j.ok()) << body;
    EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(j.status().reason(), "InvalidRequestContent") << body;
  }
}

TEST(JsonReaderParseTest, NonObjectBodyIsInvalidRequestContentNamingTheType) {
  for (const char* body : {"[]", "\"text\"", "42", "null", "true"}) {
    Result<json> j = JsonReader::Parse(body);
    ASSERT_FALSE(j.ok()) << body;
    EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(j.status().reason(), "InvalidRequestContent") << body;
    EXPECT_THAT(j.status().message(), HasSubstr("expected a JSON object")) << body;
  }
}

// --- paths ---

TEST_F(JsonReaderTest, PathOfJoinsWithADot) {
  EXPECT_EQ(Props().PathOf("osType"), "galleryImage.properties.osType");
  EXPECT_EQ(JsonReader(props_, "").PathOf("location"), "location");
}

TEST_F(JsonReaderTest, HasIsFalseForAbsentAndNull) {
  props_ = {{"a", 1}, {"b", nullptr}};
  EXPECT_TRUE(Props().Has("a"));
  EXPECT_FALSE(Props().Has("b"));
  EXPECT_FALSE(Props().Has("c"));
}

// --- String ---

TEST_F(JsonReaderTest, StringReadsAStringAndNulloptForAbsentOrNull) {
  props_ = {{"s", "text"}, {"n", nullptr}};
  EXPECT_EQ(*Props().String("s"), std::optional<std::string>("text"));
  EXPECT_EQ(*Props().String("n"), std::nullopt);
  EXPECT_EQ(*Props().String("absent"), std::nullopt);
}

TEST_F(JsonReaderTest, StringOfANonStringIsInvalidRequestContentNamingThePath) {
  for (json value : {json(1), json(true), json::array(), json::object()}) {
    props_ = {{"osType", value}};
    Result<std::optional<std::string>> r = Props().String("osType");
    ASSERT_FALSE(r.ok()) << value.dump();
    ExpectBadContent(r.status(), "galleryImage.properties.osType");
  }
}

// --- Int32 ---

TEST_F(JsonReaderTest, Int32ReadsIntegersAtBothLimits) {
  props_ = {{"zero", 0}, {"min", -2147483648LL}, {"max", 2147483647LL}, {"n", nullptr}};
  EXPECT_EQ(*Props().Int32("zero"), std::optional<int32_t>(0));
  EXPECT_EQ(*Props().Int32("min"), std::optional<int32_t>(INT32_MIN));
  EXPECT_EQ(*Props().Int32("max"), std::optional<int32_t>(INT32_MAX));
  EXPECT_EQ(*Props().Int32("n"), std::nullopt);
  EXPECT_EQ(*Props().Int32("absent"), std::nullopt);
}

TEST_F(JsonReaderTest, Int32OutOfRangeIsInvalidRequestContent) {
  for (json value : {json(2147483648LL), json(-2147483649LL), json(9223372036854775807LL),
                     json(18446744073709551615ULL), json(9223372036854775808ULL)}) {
    props_ = {{"replicaCount", value}};
    Result<std::optional<int32_t>> r = Props().Int32("replicaCount");
    ASSERT_FALSE(r.ok()) << value.dump() << " read as " << r->value_or(0);
    ExpectBadContent(r.status(), "galleryImage.properties.replicaCount");
  }
}

TEST_F(JsonReaderTest, Int32AcceptsAnUnsignedLiteralFromTheParser) {
  props_ = json::parse(R"({"replicaCount": 3})");
  EXPECT_EQ(*Props().Int32("replicaCount"), std::optional<int32_t>(3));
}

TEST_F(JsonReaderTest, Int32AcceptsDecimalDigitStrings) {
  props_ = {{"a", "2"}, {"b", "2147483647"}, {"c", "007"}};
  EXPECT_EQ(*Props().Int32("a"), std::optional<int32_t>(2));
  EXPECT_EQ(*Props().Int32("b"), std::optional<int32_t>(INT32_MAX));
  EXPECT_EQ(*Props().Int32("c"), std::optional<int32_t>(7));
}

TEST_F(JsonReaderTest, Int32RejectsNonIntegerStringsAndValues) {
  for (json value : {json("2147483648"), json("99999999999"), json(""), json("1.5"), json(" 2"),
                     json("two"), json(1.5), json(true), json::array()}) {
    props_ = {{"replicaCount", value}};
    Result<std::optional<int32_t>> r = Props().Int32("replicaCount");
    ASSERT_FALSE(r.ok()) << value.dump();
    ExpectBadContent(r.status(), "galleryImage.properties.replicaCount");
  }
}

// --- Bool ---

TEST_F(JsonReaderTest, BoolReadsBooleansAndTrueFalseStringsInAnyCase) {
  props_ = {{"t", true}, {"f", false}, {"st", "True"}, {"sf", "FALSE"}, {"n", nullptr}};
  EXPECT_EQ(*Props().Bool("t"), std::optional<bool>(true));
  EXPECT_EQ(*Props().Bool("f"), std::optional<bool>(false));
  EXPECT_EQ(*Props().Bool("st"), std::optional<bool>(true));
  EXPECT_EQ(*Props().Bool("sf"), std::optional<bool>(false));
  EXPECT_EQ(*Props().Bool("n"), std::nullopt);
  EXPECT_EQ(*Props().Bool("absent"), std::nullopt);
}

TEST_F(JsonReaderTest, BoolRejectsOtherValues) {
  for (json value : {json("yes"), json("1"), json(1), json(0), json::object()}) {
    props_ = {{"excludeFromLatest", value}};
    Result<std::optional<bool>> r = Props().Bool("excludeFromLatest");
    ASSERT_FALSE(r.ok()) << value.dump();
    ExpectBadContent(r.status(), "galleryImage.properties.excludeFromLatest");
  }
}

// --- Timestamp ---

TEST_F(JsonReaderTest, TimestampAbsentIsUnsetAndNullIsClear) {
  props_ = {{"endOfLifeDate", nullptr}};
  Result<std::optional<std::optional<TimestampMs>>> absent = Props().Timestamp("other");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  Result<std::optional<std::optional<TimestampMs>>> clear = Props().Timestamp("endOfLifeDate");
  ASSERT_TRUE(clear.ok());
  ASSERT_TRUE(clear->has_value());
  EXPECT_FALSE(clear->value().has_value());
}

TEST_F(JsonReaderTest, TimestampParsesADateTimeString) {
  props_ = {{"endOfLifeDate", "2030-12-31T12:59:59Z"}};
  Result<std::optional<std::optional<TimestampMs>>> r = Props().Timestamp("endOfLifeDate");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(**r, std::optional<TimestampMs>(kEndOfLife));
}

TEST_F(JsonReaderTest, TimestampOfANonStringIsInvalidRequestContent) {
  props_ = {{"endOfLifeDate", 1924952399}};
  Result<std::optional<std::optional<TimestampMs>>> r = Props().Timestamp("endOfLifeDate");
  ASSERT_FALSE(r.ok());
  ExpectBadContent(r.status(), "galleryImage.properties.endOfLifeDate");
}

TEST_F(JsonReaderTest, TimestampOfAMalformedStringIsInvalidParameterNamingThePath) {
  props_ = {{"endOfLifeDate", "next tuesday"}};
  Result<std::optional<std::optional<TimestampMs>>> r = Props().Timestamp("endOfLifeDate");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_EQ(r.status().target(), "galleryImage.properties.endOfLifeDate");
  EXPECT_THAT(r.status().message(), HasSubstr("next tuesday"));
}

// --- Tags ---

TEST_F(JsonReaderTest, TagsReadStringValuesAndNullAsEmpty) {
  props_ = {{"tags", {{"env", "dev"}, {"owner", nullptr}}}};
  Result<std::optional<domain::Tags>> r = Props().Tags("tags");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(**r, (domain::Tags{{"env", "dev"}, {"owner", ""}}));
}

TEST_F(JsonReaderTest, TagsAbsentOrNullAreUnsetAndEmptyObjectIsEmpty) {
  props_ = {{"n", nullptr}, {"e", json::object()}};
  EXPECT_EQ(*Props().Tags("n"), std::nullopt);
  EXPECT_EQ(*Props().Tags("absent"), std::nullopt);
  EXPECT_EQ(*Props().Tags("e"), std::optional<domain::Tags>(domain::Tags{}));
}

TEST_F(JsonReaderTest, TagsThatAreNotAnObjectAreInvalidRequestContent) {
  props_ = {{"tags", json::array({"a"})}};
  Result<std::optional<domain::Tags>> r = Props().Tags("tags");
  ASSERT_FALSE(r.ok());
  ExpectBadContent(r.status(), "galleryImage.properties.tags");
}

TEST_F(JsonReaderTest, TagWithANonStringValueIsInvalidRequestContentNamingTheTag) {
  for (json value : {json(1), json(true), json::object(), json::array()}) {
    props_ = {{"tags", {{"ok", "x"}, {"count", value}}}};
    Result<std::optional<domain::Tags>> r = Props().Tags("tags");
    ASSERT_FALSE(r.ok()) << value.dump();
    ExpectBadContent(r.status(), "galleryImage.properties.tags");
    EXPECT_THAT(r.status().message(), HasSubstr("'count'"));
  }
}

// --- Object ---

TEST_F(JsonReaderTest, ObjectNestsThePath) {
  props_ = {{"identifier", {{"publisher", 7}}}};
  Result<std::optional<JsonReader>> id = Props().Object("identifier");
  ASSERT_TRUE(id.ok() && id->has_value());
  EXPECT_EQ((*id)->path(), "galleryImage.properties.identifier");
  Result<std::optional<std::string>> publisher = (*id)->String("publisher");
  ASSERT_FALSE(publisher.ok());
  ExpectBadContent(publisher.status(), "galleryImage.properties.identifier.publisher");
}

TEST_F(JsonReaderTest, ObjectAbsentOrNullIsUnset) {
  props_ = {{"n", nullptr}};
  EXPECT_FALSE(Props().Object("n")->has_value());
  EXPECT_FALSE(Props().Object("absent")->has_value());
}

TEST_F(JsonReaderTest, ObjectOfANonObjectIsInvalidRequestContent) {
  for (json value : {json("x"), json(1), json::array()}) {
    props_ = {{"recommended", value}};
    Result<std::optional<JsonReader>> r = Props().Object("recommended");
    ASSERT_FALSE(r.ok()) << value.dump();
    ExpectBadContent(r.status(), "galleryImage.properties.recommended");
  }
}

// --- ObjectArray ---

TEST(JsonReaderArrayTest, ObjectArrayItemsCarryABracketedIndexPath) {
  json body = {
      {"properties",
       {{"publishingProfile", {{"targetRegions", {{{"name", "eastus"}}, {{"name", 5}}}}}}}}};
  JsonReader root(body, "galleryImageVersion");
  JsonReader props = **root.Object("properties");
  JsonReader publishing = **props.Object("publishingProfile");
  Result<std::optional<std::vector<JsonReader>>> targets = publishing.ObjectArray("targetRegions");
  ASSERT_TRUE(targets.ok() && targets->has_value());
  ASSERT_EQ((*targets)->size(), 2u);
  EXPECT_EQ((**targets)[0].path(),
            "galleryImageVersion.properties.publishingProfile.targetRegions[0]");
  EXPECT_EQ(*(**targets)[0].String("name"), std::optional<std::string>("eastus"));
  Result<std::optional<std::string>> bad = (**targets)[1].String("name");
  ASSERT_FALSE(bad.ok());
  ExpectBadContent(bad.status(),
                   "galleryImageVersion.properties.publishingProfile.targetRegions[1].name");
}

TEST(JsonReaderArrayTest, NonObjectItemIsInvalidRequestContentNamingTheIndex) {
  json publishing = {{"targetRegions", {{{"name", "eastus"}}, "westus"}}};
  JsonReader reader(publishing, "galleryImageVersion.properties.publishingProfile");
  Result<std::optional<std::vector<JsonReader>>> r = reader.ObjectArray("targetRegions");
  ASSERT_FALSE(r.ok());
  ExpectBadContent(r.status(), "galleryImageVersion.properties.publishingProfile.targetRegions[1]");
}

TEST_F(JsonReaderTest, ObjectArrayAbsentOrNullIsUnsetAndEmptyIsEmpty) {
  props_ = {{"n", nullptr}, {"e", json::array()}};
  EXPECT_FALSE(Props().ObjectArray("n")->has_value());
  EXPECT_FALSE(Props().ObjectArray("absent")->has_value());
  Result<std::optional<std::vector<JsonReader>>> empty = Props().ObjectArray("e");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_TRUE((*empty)->empty());
}

TEST_F(JsonReaderTest, ObjectArrayOfANonArrayIsInvalidRequestContent) {
  props_ = {{"dataDisks", json::object()}};
  Result<std::optional<std::vector<JsonReader>>> r = Props().ObjectArray("dataDisks");
  ASSERT_FALSE(r.ok());
  ExpectBadContent(r.status(), "galleryImage.properties.dataDisks");
}

// --- Rest ---

TEST_F(JsonReaderTest, RestKeepsUnknownMembersAndSkipsKnownAndNullOnes) {
  props_ = {{"osType", "Linux"},
            {"eula", "text"},
            {"purchasePlan", {{"name", "p"}}},
            {"disallowed", nullptr},
            {"features", json::array()}};
  json rest = Props().Rest({"osType", "description"});
  EXPECT_EQ(
      rest,
      (json{{"eula", "text"}, {"purchasePlan", {{"name", "p"}}}, {"features", json::array()}}));
}

TEST_F(JsonReaderTest, RestOfNothingUnknownIsAnEmptyObject) {
  props_ = {{"osType", "Linux"}, {"x", nullptr}};
  json rest = Props().Rest({"osType"});
  EXPECT_TRUE(rest.is_object());
  EXPECT_TRUE(rest.empty());
}

}  // namespace
}  // namespace gallery::api
