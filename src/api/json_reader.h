#pragma once
// JsonReader: typed reads from a request body whose errors name the JSON path, so a client
// learns exactly which field was wrong ("galleryImage.properties.osType must be a string").
//
// Absent keys and JSON null read as std::nullopt. Type mismatches are InvalidArgument with
// reason "InvalidRequestContent". A reader borrows the JSON it reads; keep that alive.

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "domain/resource.h"

namespace gallery::api {

class JsonReader {
 public:
  // `json` must be an object (see Parse for the top level); `path` is its dotted name.
  JsonReader(const nlohmann::json& json, std::string path) : json_(&json), path_(std::move(path)) {}

  // Parses a request body that must be a JSON object.
  static Result<nlohmann::json> Parse(std::string_view body);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const;
  bool Has(std::string_view key) const;

  Result<std::optional<std::string>> String(std::string_view key) const;
  Result<std::optional<int32_t>> Int32(std::string_view key) const;
  Result<std::optional<int64_t>> Int64(std::string_view key) const;
  Result<std::optional<bool>> Bool(std::string_view key) const;
  // Absent: nullopt. null: engaged nullopt (clear). A string: the parsed date-time.
  Result<std::optional<std::optional<TimestampMs>>> Timestamp(std::string_view key) const;
  Result<std::optional<domain::Tags>> Tags(std::string_view key) const;
  Result<std::optional<JsonReader>> Object(std::string_view key) const;
  // An array of objects.
  Result<std::optional<std::vector<JsonReader>>> ObjectArray(std::string_view key) const;
  // The members not named in `known` and not null: what the server stores uninterpreted.
  nlohmann::json Rest(std::initializer_list<std::string_view> known) const;

  // The JSON type a member stored uninterpreted must have.
  enum class Kind { kObject, kArray, kString, kBool, kInteger };
  struct TypedMember {
    std::string_view path;  // dotted, "[]" for every element of an array: "features[].name"
    Kind kind;
  };
  // Checks the type of each member `members` names that is present (null reads as absent):
  // members this server stores without interpreting them (Rest) must still be what ARM
  // clients deserialize, or one bad value breaks every client listing the resource. The
  // first mismatch is InvalidRequestContent naming its path and value.
  Status CheckTypes(std::initializer_list<TypedMember> members) const;

 private:
  Status WrongType(std::string_view key, std::string_view expected) const;
  // An integer in [min, max] (or a string of decimal digits naming one); WrongType otherwise.
  Result<std::optional<int64_t>> IntegerIn(std::string_view key, int64_t min, int64_t max,
                                           std::string_view expected) const;
  const nlohmann::json* Find(std::string_view key) const;

  const nlohmann::json* json_;
  std::string path_;
};

}  // namespace gallery::api
