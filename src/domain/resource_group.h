#pragma once
// ResourceGroup: a container of resources in a subscription. Deleting it deletes its contents.

#include "domain/resource.h"

namespace gallery::domain {

struct ResourceGroup {
  static constexpr const char* kType = "Microsoft.Resources/resourceGroups";
  TrackedResource meta;
};

}  // namespace gallery::domain
