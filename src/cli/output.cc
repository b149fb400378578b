#include "cli/output.h"

#include <algorithm>

#include "common/resource_id.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

constexpr int kJsonIndent = 2;
constexpr std::string_view kColumnGap = "  ";

const json* Lookup(const json& root, std::string_view dotted_path) {
  const json* node = &root;
  size_t start = 0;
  while (start <= dotted_path.size()) {
    size_t dot = dotted_path.find('.', start);
    std::string key(dotted_path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!node->is_object()) {
      return nullptr;
    }
    auto it = node->find(key);
    if (it == node->end()) {
      return nullptr;
    }
    node = &*it;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return node;
}

std::string CellText(const json* value) {
  if (value == nullptr || value->is_null()) {
    return "";
  }
  if (value->is_string()) {
    return value->get<std::string>();
  }
  return value->dump();
}

// Cells never contain the separators of their format.
std::string Clean(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string RightTrim(std::string line) {
  while (!line.empty() && line.back() == ' ') {
    line.pop_back();
  }
  return line;
}

std::vector<std::vector<std::string>> Rows(const json& value, const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> rows;
  auto add = [&](const json& item) {
    std::vector<std::string> row;
    for (const Column& c : columns) {
      row.push_back(Clean(c.value(item)));
    }
    rows.push_back(std::move(row));
  };
  if (value.is_array()) {
    for (const json& item : value) {
      add(item);
    }
  } else {
    add(value);
  }
  return rows;
}

std::string FormatTable(const json& value, const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> rows = Rows(value, columns);
  std::vector<size_t> widths;
  for (const Column& c : columns) {
    widths.push_back(c.header.size());
  }
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) {
        out += kColumnGap;
      }
      out += cells[i];
      out.append(widths[i] - cells[i].size(), ' ');
    }
    return RightTrim(std::move(out)) + "\n";
  };
  std::vector<std::string> headers;
  std::vector<std::string> dashes;
  for (size_t i = 0; i < columns.size(); ++i) {
    headers.push_back(columns[i].header);
    dashes.emplace_back(widths[i], '-');
  }
  std::string out = line(headers) + line(dashes);
  for (const auto& row : rows) {
    out += line(row);
  }
  return out;
}

std::string FormatTsv(const json& value, const std::vector<Column>& columns) {
  std::string out;
  for (const auto& row : Rows(value, columns)) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += (i > 0 ? "\t" : "") + row[i];
    }
    out += "\n";
  }
  return out;
}

Column ResourceGroupFromId() {
  return {"ResourceGroup", [](const json& j) {
            Result<ResourceId> id = ResourceId::Parse(CellText(Lookup(j, "id")));
            return id.ok() ? id->resource_group() : std::string();
          }};
}

std::vector<Column> TrackedResourceColumns() {
  return {FieldColumn("Name", "name"), ResourceGroupFromId(), FieldColumn("Location", "location"),
          FieldColumn("ProvisioningState", "properties.provisioningState")};
}

std::vector<Column> Concat(std::vector<Column> a, std::vector<Column> b) {
  for (Column& c : b) {
    a.push_back(std::move(c));
  }
  return a;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "json") {
    return OutputFormat::kJson;
  }
  if (text == "table") {
    return OutputFormat::kTable;
  }
  if (text == "tsv") {
    return OutputFormat::kTsv;
  }
  if (text == "none") {
    return OutputFormat::kNone;
  }
  return Status::InvalidArgument("unknown output format '" + std::string(text) +
                                 "'; use json, table, tsv or none");
}

std::string FormatOutput(const json& value, OutputFormat format,
                         const std::vector<Column>& columns) {
  if (value.is_null()) {
    return "";
  }
  switch (format) {
    case OutputFormat::kJson:
      return value.dump(kJsonIndent) + "\n";
    case OutputFormat::kTable:
      return FormatTable(value, columns);
    case OutputFormat::kTsv:
      return FormatTsv(value, columns);
    case OutputFormat::kNone:
      return "";
  }
  return "";
}

Column FieldColumn(std::string header, std::string dotted_path) {
  return {std::move(header),
          [path = std::move(dotted_path)](const json& j) { return CellText(Lookup(j, path)); }};
}

std::vector<Column> ResourceGroupColumns() {
  return {FieldColumn("Name", "name"), FieldColumn("Location", "location"),
          FieldColumn("ProvisioningState", "properties.provisioningState")};
}

std::vector<Column> GalleryColumns() { return TrackedResourceColumns(); }

std::vector<Column> DefinitionColumns() {
  return Concat(
      TrackedResourceColumns(),
      {FieldColumn("Publisher", "properties.identifier.publisher"),
       FieldColumn("Offer", "properties.identifier.offer"),
       FieldColumn("Sku", "properties.identifier.sku"), FieldColumn("OsType", "properties.osType"),
       FieldColumn("OsState", "properties.osState"),
       FieldColumn("HyperVGeneration", "properties.hyperVGeneration")});
}

std::vector<Column> VersionColumns() {
  Column regions{"TargetRegions", [](const json& j) {
                   const json* targets = Lookup(j, "properties.publishingProfile.targetRegions");
                   std::string out;
                   if (targets == nullptr || !targets->is_array()) {
                     return out;
                   }
                   for (const json& t : *targets) {
                     out += out.empty() ? "" : ",";
                     out += CellText(Lookup(t, "name"));
                     std::string count = CellText(Lookup(t, "regionalReplicaCount"));
                     if (!count.empty()) {
                       out += "=" + count;
                     }
                   }
                   return out;
                 }};
  return Concat(
      TrackedResourceColumns(),
      {std::move(regions), FieldColumn("ReplicaCount", "properties.publishingProfile.replicaCount"),
       FieldColumn("ExcludeFromLatest", "properties.publishingProfile.excludeFromLatest")});
}

std::vector<Column> ManagedImageColumns() {
  return Concat(TrackedResourceColumns(),
                {FieldColumn("OsType", "properties.storageProfile.osDisk.osType"),
                 FieldColumn("HyperVGeneration", "properties.hyperVGeneration")});
}

std::vector<Column> DiskColumns() {
  return Concat(TrackedResourceColumns(),
                {FieldColumn("Sku", "sku.name"), FieldColumn("OsType", "properties.osType"),
                 FieldColumn("DiskSizeGB", "properties.diskSizeGB"),
                 FieldColumn("DiskState", "properties.diskState")});
}

std::vector<Column> UsageColumns() {
  Column name{"Name", [](const json& j) {
                std::string localized = CellText(Lookup(j, "name.localizedValue"));
                return localized.empty() ? CellText(Lookup(j, "name.value")) : localized;
              }};
  return {std::move(name), FieldColumn("Current", "currentValue"), FieldColumn("Limit", "limit")};
}

std::vector<Column> AccountColumns() {
  return {FieldColumn("Name", "name"), FieldColumn("SubscriptionId", "id"),
          FieldColumn("State", "state"), FieldColumn("IsDefault", "isDefault")};
}

std::string StringAt(const nlohmann::json& j, const nlohmann::json::json_pointer& pointer) {
  return j.is_object() && j.contains(pointer) && j.at(pointer).is_string()
             ? j.at(pointer).get<std::string>()
             : "";
}

}  // namespace gallery::cli
