#include "cli/args.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include "common/resource_id.h"
#include "common/time.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kStorageAccountTypes[] = {"Standard_LRS", "Standard_ZRS", "Premium_LRS",
                                                     "PremiumV2_LRS"};

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

const std::string_view* FindStorageType(std::string_view text) {
  for (const std::string_view& type : kStorageAccountTypes) {
    if (EqualsIgnoreCase(type, text)) {
      return &type;
    }
  }
  return nullptr;
}

Result<int32_t> ParseReplicaCount(std::string_view item, std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 1 ||
      value > std::numeric_limits<int32_t>::max()) {
    return UsageError("argument --target-regions: invalid replica count '" + std::string(text) +
                      "' in '" + std::string(item) + "': expected an integer from 1 to " +
                      std::to_string(std::numeric_limits<int32_t>::max()));
  }
  return static_cast<int32_t>(value);
}

Status UnknownStorageType(std::string_view item, std::string_view text) {
  std::string known;
  for (std::string_view type : kStorageAccountTypes) {
    known += known.empty() ? "" : ", ";
    known += type;
  }
  return UsageError("argument --target-regions: '" + std::string(text) + "' in '" +
                    std::string(item) + "' is neither a replica count nor a storage account " +
                    "type (" + known + ")");
}

}  // namespace

Status UsageError(std::string message) {
  return Status::InvalidArgument(std::move(message)).WithReason(std::string(kUsageErrorReason));
}

bool IsUsageError(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument && status.reason() == kUsageErrorReason;
}

Result<json> ParseTargetRegions(const std::vector<std::string>& items) {
  json regions = json::array();
  for (const std::string& item : items) {
    std::vector<std::string_view> parts = Split(item, '=');
    if (parts[0].empty()) {
      return UsageError("argument --target-regions: '" + item + "' has no region name");
    }
    if (parts.size() > 3) {
      return UsageError("argument --target-regions: '" + item +
                        "' must be region[=count][=storage account type]");
    }
    json region = {{"name", std::string(parts[0])}};
    if (parts.size() == 2) {
      if (const std::string_view* type = FindStorageType(parts[1]); type != nullptr) {
        region["storageAccountType"] = std::string(*type);
      } else {
        GALLERY_ASSIGN_OR_RETURN(int32_t count, ParseReplicaCount(item, parts[1]));
        region["regionalReplicaCount"] = count;
      }
    } else if (parts.size() == 3) {
      GALLERY_ASSIGN_OR_RETURN(int32_t count, ParseReplicaCount(item, parts[1]));
      region["regionalReplicaCount"] = count;
      const std::string_view* type = FindStorageType(parts[2]);
      if (type == nullptr) {
        return UnknownStorageType(item, parts[2]);
      }
      region["storageAccountType"] = std::string(*type);
    }
    regions.push_back(std::move(region));
  }
  return regions;
}

Result<json> ParseTags(const std::vector<std::string>& items) {
  json tags = json::object();
  for (const std::string& item : items) {
    if (item.empty()) {
      continue;
    }
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (key.empty()) {
      return UsageError("argument --tags: '" + item + "' has an empty key; use key=value");
    }
    tags[key] = eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  return tags;
}

Status ValidateDateTime(std::string_view text, std::string_view option) {
  Result<TimestampMs> parsed = ParseTimestamp(text, option);
  if (!parsed.ok()) {
    return UsageError("argument " + std::string(option) + ": '" + std::string(text) +
                      "' is not a date or date-time such as 2030-12-31 or 2030-12-31T00:00:00Z");
  }
  return Status::Ok();
}

}  // namespace gallery::cli
