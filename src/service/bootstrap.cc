#include "service/bootstrap.h"

#include <nlohmann/json.hpp>

#include "access/grant_owner.h"
#include "access/secret_hash.h"

namespace gallery::service {

namespace {
constexpr char kBootstrapKey[] = "bootstrap";
// Set in the record once the administrator was made Owner of the subscription: an installation
// that predates role assignments gets the grant at its next start, and a grant the
// administrator later removes is not made again.
constexpr char kOwnerGranted[] = "ownerGranted";

nlohmann::json Record(const BootstrapIdentity& id) {
  return {{"tenantId", id.tenant_id},
          {"subscriptionId", id.subscription_id},
          {"clientId", id.client_id},
          {"objectId", id.object_id},
          {kOwnerGranted, true}};
}

// Makes the administrator Owner of the bootstrap subscription and records that it did.
Status GrantAdministrator(metadata::Transaction& tx, const BootstrapIdentity& id, TimestampMs now) {
  GALLERY_RETURN_IF_ERROR(
      access::GrantOwner(tx, ResourceId::ForSubscription(id.subscription_id), id.object_id, now));
  return tx.PutSetting(kBootstrapKey, Record(id).dump());
}
}  // namespace

Result<BootstrapIdentity> EnsureBootstrap(metadata::MetadataStore& store, const Clock& clock,
                                          Random& random) {
  GALLERY_ASSIGN_OR_RETURN(auto tx, store.Begin(metadata::TxMode::kWrite));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> saved, tx->GetSetting(kBootstrapKey));
  BootstrapIdentity id;
  if (saved.has_value()) {
    nlohmann::json j = nlohmann::json::parse(*saved, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      return Status::Internal("The stored bootstrap record is not valid JSON.");
    }
    id.tenant_id = j.value("tenantId", "");
    id.subscription_id = j.value("subscriptionId", "");
    id.client_id = j.value("clientId", "");
    id.object_id = j.value("objectId", "");
    if (!j.value(kOwnerGranted, false)) {
      GALLERY_RETURN_IF_ERROR(GrantAdministrator(*tx, id, clock.Now()));
      GALLERY_RETURN_IF_ERROR(tx->Commit());
    }
    return id;
  }
  const TimestampMs now = clock.Now();
  domain::Tenant tenant{NewUuid(random), "Gallery", now};
  domain::Subscription sub{NewUuid(random), tenant.id, "Gallery Subscription", "Enabled", now};
  domain::Principal admin;
  admin.object_id = NewUuid(random);
  admin.tenant_id = tenant.id;
  admin.kind = domain::PrincipalKind::kServicePrincipal;
  admin.display_name = "gallery-admin";
  admin.app_id = NewUuid(random);
  id.client_secret = NewClientSecret(random, 30);
  admin.secret_hash = access::HashSecret(id.client_secret, random);
  admin.directory_admin = true;
  admin.created_at = now;
  id.tenant_id = tenant.id;
  id.subscription_id = sub.id;
  id.client_id = admin.app_id;
  id.object_id = admin.object_id;
  GALLERY_RETURN_IF_ERROR(tx->PutTenant(tenant));
  GALLERY_RETURN_IF_ERROR(tx->PutSubscription(sub));
  GALLERY_RETURN_IF_ERROR(tx->PutPrincipal(admin));
  GALLERY_RETURN_IF_ERROR(GrantAdministrator(*tx, id, now));
  GALLERY_RETURN_IF_ERROR(tx->Commit());
  return id;
}

}  // namespace gallery::service
