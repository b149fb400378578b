#pragma once
// Group expansion: every group a principal belongs to, directly or through nested groups.
//
// Memberships form a graph that may contain cycles (g1 in g2, g2 in g1); the expansion visits
// each group once, so cycles end, and never lists the principal itself.

#include <string>
#include <vector>

#include "common/result.h"
#include "metadata/metadata_store.h"

namespace gallery::access {

// Upper bound on the groups one expansion visits; more is ResourceExhausted.
inline constexpr size_t kMaxTransitiveGroups = 10000;

// The object ids of the groups `object_id` belongs to, transitively, sorted. Store errors pass
// through.
Result<std::vector<std::string>> TransitiveGroups(metadata::Transaction& tx,
                                                  const std::string& object_id);

}  // namespace gallery::access
