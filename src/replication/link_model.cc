#include "replication/link_model.h"

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <vector>

#include "domain/region_catalog.h"

namespace gallery::replication {
namespace {

using nlohmann::json;

constexpr double kBytesPerMB = 1e6;  // MB as network links count it, not MiB

Status Invalid(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(path + " " + what, path).WithReason("InvalidConfiguration");
}

std::string Got(const json& value) { return ", got " + value.dump(); }

// Keys starting with "_" are comments ("_comment" in config/links-example.json).
bool IsComment(const std::string& key) { return !key.empty() && key.front() == '_'; }

// An unknown key is an error rather than ignored: a misspelt "bandwidthMbps" would otherwise
// leave a link silently unlimited.
Status CheckObject(const json& value, const std::string& path,
                   std::initializer_list<std::string_view> known) {
  if (!value.is_object()) {
    return Invalid(path, "must be an object" + Got(value));
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (IsComment(it.key()) || std::find(known.begin(), known.end(), it.key()) != known.end()) {
      continue;
    }
    std::string names;
    for (std::string_view name : known) {
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    return Invalid(path + "." + it.key(), "is not a known key (known: " + names + ")");
  }
  return Status::Ok();
}

// Overwrites the parts of `link` that `value` (an object) states.
Status ReadLink(const json& value, const std::string& path, Link& link) {
  if (value.contains("bandwidthMBps")) {
    const json& mbps = value["bandwidthMBps"];
    // Written so that NaN (possible in a json built in code, not in parsed text) is refused.
    if (!mbps.is_number() || !(mbps.get<double>() >= 0)) {
      return Invalid(path + ".bandwidthMBps", "must be a number >= 0" + Got(mbps));
    }
    if (mbps.get<double>() > kMaxLinkBandwidthMBps) {
      return Invalid(path + ".bandwidthMBps",
                     "must be at most " + json(kMaxLinkBandwidthMBps).dump() + Got(mbps));
    }
    link.bytes_per_second = mbps.get<double>() * kBytesPerMB;
  }
  if (value.contains("latencyMs")) {
    const json& ms = value["latencyMs"];
    // An unsigned above INT64_MAX reads as negative and is refused with the rest.
    if (!ms.is_number_integer() || ms.get<int64_t>() < 0 || ms.get<int64_t>() > kMaxLinkLatencyMs) {
      return Invalid(path + ".latencyMs",
                     "must be an integer from 0 to " + std::to_string(kMaxLinkLatencyMs) + Got(ms));
    }
    link.latency_ms = ms.get<int64_t>();
  }
  return Status::Ok();
}

Result<std::string> ReadRegion(const json& pair, const std::string& path, const char* key) {
  const std::string key_path = path + "." + key;
  if (!pair.contains(key)) {
    return Invalid(key_path, "is missing (a region name)");
  }
  const json& value = pair[key];
  std::string name = value.is_string() ? domain::NormalizeRegionName(value.get<std::string>()) : "";
  if (name.empty()) {
    return Invalid(key_path, "must be a region name" + Got(value));
  }
  return name;
}

}  // namespace

LinkModel LinkModel::Unlimited() { return LinkModel(); }

Result<LinkModel> LinkModel::FromJson(const json& links) {
  const std::string root = "links";
  GALLERY_RETURN_IF_ERROR(CheckObject(links, root, {"default", "pairs"}));
  LinkModel model;
  if (links.contains("default")) {
    const std::string path = root + ".default";
    GALLERY_RETURN_IF_ERROR(CheckObject(links["default"], path, {"bandwidthMBps", "latencyMs"}));
    GALLERY_RETURN_IF_ERROR(ReadLink(links["default"], path, model.default_));
  }
  if (!links.contains("pairs")) {
    return model;
  }
  const json& pairs = links["pairs"];
  if (!pairs.is_array()) {
    return Invalid(root + ".pairs", "must be an array" + Got(pairs));
  }
  std::map<Pair, size_t> set_by;  // which entry set each ordered pair, for the repeat error
  for (size_t i = 0; i < pairs.size(); ++i) {
    const std::string path = root + ".pairs[" + std::to_string(i) + "]";
    const json& entry = pairs[i];
    GALLERY_RETURN_IF_ERROR(
        CheckObject(entry, path, {"from", "to", "bandwidthMBps", "latencyMs", "symmetric"}));
    GALLERY_ASSIGN_OR_RETURN(std::string from, ReadRegion(entry, path, "from"));
    GALLERY_ASSIGN_OR_RETURN(std::string to, ReadRegion(entry, path, "to"));
    if (from == to) {
      return Invalid(
          path, "links " + from + " to itself; copies inside a region are never " + "throttled");
    }
    bool symmetric = true;
    if (entry.contains("symmetric")) {
      if (!entry["symmetric"].is_boolean()) {
        return Invalid(path + ".symmetric", "must be true or false" + Got(entry["symmetric"]));
      }
      symmetric = entry["symmetric"].get<bool>();
    }
    // A pair states what differs from the default; what it leaves out is the default's.
    Link link = model.default_;
    GALLERY_RETURN_IF_ERROR(ReadLink(entry, path, link));
    std::vector<Pair> directions = {{from, to}};
    if (symmetric) {
      directions.emplace_back(to, from);
    }
    for (const Pair& direction : directions) {
      auto [it, inserted] = set_by.emplace(direction, i);
      if (!inserted) {
        return Invalid(path, "sets " + direction.first + " -> " + direction.second +
                                 " again (links.pairs[" + std::to_string(it->second) + "] set it)");
      }
      model.pairs_[direction] = link;
    }
  }
  return model;
}

Link LinkModel::For(std::string_view from, std::string_view to) const {
  Pair key{domain::NormalizeRegionName(from), domain::NormalizeRegionName(to)};
  if (key.first == key.second) {
    return Link{};
  }
  auto it = pairs_.find(key);
  return it == pairs_.end() ? default_ : it->second;
}

}  // namespace gallery::replication
