#include "api/json_reader.h"

#include <algorithm>
#include <limits>

namespace gallery::api {

namespace {

// Deeper bodies are refused before parsing: the parser and every later walk recurse, and no
// ARM body needs more than a dozen levels.
constexpr int kMaxDepth = 64;

// The deepest nesting of arrays and objects in `body`, counting brackets outside strings.
int NestingDepth(std::string_view body) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Status BadContent(std::string message, std::string target = {}) {
  return Status::InvalidArgument(std::move(message), std::move(target))
      .WithReason("InvalidRequestContent");
}

// The refusal of `value` (null when absent) at `path`, which must be `expected`.
Status WrongTypeAt(const std::string& path, std::string_view expected,
                   const nlohmann::json* value) {
  std::string shown = value != nullptr ? value->dump() : "null";
  if (shown.size() > 80) {
    shown = shown.substr(0, 77) + "...";
  }
  return BadContent(
      "The value of '" + path + "' must be " + std::string(expected) + ", not " + shown + ".",
      path);
}

}  // namespace

Result<nlohmann::json> JsonReader::Parse(std::string_view body) {
  if (body.empty()) {
    return BadContent("The request content was invalid and could not be deserialized: the body "
                      "is empty; a JSON object is required.");
  }
  if (NestingDepth(body) > kMaxDepth) {
    return BadContent("The request content was invalid and could not be deserialized: it nests "
                      "arrays and objects more than " +
                      std::to_string(kMaxDepth) + " levels deep.");
  }
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return BadContent("The request content was invalid and could not be deserialized: it is not "
                      "valid JSON.");
  }
  if (!json.is_object()) {
    return BadContent("The request content was invalid and could not be deserialized: expected "
                      "a JSON object, found " +
                      std::string(json.type_name()) + ".");
  }
  return json;
}

std::string JsonReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const nlohmann::json* JsonReader::Find(std::string_view key) const {
  auto it = json_->find(key);
  if (it == json_->end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

bool JsonReader::Has(std::string_view key) const { return Find(key) != nullptr; }

Status JsonReader::WrongType(std::string_view key, std::string_view expected) const {
  return WrongTypeAt(PathOf(key), expected, Find(key));
}

Result<std::optional<std::string>> JsonReader::String(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    return std::optional<std::string>();
  }
  if (!v->is_string()) {
    return WrongType(key, "a string");
  }
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<int64_t>> JsonReader::IntegerIn(std::string_view key, int64_t min,
                                                      int64_t max,
                                                      std::string_view expected) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    return std::optional<int64_t>();
  }
  // Non-negative literals parse as unsigned; reading one above INT64_MAX as int64_t would wrap
  // (18446744073709551615 -> -1), so unsigned values are range-checked as unsigned.
  if (v->is_number_unsigned()) {
    const uint64_t n = v->get<uint64_t>();
    if (n <= static_cast<uint64_t>(max)) {
      return std::optional<int64_t>(static_cast<int64_t>(n));
    }
  } else if (v->is_number_integer()) {
    const int64_t n = v->get<int64_t>();
    if (n >= min && n <= max) {
      return std::optional<int64_t>(n);
    }
  }
  // Some clients send numbers as strings ("2"); accept exact non-negative integers only.
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    if (!s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos) {
      const int64_t n = std::stoll(s);
      if (n <= max) {
        return std::optional<int64_t>(n);
      }
    }
  }
  return WrongType(key, expected);
}

Result<std::optional<int32_t>> JsonReader::Int32(std::string_view key) const {
  GALLERY_ASSIGN_OR_RETURN(std::optional<int64_t> n,
                           IntegerIn(key, std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max(), "a 32-bit integer"));
  if (!n.has_value()) {
    return std::optional<int32_t>();
  }
  return std::optional<int32_t>(static_cast<int32_t>(*n));
}

Result<std::optional<int64_t>> JsonReader::Int64(std::string_view key) const {
  return IntegerIn(key, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                   "a 64-bit integer");
}

Result<std::optional<bool>> JsonReader::Bool(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    return std::optional<bool>();
  }
  if (v->is_boolean()) {
    return std::optional<bool>(v->get<bool>());
  }
  if (v->is_string()) {
    const std::string s = ToLower(v->get<std::string>());
    if (s == "true" || s == "false") {
      return std::optional<bool>(s == "true");
    }
  }
  return WrongType(key, "a boolean");
}

Result<std::optional<std::optional<TimestampMs>>> JsonReader::Timestamp(
    std::string_view key) const {
  auto it = json_->find(key);
  if (it == json_->end()) {
    return std::optional<std::optional<TimestampMs>>();
  }
  if (it->is_null()) {
    return std::optional<std::optional<TimestampMs>>(std::optional<TimestampMs>());
  }
  if (!it->is_string()) {
    return WrongType(key, "a date-time string");
  }
  GALLERY_ASSIGN_OR_RETURN(TimestampMs t, ParseTimestamp(it->get<std::string>(), PathOf(key)));
  return std::optional<std::optional<TimestampMs>>(t);
}

