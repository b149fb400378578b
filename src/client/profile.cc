#include "client/profile.h"

#include <sys/stat.h>

#include "common/file_util.h"
#include "common/resource_id.h"

namespace gallery {

namespace {

using nlohmann::json;

constexpr unsigned kProfileMode = 0600;
constexpr unsigned kConfigDirMode = 0700;

Status ReadString(const json& j, const char* key, bool required, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) {
      return Status::InvalidArgument(std::string("missing field '") + key + "'", key);
    }
    return Status::Ok();
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("field '") + key + "' must be a string", key);
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

Result<SubscriptionInfo> SubscriptionFromArm(const json& j) {
  if (!j.is_object()) {
    return Status::InvalidArgument("a subscription must be a JSON object");
  }
  SubscriptionInfo s;
  GALLERY_RETURN_IF_ERROR(ReadString(j, "subscriptionId", true, &s.subscription_id));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "displayName", false, &s.display_name));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "state", false, &s.state));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "tenantId", false, &s.tenant_id));
  return s;
}

json Profile::ToJson() const {
  json subs = json::array();
  for (const SubscriptionInfo& s : subscriptions) {
    subs.push_back({{"id", "/subscriptions/" + s.subscription_id},
                    {"subscriptionId", s.subscription_id},
                    {"displayName", s.display_name},
                    {"state", s.state},
                    {"tenantId", s.tenant_id}});
  }
  json tokens = json::object();
  for (const auto& [resource, token] : access_tokens) {
    tokens[resource] = {{"accessToken", token.access_token}, {"expiresOn", token.expires_on}};
  }
  return {{"armEndpoint", arm_endpoint},
          {"caCertificate", ca_certificate},
          {"tenantId", tenant_id},
          {"clientId", client_id},
          {"clientSecret", client_secret},
          {"userName", user_name},
          {"password", password},
          {"authority", authority},
          {"armResource", arm_resource},
          {"graphResource", graph_resource},
          {"subscriptionId", subscription_id},
          {"subscriptions", std::move(subs)},
          {"accessTokens", std::move(tokens)}};
}

Result<Profile> Profile::FromJson(const json& j) {
  if (!j.is_object()) {
    return Status::InvalidArgument("the profile must be a JSON object");
  }
  Profile p;
  GALLERY_RETURN_IF_ERROR(ReadString(j, "armEndpoint", true, &p.arm_endpoint));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "caCertificate", true, &p.ca_certificate));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "tenantId", false, &p.tenant_id));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "clientId", false, &p.client_id));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "clientSecret", false, &p.client_secret));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "userName", false, &p.user_name));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "password", false, &p.password));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "authority", false, &p.authority));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "armResource", false, &p.arm_resource));
  GALLERY_RETURN_IF_ERROR(ReadString(j, "graphResource", false, &p.graph_resource));
  auto tokens = j.find("accessTokens");
  if (tokens != j.end() && tokens->is_object()) {
    for (const auto& [resource, token] : tokens->items()) {
      CachedToken cached;
      if (token.is_object() && token.value("accessToken", json()).is_string() &&
          token.value("expiresOn", json()).is_number_integer()) {
        cached.access_token = token["accessToken"].get<std::string>();
        cached.expires_on = token["expiresOn"].get<int64_t>();
        p.access_tokens[resource] = std::move(cached);
      }
    }
  }
  GALLERY_RETURN_IF_ERROR(ReadString(j, "subscriptionId", true, &p.subscription_id));
  auto subs = j.find("subscriptions");
  if (subs != j.end() && !subs->is_null()) {
    if (!subs->is_array()) {
      return Status::InvalidArgument("field 'subscriptions' must be an array", "subscriptions");
    }
    for (const json& s : *subs) {
      GALLERY_ASSIGN_OR_RETURN(SubscriptionInfo info, SubscriptionFromArm(s));
      p.subscriptions.push_back(std::move(info));
    }
  }
  return p;
}

const SubscriptionInfo* Profile::FindSubscription(std::string_view name_or_id) const {
  for (const SubscriptionInfo& s : subscriptions) {
    if (EqualsIgnoreCase(s.subscription_id, name_or_id) ||
        EqualsIgnoreCase(s.display_name, name_or_id)) {
      return &s;
    }
  }
  return nullptr;
}

json Profile::AccountJson(const SubscriptionInfo& s) const {
  return {{"id", s.subscription_id},
          {"name", s.display_name},
          {"state", s.state},
          {"tenantId", s.tenant_id.empty() ? tenant_id : s.tenant_id},
          {"isDefault", EqualsIgnoreCase(s.subscription_id, subscription_id)},
          {"user", user_name.empty() ? json{{"name", client_id}, {"type", "servicePrincipal"}}
                                     : json{{"name", user_name}, {"type", "user"}}},
          {"armEndpoint", arm_endpoint}};
}

ProfileStore::ProfileStore(std::filesystem::path config_dir)
    : dir_(std::move(config_dir)), path_(dir_ / kFileName) {}

Result<Profile> ProfileStore::Load() const {
  GALLERY_ASSIGN_OR_RETURN(std::string text, ReadFile(path_));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::InvalidArgument("the profile '" + path_.string() + "' is not valid JSON");
  }
  Result<Profile> profile = Profile::FromJson(j);
  if (!profile.ok()) {
    return Status::InvalidArgument("the profile '" + path_.string() +
                                   "' is not valid: " + profile.status().message());
  }
  return profile;
}

Status ProfileStore::Save(const Profile& profile) const {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) {
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
      return Status::Unavailable("cannot create the configuration directory '" + dir_.string() +
                                 "': " + ec.message());
    }
    ::chmod(dir_.c_str(), kConfigDirMode);
  }
  return WriteFileAtomic(path_, profile.ToJson().dump(2) + "\n", kProfileMode);
}

Status ProfileStore::Remove() const {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  if (ec) {
    return Status::Unavailable("cannot remove the profile '" + path_.string() +
                               "': " + ec.message());
  }
  return Status::Ok();
}

std::filesystem::path ConfigDirFromEnvironment(const char* gallery_config_dir, const char* home) {
  if (gallery_config_dir != nullptr && *gallery_config_dir != '\0') {
    return gallery_config_dir;
  }
  if (home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".gallery";
  }
  return ".gallery";
}

}  // namespace gallery
