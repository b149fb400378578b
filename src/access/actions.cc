#include "access/actions.h"

namespace gallery::access {

namespace {
const char* VerbName(Verb verb) {
  switch (verb) {
    case Verb::kRead:
      return "read";
    case Verb::kWrite:
      return "write";
    case Verb::kDelete:
      return "delete";
  }
  return "read";
}
}  // namespace

std::string ActionOn(std::string_view type, Verb verb) {
  std::string base(type);
  if (EqualsIgnoreCase(type, "Microsoft.Resources/resourceGroups")) {
    base = "Microsoft.Resources/subscriptions/resourceGroups";
  }
  return base + "/" + VerbName(verb);
}

std::string ActionOn(const ResourceId& id, Verb verb) { return ActionOn(id.Type(), verb); }

}  // namespace gallery::access
