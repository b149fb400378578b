#pragma once
// RuleContext: what the rules need to know about the world, passed in so they stay pure.

#include "common/time.h"
#include "domain/limits.h"
#include "domain/region_catalog.h"

namespace gallery::domain {

struct RuleContext {
  const RegionCatalog& regions;
  const Limits& limits;
  TimestampMs now = 0;
};

// How an update applies: PUT replaces the updatable fields (absent = cleared); PATCH merges
// (absent = unchanged). Immutable fields and a version's source are unchanged when absent in
// both, and may not be changed when present.
enum class UpdateMode { kReplace, kMerge };

}  // namespace gallery::domain
