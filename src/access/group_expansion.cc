#include "access/group_expansion.h"

#include <algorithm>
#include <deque>
#include <set>

#include "common/resource_id.h"

namespace gallery::access {

Result<std::vector<std::string>> TransitiveGroups(metadata::Transaction& tx,
                                                  const std::string& object_id) {
  // Object ids compare case-insensitively, as the store does.
  const std::string self = ToLower(object_id);
  std::set<std::string> seen;
  std::vector<std::string> groups;
  std::deque<std::string> pending = {object_id};
  while (!pending.empty()) {
    GALLERY_ASSIGN_OR_RETURN(std::vector<std::string> parents, tx.ListGroupsOf(pending.front()));
    pending.pop_front();
    for (std::string& parent : parents) {
      const std::string key = ToLower(parent);
      if (key == self || !seen.insert(key).second) {
        continue;
      }
      if (seen.size() > kMaxTransitiveGroups) {
        return Status::ResourceExhausted("principal '" + object_id + "' belongs to more than " +
                                         std::to_string(kMaxTransitiveGroups) + " groups");
      }
      groups.push_back(parent);
      pending.push_back(std::move(parent));
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

}  // namespace gallery::access
