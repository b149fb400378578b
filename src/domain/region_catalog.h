#pragma once
// RegionCatalog: the regions (sites) this gallery knows, and what each may hold.
//
// The defaults are the product description's preview tables: galleries may be created in five
// regions ("Create Gallery In"), versions replicated to thirteen ("Replicate Version To").
// A region is named by its short name ("southcentralus") or its display name
// ("South Central US"); both resolve to the same Region, compared case- and space-insensitively.
// A region that is not in the catalog (another cloud, a typo) is InvalidArgument with reason
// "LocationNotAvailableForResourceType" (ARM's code) and a message listing the allowed names.
// Immutable after construction; thread-safe to share.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"

namespace gallery::domain {

// A chunk store of a region: a folder, named so manifests can say where their chunks are.
struct StoreLocation {
  std::string name;  // unique in the catalog; a region's first store is named like the region
  std::string path;  // empty: {data-dir}/stores/{name}
  friend bool operator==(const StoreLocation&, const StoreLocation&) = default;
};

struct Region {
  std::string name;          // short name, lower case: "southcentralus"
  std::string display_name;  // "South Central US"
  bool gallery_host = false;        // galleries may be created here
  bool replication_target = false;  // versions may be replicated here
  // At least one; the first holds uploads and images made in the region, and replicas are
  // spread over all of them round-robin.
  std::vector<StoreLocation> stores;
};

class RegionCatalog {
 public:
  // The spec's tables.
  static RegionCatalog Default();
  // From configuration: {"regions":[{"name","displayName","galleries":bool,"replication":bool,
  // "stores":[{"name","path"}]}]}. "name" defaults to the normalized "displayName" and
  // "displayName" to "name"; the flags default to false. "stores" defaults to one store named
  // like the region under the data directory; the first store's name is the region's (it may
  // be omitted), later ones default to "{region}-{n}" (n from 2); "path" defaults to
  // {data-dir}/stores/{name}. InvalidArgument (reason "InvalidConfiguration", target
  // "regions") when the shape is wrong, a region has neither name, a flag is not a boolean, a
  // name repeats (short or display, normalized), a store name is not a plain folder name
  // (a-z, 0-9, '-', '_', '.') or repeats or names another region, or no region hosts
  // galleries.
  static Result<RegionCatalog> FromJson(const nlohmann::json& config);

  const std::vector<Region>& regions() const { return regions_; }
  // Every store of every region, in catalog order.
  std::vector<StoreLocation> Stores() const;
  // The names of a region's stores, first store first; empty for a region not in the catalog.
  std::vector<std::string> StoreNamesOf(std::string_view region) const;
  // The region that has the store; "" when none has it.
  std::string RegionOfStore(std::string_view store) const;

  // Any catalog region; `field` names the request field in the error.
  Result<Region> Resolve(std::string_view name, std::string_view field) const;
  // A region where galleries may be created.
  Result<Region> ResolveGalleryRegion(std::string_view name, std::string_view field) const;
  // A region versions may be replicated to.
  Result<Region> ResolveReplicationRegion(std::string_view name, std::string_view field) const;

 private:
  explicit RegionCatalog(std::vector<Region> regions) : regions_(std::move(regions)) {}
  const Region* Find(std::string_view name) const;

  std::vector<Region> regions_;
};

// "South Central US" -> "southcentralus": lower case without spaces.
std::string NormalizeRegionName(std::string_view name);

}  // namespace gallery::domain
