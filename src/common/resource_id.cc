#include "common/resource_id.h"

#include <algorithm>
#include <cctype>

namespace gallery {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = LowerAscii(c);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) {
      return false;
    }
  }
  return true;
}

namespace {

std::vector<std::string_view> SplitPath(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t slash = text.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = text.size();
    }
    parts.push_back(text.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

Status Malformed(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("The resource id '" + std::string(text) + "' is invalid: " +
                                 std::string(why) + ".")
      .WithReason("InvalidResourceId");
}

}  // namespace

Result<ResourceId> ResourceId::Parse(std::string_view text) {
  if (text.empty() || text.front() != '/') {
    return Malformed(text, "it must start with '/subscriptions/'");
  }
  std::string_view body = text.substr(1);
  if (!body.empty() && body.back() == '/') {
    body.remove_suffix(1);
  }
  std::vector<std::string_view> parts = SplitPath(body);
  if (std::any_of(parts.begin(), parts.end(), [](std::string_view p) { return p.empty(); })) {
    return Malformed(text, "it has an empty segment");
  }
  if (parts.size() < 2 || !EqualsIgnoreCase(parts[0], "subscriptions")) {
    return Malformed(text, "it must start with '/subscriptions/{subscriptionId}'");
  }
  ResourceId id;
  id.subscription_ = std::string(parts[1]);
  if (parts.size() == 2) {
    return id;
  }
  if (parts.size() < 4 || !EqualsIgnoreCase(parts[2], "resourceGroups")) {
    return Malformed(text, "expected '/resourceGroups/{name}' after the subscription");
  }
  id.resource_group_ = std::string(parts[3]);
  if (parts.size() == 4) {
    return id;
  }
  if (parts.size() < 8 || !EqualsIgnoreCase(parts[4], "providers") || parts.size() % 2 != 0) {
    return Malformed(text, "expected '/providers/{namespace}/{type}/{name}' after the group");
  }
  id.provider_ = std::string(parts[5]);
  for (size_t i = 6; i + 1 < parts.size(); i += 2) {
    id.segments_.push_back({std::string(parts[i]), std::string(parts[i + 1])});
  }
  return id;
}

ResourceId ResourceId::ForSubscription(std::string subscription) {
  ResourceId id;
  id.subscription_ = std::move(subscription);
  return id;
}

ResourceId ResourceId::ForResourceGroup(std::string subscription, std::string resource_group) {
  ResourceId id;
  id.subscription_ = std::move(subscription);
  id.resource_group_ = std::move(resource_group);
  return id;
}

ResourceId ResourceId::ForResource(std::string subscription, std::string resource_group,
                                   std::string provider, std::vector<Segment> segments) {
  ResourceId id;
  id.subscription_ = std::move(subscription);
  id.resource_group_ = std::move(resource_group);
  id.provider_ = std::move(provider);
  id.segments_ = std::move(segments);
  return id;
}

std::string ResourceId::Type() const {
  if (IsSubscription()) {
    return "Microsoft.Resources/subscriptions";
  }
  if (IsResourceGroup()) {
    return "Microsoft.Resources/resourceGroups";
  }
  std::string type = provider_;
  for (const Segment& s : segments_) {
    type += "/" + s.type;
  }
  return type;
}

std::string ResourceId::Name() const {
  if (IsSubscription()) {
    return subscription_;
  }
  if (IsResourceGroup()) {
    return resource_group_;
  }
  return segments_.back().name;
}

ResourceId ResourceId::Parent() const {
  if (IsSubscription()) {
    return *this;
  }
  if (IsResourceGroup()) {
    return ForSubscription(subscription_);
  }
  if (segments_.size() == 1) {
    return ForResourceGroup(subscription_, resource_group_);
  }
  ResourceId parent = *this;
  parent.segments_.pop_back();
  return parent;
}

ResourceId ResourceId::Child(std::string type, std::string name) const {
  ResourceId child = *this;
  child.segments_.push_back({std::move(type), std::move(name)});
  return child;
}

std::string ResourceId::ToString() const {
  constexpr std::string_view kSubscriptions = "/subscriptions/";
  constexpr std::string_view kGroups = "/resourceGroups/";
  constexpr std::string_view kProviders = "/providers/";
  size_t size = kSubscriptions.size() + subscription_.size() + kGroups.size() +
                resource_group_.size() + kProviders.size() + provider_.size();
  for (const Segment& s : segments_) {
    size += 2 + s.type.size() + s.name.size();
  }
  std::string out;
  out.reserve(size);
  out.append(kSubscriptions).append(subscription_);
  if (resource_group_.empty()) {
    return out;
  }
  out.append(kGroups).append(resource_group_);
  if (provider_.empty()) {
    return out;
  }
  out.append(kProviders).append(provider_);
  for (const Segment& s : segments_) {
    out.append(1, '/').append(s.type).append(1, '/').append(s.name);
  }
  return out;
}

std::string ResourceId::Key() const {
  std::string key = ToString();
  for (char& c : key) {
    c = LowerAscii(c);
  }
  return key;
}

bool KeyContains(std::string_view outer, std::string_view inner) {
  return inner.size() >= outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
         (inner.size() == outer.size() || inner[outer.size()] == '/');
}

bool ResourceId::Contains(const ResourceId& other) const { return KeyContains(Key(), other.Key()); }

}  // namespace gallery
