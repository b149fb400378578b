#include "api/wire_activity.h"

#include <boost/beast/http/status.hpp>

#include "common/time.h"

namespace gallery::api {

namespace {

nlohmann::json Localizable(const std::string& value) {
  return {{"value", value}, {"localizedValue", value}};
}

// "Microsoft.Compute/galleries/write" -> "Microsoft.Compute/galleries";
// "Microsoft.Compute/register/action" -> "Microsoft.Compute" (an action is named after it).
std::string ResourceTypeOf(const std::string& action) {
  std::string type = action.substr(0, action.rfind('/'));
  if (action.ends_with("/action")) {
    type = type.substr(0, type.rfind('/'));
  }
  return type;
}

}  // namespace

std::string HttpStatusName(int status) {
  if (status == 0) {
    return "";
  }
  const auto phrase =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  std::string out;
  for (char c : phrase) {
    if (c != ' ' && c != '-') {
      out += c;
    }
  }
  return out;
}

nlohmann::json ActivityEventToWire(const domain::ActivityEvent& e,
                                   const std::set<std::string>& select) {
  const std::string status(domain::ToString(e.status));
  const std::string type = ResourceTypeOf(e.action);
  const std::string provider = type.substr(0, type.find('/'));
  const std::string status_name = HttpStatusName(e.http_status);
  nlohmann::json properties = {{"eventCategory", "Administrative"},
                               {"entity", e.scope},
                               {"message", e.action},
                               {"hierarchy", e.tenant_id + "/" + e.subscription}};
  if (e.http_status != 0) {
    properties["statusCode"] = status_name;
    properties["httpStatusCode"] = std::to_string(e.http_status);
  }
  if (!e.error_code.empty()) {
    properties["statusMessage"] =
        nlohmann::json{{"error", {{"code", e.error_code}, {"message", e.error_message}}}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  nlohmann::json sub_status = Localizable(status_name);
  if (e.http_status != 0) {
    sub_status["localizedValue"] =
        status_name + " (HTTP Status Code: " + std::to_string(e.http_status) + ")";
  }
  nlohmann::json out = {
      {"authorization", {{"action", e.action}, {"scope", e.scope}}},
      {"caller", e.caller_name.empty() ? e.caller_object_id : e.caller_name},
      {"channels", "Operation"},
      {"claims",
       {{"http://schemas.microsoft.com/identity/claims/objectidentifier", e.caller_object_id},
        {"name", e.caller_name},
        {"http://schemas.microsoft.com/identity/claims/tenantid", e.tenant_id}}},
      {"correlationId", e.correlation_id},
      {"description", ""},
      {"eventDataId", e.event_id},
      {"eventName",
       Localizable(e.status == domain::ActivityStatus::kStarted ? "BeginRequest" : "EndRequest")},
      {"category", Localizable("Administrative")},
      {"eventTimestamp", FormatTimestamp(e.event_time)},
      {"submissionTimestamp", FormatTimestamp(e.submission_time)},
      {"httpRequest",
       {{"clientRequestId", e.client_request_id},
        {"clientIpAddress", e.client_address},
        {"method", e.http_method}}},
      {"id", e.scope + "/events/" + e.event_id + "/ticks/" + std::to_string(e.event_time)},
      {"level", e.status == domain::ActivityStatus::kFailed ? "Error" : "Informational"},
      {"operationId", e.operation_id.empty() ? e.event_id : e.operation_id},
      {"operationName", Localizable(e.action)},
      {"resourceGroupName", e.resource_group},
      {"resourceProviderName", Localizable(provider)},
      {"resourceType", Localizable(type)},
      {"resourceId", e.scope},
      {"status", Localizable(status)},
      {"subStatus", std::move(sub_status)},
      {"subscriptionId", e.subscription},
      {"tenantId", e.tenant_id},
      {"properties", std::move(properties)},
  };
  if (select.empty()) {
    return out;
  }
  nlohmann::json chosen = nlohmann::json::object();
  for (const std::string& name : select) {
    if (out.contains(name)) {
      chosen[name] = std::move(out[name]);
    }
  }
  return chosen;
}

}  // namespace gallery::api
