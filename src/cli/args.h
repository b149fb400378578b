#pragma once
// Parsing of command-line values that CLI11 cannot check by itself, in az's syntax.
// Every error is a usage error (see UsageError): the command exits 2 before any request.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::cli {

// The reason() that marks a Status as a usage error (bad arguments, exit code 2).
inline constexpr std::string_view kUsageErrorReason = "UsageError";

// InvalidArgument with reason kUsageErrorReason.
Status UsageError(std::string message);
bool IsUsageError(const Status& status);

// Parses `--target-regions` items into ARM TargetRegion objects, in order:
//   "eastus"                  -> {"name":"eastus"}
//   "eastus=2"                -> {"name":"eastus","regionalReplicaCount":2}
//   "eastus=Standard_ZRS"     -> {"name":"eastus","storageAccountType":"Standard_ZRS"}
//   "eastus=2=standard_zrs"   -> {"name":"eastus","regionalReplicaCount":2,
//                                 "storageAccountType":"Standard_ZRS"}
// The count must be an integer from 1 to 2147483647; storage types are matched
// case-insensitively against Standard_LRS, Standard_ZRS, Premium_LRS, PremiumV2_LRS.
// Usage error naming the item otherwise (empty region, bad count, unknown type, extra parts).
Result<nlohmann::json> ParseTargetRegions(const std::vector<std::string>& items);

// Parses `--tags` items "key=value" (or "key" for an empty value) into a JSON object; empty
// items are skipped, so `--tags ""` gives {}. Usage error for an empty key.
Result<nlohmann::json> ParseTags(const std::vector<std::string>& items);

// Checks that `text` is a date or date-time ARM accepts ("2030-12-31",
// "2030-12-31T12:00:00Z"); usage error naming `option` otherwise.
Status ValidateDateTime(std::string_view text, std::string_view option);

}  // namespace gallery::cli
