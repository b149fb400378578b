#include "api/wire_envelope.h"

#include "api/wire.h"

namespace gallery::api {

bool ApiVersionBefore(std::string_view api_version, std::string_view than) {
  return api_version.substr(0, 10) < than.substr(0, 10);
}

nlohmann::json Envelope(const domain::TrackedResource& meta, const char* type) {
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, v] : meta.tags) {
    tags[k] = v;
  }
  return {{"id", meta.id.ToString()},
          {"name", meta.id.Name()},
          {"type", type},
          {"location", meta.location},
          {"tags", std::move(tags)},
          {"properties", {{"provisioningState", domain::ToString(meta.provisioning_state)}}}};
}

Status ReadEnvelope(const JsonReader& body, std::optional<std::string>* location,
                    std::optional<domain::Tags>* tags) {
  GALLERY_ASSIGN_OR_RETURN(*location, body.String("location"));
  GALLERY_ASSIGN_OR_RETURN(*tags, body.Tags("tags"));
  return Status::Ok();
}

nlohmann::json ToWire(const domain::Subscription& s) {
  return {{"id", "/subscriptions/" + s.id},
          {"subscriptionId", s.id},
          {"tenantId", s.tenant_id},
          {"displayName", s.display_name},
          {"state", s.state},
          {"authorizationSource", "RoleBased"},
          {"managedByTenants", nlohmann::json::array()},
          {"subscriptionPolicies",
           {{"locationPlacementId", "Public_2014-09-01"},
            {"quotaId", "Internal_2014-09-01"},
            {"spendingLimit", "Off"}}}};
}

nlohmann::json ToWire(const domain::Subscription& s, const domain::Region& region) {
  return {{"id", "/subscriptions/" + s.id + "/locations/" + region.name},
          {"name", region.name},
          {"type", "Region"},
          {"displayName", region.display_name},
          {"regionalDisplayName", region.display_name},
          {"metadata",
           {{"regionType", "Physical"},
            {"regionCategory", "Recommended"},
            {"galleriesAllowed", region.gallery_host},
            {"replicationAllowed", region.replication_target}}}};
}

nlohmann::json ToWire(const domain::Tenant& t) {
  return {{"id", "/tenants/" + t.id},
          {"tenantId", t.id},
          {"tenantCategory", "Home"},
          {"displayName", t.display_name},
          {"defaultDomain", ""},
          {"domains", nlohmann::json::array()}};
}

// Groups are created and updated synchronously, so ARM clients only ever see Succeeded or
// Deleting for them, whatever transitional state a group was stored in.
nlohmann::json ToWire(const domain::ResourceGroup& group) {
  nlohmann::json out = Envelope(group.meta, domain::ResourceGroup::kType);
  if (group.meta.provisioning_state == domain::ProvisioningState::kCreating ||
      group.meta.provisioning_state == domain::ProvisioningState::kUpdating) {
    out["properties"]["provisioningState"] = "Succeeded";
  }
  return out;
}

Result<domain::ResourceGroupInput> ResourceGroupFromWire(const nlohmann::json& body) {
  JsonReader reader(body, "");
  domain::ResourceGroupInput in;
  GALLERY_RETURN_IF_ERROR(ReadEnvelope(reader, &in.location, &in.tags));
  return in;
}

nlohmann::json ToWire(const domain::QuotaUsage& usage) {
  return {{"unit", "Count"},
          {"currentValue", usage.current},
          {"limit", usage.limit},
          {"name", {{"value", usage.name}, {"localizedValue", usage.localized_name}}}};
}

nlohmann::json OperationStatusToWire(const domain::Operation& op) {
  nlohmann::json out = {{"name", op.id},
                        {"status", domain::ToString(op.status)},
                        {"startTime", FormatTimestamp(op.start_time)}};
  if (op.terminal()) {
    out["endTime"] = FormatTimestamp(op.end_time);
  }
  if (op.status == domain::OperationStatus::kFailed ||
      op.status == domain::OperationStatus::kCanceled) {
    out["error"] = {{"code", op.error_code}, {"message", op.error_message}};
  }
  return out;
}

}  // namespace gallery::api
