#pragma once
// Profile: what `gallery login` saves so that later commands know which server to call, how
// to trust it, which credentials to use and which subscription is current.
//
// Stored as JSON at `<config dir>/profile.json` with mode 0600 (it holds the client secret or
// password and the cached access tokens):
//   {"armEndpoint":"https://127.0.0.1:8443/","caCertificate":"/abs/ca.pem","tenantId":"T",
//    "clientId":"ID","clientSecret":"S","userName":"","password":"",
//    "authority":"https://127.0.0.1:8443/adfs","armResource":"https://management.../",
//    "graphResource":"https://127.0.0.1:8443/","subscriptionId":"SUB",
//    "subscriptions":[{"id":"/subscriptions/SUB","subscriptionId":"SUB","displayName":"...",
//                      "state":"Enabled","tenantId":"T"}],
//    "accessTokens":{"<resource>":{"accessToken":"...","expiresOn":1700000000}}}

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace gallery {

struct SubscriptionInfo {
  std::string subscription_id;
  std::string display_name;
  std::string state;  // "Enabled", "Disabled", ...
  std::string tenant_id;
};

// An access token cached for one resource (audience).
struct CachedToken {
  std::string access_token;
  int64_t expires_on = 0;  // seconds since the Unix epoch
};

struct Profile {
  std::string arm_endpoint;    // "https://127.0.0.1:8443/"
  std::string ca_certificate;  // absolute path of the CA PEM file
  std::string tenant_id;
  // Credentials: a service principal (client id and secret) or a user (name and password).
  std::string client_id;
  std::string client_secret;
  std::string user_name;
  std::string password;
  // Where tokens come from, as the server's /metadata/endpoints names them.
  std::string authority;                             // "https://127.0.0.1:8443/adfs"
  std::string arm_resource;                          // the ARM token audience
  std::string graph_resource;                        // the Graph token audience (and base URL)
  std::map<std::string, CachedToken> access_tokens;  // by resource
  std::string subscription_id;  // the current subscription
  std::vector<SubscriptionInfo> subscriptions;

  nlohmann::json ToJson() const;
  // InvalidArgument naming the missing or mistyped field.
  static Result<Profile> FromJson(const nlohmann::json& j);

  // The subscription whose id or display name (case-insensitive) is `name_or_id`, or null.
  const SubscriptionInfo* FindSubscription(std::string_view name_or_id) const;

  // The account as `gallery account show` prints it:
  //   {"id":"SUB","name":"<display name>","state":"Enabled","tenantId":"T","isDefault":true,
  //    "user":{"name":"<client id>","type":"servicePrincipal"},"armEndpoint":"..."}
  // (for a user login: "user":{"name":"<user name>","type":"user"}).
  nlohmann::json AccountJson(const SubscriptionInfo& subscription) const;
};

// Parses one entry of the ARM subscription list (`GET /subscriptions`).
// InvalidArgument when `subscriptionId` is missing.
Result<SubscriptionInfo> SubscriptionFromArm(const nlohmann::json& j);

// Reads and writes the profile file in one configuration directory. Thread-compatible.
class ProfileStore {
 public:
  static constexpr const char* kFileName = "profile.json";

  explicit ProfileStore(std::filesystem::path config_dir);

  const std::filesystem::path& path() const { return path_; }

  // NotFound when there is no profile; InvalidArgument naming the file when it is not a valid
  // profile; Unavailable when it cannot be read.
  Result<Profile> Load() const;
  // Creates the directory (mode 0700) if needed and writes the file atomically with mode 0600.
  // Unavailable naming the path on failure.
  Status Save(const Profile& profile) const;
  // Deletes the profile (logout). Ok when there is none; Unavailable when it cannot be removed.
  Status Remove() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

// The configuration directory: `gallery_config_dir` ($GALLERY_CONFIG_DIR) when set and not
// empty, else `<home>/.gallery` ($HOME), else ".gallery" in the working directory.
std::filesystem::path ConfigDirFromEnvironment(const char* gallery_config_dir, const char* home);

}  // namespace gallery
