#pragma once
// "Latest": which version a reference to a definition (or to `latest`) means.
//
// The latest version is the highest semantic version (numeric order: 1.10.0 > 1.9.0) that is
// provisioned (Succeeded, or Updating: an update keeps a provisioned version usable) and not
// excluded from latest. End of life is not a criterion: Azure keeps end-of-life versions
// usable. With a region: the version must target that region and its replication there must
// be Completed, whatever its provisioning state says of other regions (Creating, Updating,
// Succeeded or Failed; not Deleting), and the region's own excludeFromLatest (when set)
// overrides the version's, both ways.

#include <optional>
#include <string>
#include <vector>

#include "domain/gallery_image_version.h"

namespace gallery::domain {

// Returns the index into `versions` of the latest one, or nullopt when none qualifies.
// `region` is a short region name (already resolved) or nullopt for "any region".
std::optional<size_t> ResolveLatest(const std::vector<GalleryImageVersion>& versions,
                                    const std::optional<std::string>& region);

}  // namespace gallery::domain
