#pragma once
// Name rules of each resource type, as the Azure gallery resource provider enforces them.
// Each returns InvalidArgument (reason "InvalidParameter"), target "name" (or `field`), with a
// message that names the offending value and states the rule. Exceptions, as ARM answers them:
// resource group names use reason "InvalidResourceGroup" and target "resourceGroupName"; tags
// use reasons "InvalidTagCount", "InvalidTagNameCharacters" and "InvalidTagValueLength",
// target "tags".

#include <string_view>

#include "common/status.h"
#include "domain/limits.h"
#include "domain/resource.h"

namespace gallery::domain {

// 1-80 characters: letters, digits, '_' and '.'; starts and ends with a letter or digit; no '-'.
Status ValidateGalleryName(std::string_view name);
// 1-80 characters: letters, digits, '_', '-' and '.'; starts and ends with a letter or digit.
Status ValidateGalleryImageName(std::string_view name);
// 1-80 characters: letters, digits, '_', '.' and '-'; starts with a letter or digit; ends with
// a letter, digit or '_'.
Status ValidateManagedImageName(std::string_view name);
// Managed disks: the same rule as managed images, named "Disk" in the message.
Status ValidateDiskName(std::string_view name);
// 1-90 characters: letters, digits, '_', '-', '.', '(' and ')'; does not end with '.'.
Status ValidateResourceGroupName(std::string_view name);
// An identifier part (publisher, offer, sku): 1..max_length characters of letters, digits, '-',
// '.' and '_', not ending with '.'.
Status ValidateIdentifierPart(std::string_view value, std::string_view field, size_t max_length);
// At most limits.max_tags tags; names 1..max_tag_name_length characters without '<>%&\?/';
// values at most max_tag_value_length characters.
Status ValidateTags(const Tags& tags, const Limits& limits);

}  // namespace gallery::domain
