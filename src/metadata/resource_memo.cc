#include "metadata/resource_memo.h"

#include <utility>

namespace gallery::metadata {

std::shared_ptr<const Resource> ResourceMemo::Find(std::string_view key, std::string_view type,
                                                   std::string_view body) const {
  return entries_.Visit(key, [&](const Entry& e) {
    return e.body == body && e.type == type ? e.resource : nullptr;
  });
}

std::shared_ptr<const Resource> ResourceMemo::Remember(std::string_view key,
                                                       std::string_view type,
                                                       std::string_view body, Resource resource) {
  auto shared = std::make_shared<const Resource>(std::move(resource));
  entries_.Put(std::string(key), Entry{std::string(type), std::string(body), shared},
               body.size());
  return shared;
}

}  // namespace gallery::metadata
