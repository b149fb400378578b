#include "domain/region_catalog.h"

#include <algorithm>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

namespace gallery::domain {

std::string NormalizeRegionName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    if (!std::isspace(c)) {
      out += static_cast<char>(std::tolower(c));
    }
  }
  return out;
}

RegionCatalog RegionCatalog::Default() {
  // The product description's "Regional Support" tables.
  struct Row {
    const char* display;
    bool gallery;
    bool replicate;
  };
  static constexpr Row kRows[] = {
      {"West Central US", true, false}, {"East US 2", true, true},
      {"South Central US", true, true}, {"Southeast Asia", true, true},
      {"West Europe", true, true},      {"East US", false, true},
      {"West US", false, true},         {"West US 2", false, true},
      {"Central US", false, true},      {"North Central US", false, true},
      {"Canada Central", false, true},  {"Canada East", false, true},
      {"North Europe", false, true},    {"South India", false, true},
  };
  std::vector<Region> regions;
  for (const Row& row : kRows) {
    const std::string name = NormalizeRegionName(row.display);
    regions.push_back({name, row.display, row.gallery, row.replicate, {{name, ""}}});
  }
  return RegionCatalog(std::move(regions));
}

namespace {

bool PlainStoreName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
         });
}

// A region's "stores" (see FromJson).
Result<std::vector<StoreLocation>> ParseStores(const nlohmann::json& region,
                                               const std::string& region_name) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(
               "Invalid region catalog: 'stores' of region '" + region_name + "' " + why,
               "regions")
        .WithReason("InvalidConfiguration");
  };
  if (!region.contains("stores")) {
    return std::vector<StoreLocation>{{region_name, ""}};
  }
  const nlohmann::json& stores = region["stores"];
  if (!stores.is_array() || stores.empty()) {
    return bad("must be a non-empty array of {\"name\", \"path\"}.");
  }
  std::vector<StoreLocation> out;
  for (size_t i = 0; i < stores.size(); ++i) {
    const nlohmann::json& s = stores[i];
    const std::string at = "[" + std::to_string(i) + "]";
    if (!s.is_object()) {
      return bad(at + " must be an object {\"name\", \"path\"}.");
    }
    StoreLocation store;
    store.name = i == 0 ? region_name : region_name + "-" + std::to_string(i + 1);
    if (s.contains("name")) {
      if (!s["name"].is_string() || !PlainStoreName(s["name"].get<std::string>())) {
        return bad(at + ".name must be a plain folder name (a-z, 0-9, '-', '_', '.'), got " +
                   s["name"].dump() + ".");
      }
      if (i == 0 && s["name"].get<std::string>() != region_name) {
        return bad("[0].name must be the region's name '" + region_name + "' (or omitted), got " +
                   s["name"].dump() + ".");
      }
      store.name = s["name"].get<std::string>();
    }
    if (s.contains("path")) {
      if (!s["path"].is_string() || s["path"].get<std::string>().empty()) {
        return bad(at + ".path must be a non-empty string, got " + s["path"].dump() + ".");
      }
      store.path = s["path"].get<std::string>();
    }
    out.push_back(std::move(store));
  }
  return out;
}

}  // namespace

