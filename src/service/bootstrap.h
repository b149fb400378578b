#pragma once
// Bootstrap: the first tenant, subscription and administrator of a new installation.

#include <optional>
#include <string>

#include "common/random.h"
#include "common/result.h"
#include "common/time.h"
#include "metadata/metadata_store.h"

namespace gallery::service {

struct BootstrapIdentity {
  std::string tenant_id;
  std::string subscription_id;
  std::string client_id;      // the administrator service principal's app id
  std::string object_id;      // its object id
  std::string client_secret;  // only when just created; never stored in clear
};

// On an empty store, creates a tenant, a subscription and an administrator service principal
// (whose secret is stored hashed), makes the administrator Owner of the subscription, and
// returns them with the secret. A store bootstrapped before role assignments existed gets the
// Owner assignment now. On a store that has them,
// returns the existing ids without a secret. Unavailable on store errors.
Result<BootstrapIdentity> EnsureBootstrap(metadata::MetadataStore& store, const Clock& clock,
                                          Random& random);

}  // namespace gallery::service