Result<std::optional<domain::Tags>> JsonReader::Tags(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    return std::optional<domain::Tags>();
  }
  if (!v->is_object()) {
    return WrongType(key, "an object of string values");
  }
  domain::Tags tags;
  for (const auto& [name, value] : v->items()) {
    if (value.is_string()) {
      tags[name] = value.get<std::string>();
    } else if (value.is_null()) {
      tags[name] = "";
    } else {
      return BadContent("The value of tag '" + name + "' in '" + PathOf(key) +
                            "' must be a string, not " + value.dump() + ".",
                        PathOf(key));
    }
  }
  return std::optional<domain::Tags>(std::move(tags));
}

Result<std::optional<JsonReader>> JsonReader::Object(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    return std::optional<JsonReader>();
  }
  if (!v->is_object()) {
    return WrongType(key, "an object");
  }
  return std::optional<JsonReader>(JsonReader(*v, PathOf(key)));
}

Result<std::optional<std::vector<JsonReader>>> JsonReader::ObjectArray(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    return std::optional<std::vector<JsonReader>>();
  }
  if (!v->is_array()) {
    return WrongType(key, "an array");
  }
  std::vector<JsonReader> items;
  for (size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& item = (*v)[i];
    const std::string item_path = PathOf(key) + "[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return BadContent("The value of '" + item_path + "' must be an object, not " + item.dump() +
                            ".",
                        item_path);
    }
    items.emplace_back(item, item_path);
  }
  return std::optional<std::vector<JsonReader>>(std::move(items));
}

namespace {

bool IsKind(const nlohmann::json& v, JsonReader::Kind kind) {
  switch (kind) {
    case JsonReader::Kind::kObject:
      return v.is_object();
    case JsonReader::Kind::kArray:
      return v.is_array();
    case JsonReader::Kind::kString:
      return v.is_string();
    case JsonReader::Kind::kBool:
      return v.is_boolean();
    case JsonReader::Kind::kInteger:
      return v.is_number_integer();
  }
  return false;
}

std::string_view KindName(JsonReader::Kind kind) {
  switch (kind) {
    case JsonReader::Kind::kObject:
      return "an object";
    case JsonReader::Kind::kArray:
      return "an array";
    case JsonReader::Kind::kString:
      return "a string";
    case JsonReader::Kind::kBool:
      return "a boolean (true or false)";
    case JsonReader::Kind::kInteger:
      return "an integer";
  }
  return "";
}

// Checks the members at `path` (the rest of a TypedMember's path) under `v`, named `shown`.
Status CheckAt(const nlohmann::json& v, std::string_view path, JsonReader::Kind kind,
               const std::string& shown) {
  if (path.empty()) {
    return v.is_null() || IsKind(v, kind) ? Status::Ok() : WrongTypeAt(shown, KindName(kind), &v);
  }
  const size_t end = path.find('.');
  std::string_view step = path.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? "" : path.substr(end + 1);
  const bool each = step.ends_with("[]");
  if (each) {
    step.remove_suffix(2);
  }
  if (!v.is_object()) {
    return Status::Ok();  // the container's own type is checked by its own entry
  }
  auto it = v.find(std::string(step));
  if (it == v.end() || it->is_null()) {
    return Status::Ok();
  }
  const std::string here = shown + "." + std::string(step);
  if (!each) {
    return CheckAt(*it, rest, kind, here);
  }
  if (!it->is_array()) {
    return Status::Ok();
  }
  for (size_t i = 0; i < it->size(); ++i) {
    GALLERY_RETURN_IF_ERROR(
        CheckAt((*it)[i], rest, kind, here + "[" + std::to_string(i) + "]"));
  }
  return Status::Ok();
}

}  // namespace

Status JsonReader::CheckTypes(std::initializer_list<TypedMember> members) const {
  for (const TypedMember& m : members) {
    GALLERY_RETURN_IF_ERROR(CheckAt(*json_, m.path, m.kind, path_));
  }
  return Status::Ok();
}

nlohmann::json JsonReader::Rest(std::initializer_list<std::string_view> known) const {
  nlohmann::json rest = nlohmann::json::object();
  for (const auto& [key, value] : json_->items()) {
    bool is_known = false;
    for (std::string_view k : known) {
      is_known = is_known || k == key;
    }
    if (!is_known && !value.is_null()) {
      rest[key] = value;
    }
  }
  return rest;
}

}  // namespace gallery::api
