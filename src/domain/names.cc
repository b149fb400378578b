#include "domain/names.h"

#include <cctype>
#include <string>

namespace gallery::domain {

namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool AllOf(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (!IsAlnum(c) && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Status BadName(std::string_view kind, std::string_view name, std::string_view rule,
               std::string_view target = "name") {
  return Status::InvalidArgument(std::string(kind) + " name '" + std::string(name) +
                                     "' is invalid. " + std::string(rule),
                                 std::string(target))
      .WithReason("InvalidParameter");
}

}  // namespace

Status ValidateGalleryName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 80 && AllOf(name, "_.") && IsAlnum(name.front()) &&
                  IsAlnum(name.back());
  if (ok) {
    return Status::Ok();
  }
  return BadName("Gallery", name,
                 "Allowed characters are English alphanumeric characters, with underscores, and "
                 "periods allowed in the middle, up to 80 characters total. All other special "
                 "characters, including dashes, are disallowed.");
}

Status ValidateGalleryImageName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 80 && AllOf(name, "_.-") &&
                  IsAlnum(name.front()) && IsAlnum(name.back());
  if (ok) {
    return Status::Ok();
  }
  return BadName("Gallery image", name,
                 "Allowed characters are English alphanumeric characters, with underscores, "
                 "periods and dashes allowed in the middle, up to 80 characters total.");
}

namespace {

// Managed images and disks: 1-80 characters, letters, digits, '_', '.', '-'; starts with a
// letter or digit, ends with a letter, digit or '_'.
Status ValidateComputeName(std::string_view kind, std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 80 && AllOf(name, "_.-") &&
                  IsAlnum(name.front()) && (IsAlnum(name.back()) || name.back() == '_');
  if (ok) {
    return Status::Ok();
  }
  return BadName(kind, name,
                 "It must be 1 to 80 characters of letters, digits, underscores, periods and "
                 "hyphens, start with a letter or digit, and end with a letter, digit or "
                 "underscore.");
}

}  // namespace

Status ValidateManagedImageName(std::string_view name) {
  return ValidateComputeName("Image", name);
}

Status ValidateDiskName(std::string_view name) { return ValidateComputeName("Disk", name); }

Status ValidateResourceGroupName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 90 && AllOf(name, "_-.()") && name.back() != '.';
  if (ok) {
    return Status::Ok();
  }
  return BadName("Resource group", name,
                 "It must be 1 to 90 characters of letters, digits, underscores, hyphens, "
                 "periods and parentheses, and may not end with a period.",
                 "resourceGroupName")
      .WithReason("InvalidResourceGroup");
}

Status ValidateIdentifierPart(std::string_view value, std::string_view field, size_t max_length) {
  const bool ok = !value.empty() && value.size() <= max_length && AllOf(value, "-._") &&
                  value.back() != '.';
  if (ok) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
             "The value '" + std::string(value) + "' of " + std::string(field) +
                 " is invalid. It must be 1 to " + std::to_string(max_length) +
                 " characters of letters, digits, hyphens, periods and underscores, and may not "
                 "end with a period.",
             std::string(field))
      .WithReason("InvalidParameter");
}

Status ValidateTags(const Tags& tags, const Limits& limits) {
  if (tags.size() > static_cast<size_t>(limits.max_tags)) {
    return Status::InvalidArgument("The resource has " + std::to_string(tags.size()) +
                                       " tags; at most " + std::to_string(limits.max_tags) +
                                       " are allowed.",
                                   "tags")
        .WithReason("InvalidTagCount");
  }
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > static_cast<size_t>(limits.max_tag_name_length) ||
        key.find_first_of("<>%&\\?/") != std::string::npos) {
      return Status::InvalidArgument("The tag name '" + key +
                                         "' is invalid. Tag names are 1 to " +
                                         std::to_string(limits.max_tag_name_length) +
                                         " characters and may not contain <, >, %, &, \\, ? or /.",
                                     "tags")
          .WithReason("InvalidTagNameCharacters");
    }
    if (value.size() > static_cast<size_t>(limits.max_tag_value_length)) {
      return Status::InvalidArgument("The value of tag '" + key + "' is " +
                                         std::to_string(value.size()) +
                                         " characters long; at most " +
                                         std::to_string(limits.max_tag_value_length) +
                                         " are allowed.",
                                     "tags")
          .WithReason("InvalidTagValueLength");
    }
  }
  return Status::Ok();
}

}  // namespace gallery::domain
