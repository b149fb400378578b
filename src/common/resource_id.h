#pragma once
// ResourceId: an Azure Resource Manager resource id, such as
//   /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{g}/images/{i}
//
// ARM ids are case-insensitive: Key() is the lower-cased form used for lookups and uniqueness,
// while ToString() keeps the casing the resource was created with. Parsing accepts any casing
// of the fixed segments ("resourcegroups", "PROVIDERS"). Thread-compatible value type.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace gallery {

class ResourceId {
 public:
  // One `{type}/{name}` step below the provider namespace, e.g. {"galleries", "gal1"}.
  struct Segment {
    std::string type;
    std::string name;
  };

  ResourceId() = default;

  // Parses an absolute id. Accepts subscription, resource group and provider resource ids.
  // Returns InvalidArgument (reason "InvalidResourceId") naming the input when malformed.
  static Result<ResourceId> Parse(std::string_view text);

  static ResourceId ForSubscription(std::string subscription);
  static ResourceId ForResourceGroup(std::string subscription, std::string resource_group);
  // A provider resource in a resource group; `segments` must not be empty.
  static ResourceId ForResource(std::string subscription, std::string resource_group,
                                std::string provider, std::vector<Segment> segments);

  const std::string& subscription() const { return subscription_; }
  const std::string& resource_group() const { return resource_group_; }
  const std::string& provider() const { return provider_; }
  const std::vector<Segment>& segments() const { return segments_; }

  bool IsSubscription() const { return resource_group_.empty() && provider_.empty(); }
  bool IsResourceGroup() const { return !resource_group_.empty() && provider_.empty(); }

  // "Microsoft.Compute/galleries/images"; "Microsoft.Resources/resourceGroups" and
  // "Microsoft.Resources/subscriptions" for the two container kinds.
  std::string Type() const;
  // The last name: the gallery name, the version name, the group name, the subscription id.
  std::string Name() const;
  // The id one level up: version -> definition -> gallery -> resource group -> subscription.
  // The parent of a subscription is itself.
  ResourceId Parent() const;
  // A child of this provider resource (or of a resource group when provider is given).
  ResourceId Child(std::string type, std::string name) const;

  std::string ToString() const;
  // Lower-cased ToString(): equal for ids that ARM considers the same.
  std::string Key() const;
  // True when `other` is this id or lies below it (the scope rule of role assignments).
  bool Contains(const ResourceId& other) const;

  friend bool operator==(const ResourceId& a, const ResourceId& b) { return a.Key() == b.Key(); }

 private:
  std::string subscription_;
  std::string resource_group_;
  std::string provider_;
  std::vector<Segment> segments_;
};

// ASCII lower-casing, for case-insensitive names and keys, whatever the process locale.
constexpr char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
std::string ToLower(std::string_view s);
// True when the resource with key `outer` (ResourceId::Key) is the one with key `inner` or lies
// above it, segment-wise: ".../galleries/g1" contains ".../galleries/g1/images/d" but not
// ".../galleries/g10".
bool KeyContains(std::string_view outer, std::string_view inner);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace gallery
