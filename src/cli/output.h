#pragma once
// Rendering of command results: JSON for programs (the default, what the server returned),
// aligned tables for people, tab-separated values for shell scripts.
//
//   std::string text = FormatOutput(gallery_json, OutputFormat::kTable, GalleryColumns());
//
// A result that is a JSON array renders one row per element; an object renders one row;
// null renders nothing in every format.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gallery::cli {

enum class OutputFormat { kJson, kTable, kTsv, kNone };

// "json", "table", "tsv", "none"; InvalidArgument otherwise.
Result<OutputFormat> ParseOutputFormat(std::string_view text);

struct Column {
  std::string header;
  // The cell text for one resource; "" for absent values.
  std::function<std::string(const nlohmann::json&)> value;
};

// kJson: pretty JSON (2-space indent) and a newline. kTable: a header line, a dashed line, then
// one line per row, columns separated by two spaces and padded to the widest cell, trailing
// spaces trimmed. kTsv: one line per row, cells separated by tabs, no header. kNone: "".
std::string FormatOutput(const nlohmann::json& value, OutputFormat format,
                         const std::vector<Column>& columns);

// A column reading a dotted path ("properties.provisioningState"): strings as they are,
// numbers and booleans as JSON writes them, absent/null as "".
Column FieldColumn(std::string header, std::string dotted_path);
// The string at `pointer` in `j`; empty when absent or not a string.
std::string StringAt(const nlohmann::json& j, const nlohmann::json::json_pointer& pointer);

// Columns of each kind of result.
std::vector<Column> ResourceGroupColumns();  // Name, Location, ProvisioningState
std::vector<Column> GalleryColumns();        // Name, ResourceGroup, Location, ProvisioningState
// Gallery columns + Publisher, Offer, Sku, OsType, OsState, HyperVGeneration
std::vector<Column> DefinitionColumns();
// Gallery columns + TargetRegions ("westus=2,eastus"), ReplicaCount, ExcludeFromLatest
std::vector<Column> VersionColumns();
// Gallery columns + OsType, HyperVGeneration
std::vector<Column> ManagedImageColumns();
// Gallery columns + Sku, OsType, DiskSizeGB, DiskState
std::vector<Column> DiskColumns();
std::vector<Column> UsageColumns();    // Name (localized), Current, Limit
std::vector<Column> AccountColumns();  // Name, SubscriptionId, State, IsDefault

}  // namespace gallery::cli