Result<RegionCatalog> RegionCatalog::FromJson(const nlohmann::json& config) {
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("Invalid region catalog: " + why, "regions")
        .WithReason("InvalidConfiguration");
  };
  if (!config.is_object() || !config.contains("regions") || !config["regions"].is_array()) {
    return bad("expected an object with an array 'regions'.");
  }
  std::vector<Region> regions;
  std::set<std::string> seen;
  bool any_gallery_host = false;
  for (const nlohmann::json& r : config["regions"]) {
    const bool has_name = r.is_object() && r.contains("name") && r["name"].is_string();
    const bool has_display =
        r.is_object() && r.contains("displayName") && r["displayName"].is_string();
    if (!has_name && !has_display) {
      return bad("every region needs a string 'name' or 'displayName'.");
    }
    // Either names the region: the short name defaults to the normalized display name, the
    // display name to the short name.
    Region region;
    region.name = NormalizeRegionName(has_name ? r["name"].get<std::string>()
                                               : r["displayName"].get<std::string>());
    region.display_name =
        has_display ? r["displayName"].get<std::string>() : r["name"].get<std::string>();
    // json::value() throws on a non-boolean; no exception may leave the domain.
    for (const char* flag : {"galleries", "replication"}) {
      if (r.contains(flag) && !r[flag].is_boolean()) {
        return bad("'" + std::string(flag) + "' of region '" + region.name +
                   "' must be true or false.");
      }
    }
    region.gallery_host = r.value("galleries", false);
    region.replication_target = r.value("replication", false);
    if (region.name.empty()) {
      return bad("a region has an empty name.");
    }
    const std::string display_key = NormalizeRegionName(region.display_name);
    const bool repeated = seen.count(region.name) > 0 || seen.count(display_key) > 0;
    if (repeated) {
      return bad("region '" + region.name + "' is listed twice.");
    }
    seen.insert(region.name);
    seen.insert(display_key);
    GALLERY_ASSIGN_OR_RETURN(region.stores, ParseStores(r, region.name));
    any_gallery_host = any_gallery_host || region.gallery_host;
    regions.push_back(std::move(region));
  }
  if (!any_gallery_host) {
    return bad("no region allows galleries ('galleries': true).");
  }
  // A store name is unique and never another region's (the first store of every region is
  // named like it).
  std::set<std::string> store_names;
  for (const Region& region : regions) {
    for (const StoreLocation& store : region.stores) {
      const bool other_region = store.name != region.name && seen.count(store.name) > 0;
      if (!store_names.insert(store.name).second || other_region) {
        return bad("store name '" + store.name + "' of region '" + region.name +
                   "' is used twice (store names are unique and differ from other regions').");
      }
    }
  }
  return RegionCatalog(std::move(regions));
}

std::vector<std::string> RegionCatalog::StoreNamesOf(std::string_view region) const {
  std::vector<std::string> names;
  if (const Region* r = Find(region); r != nullptr) {
    for (const StoreLocation& store : r->stores) {
      names.push_back(store.name);
    }
  }
  return names;
}

std::string RegionCatalog::RegionOfStore(std::string_view store) const {
  for (const Region& region : regions_) {
    for (const StoreLocation& s : region.stores) {
      if (s.name == store) {
        return region.name;
      }
    }
  }
  return "";
}

std::vector<StoreLocation> RegionCatalog::Stores() const {
  std::vector<StoreLocation> out;
  for (const Region& region : regions_) {
    out.insert(out.end(), region.stores.begin(), region.stores.end());
  }
  return out;
}

const Region* RegionCatalog::Find(std::string_view name) const {
  const std::string key = NormalizeRegionName(name);
  for (const Region& r : regions_) {
    if (r.name == key || NormalizeRegionName(r.display_name) == key) {
      return &r;
    }
  }
  return nullptr;
}

namespace {

Status NotAvailable(std::string_view name, std::string_view field, std::string_view what,
                    const std::vector<Region>& regions, bool (*allowed)(const Region&)) {
  std::string list;
  for (const Region& r : regions) {
    if (allowed(r)) {
      list += (list.empty() ? "" : ", ") + r.name;
    }
  }
  const std::string where = field == "location" ? "" : " in " + std::string(field);
  return Status::InvalidArgument("The location '" + std::string(name) + "'" + where +
                                     " is not available for " +
                                     std::string(what) + ". Allowed locations: " + list + ".",
                                 std::string(field))
      .WithReason("LocationNotAvailableForResourceType");
}

}  // namespace

Result<Region> RegionCatalog::Resolve(std::string_view name, std::string_view field) const {
  if (const Region* r = Find(name)) {
    return *r;
  }
  return NotAvailable(name, field, "this gallery service (it is not in the region catalog)",
                      regions_, [](const Region&) { return true; });
}

Result<Region> RegionCatalog::ResolveGalleryRegion(std::string_view name,
                                                   std::string_view field) const {
  const Region* r = Find(name);
  if (r != nullptr && r->gallery_host) {
    return *r;
  }
  return NotAvailable(name, field, "galleries", regions_,
                      [](const Region& x) { return x.gallery_host; });
}

Result<Region> RegionCatalog::ResolveReplicationRegion(std::string_view name,
                                                       std::string_view field) const {
  const Region* r = Find(name);
  if (r != nullptr && r->replication_target) {
    return *r;
  }
  return NotAvailable(name, field, "image version replication", regions_,
                      [](const Region& x) { return x.replication_target; });
}

}  // namespace gallery::domain
