#include "metadata/metadata_store.h"

namespace gallery::metadata {

const domain::TrackedResource& Meta(const Resource& r) {
  return std::visit([](const auto& x) -> const domain::TrackedResource& { return x.meta; }, r);
}

domain::TrackedResource& Meta(Resource& r) {
  return std::visit([](auto& x) -> domain::TrackedResource& { return x.meta; }, r);
}

const char* TypeOf(const Resource& r) {
  return std::visit([](const auto& x) -> const char* { return std::decay_t<decltype(x)>::kType; },
                    r);
}

}  // namespace gallery::metadata
