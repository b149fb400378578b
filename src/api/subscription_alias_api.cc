#include "api/subscription_alias_api.h"

#include <nlohmann/json.hpp>

#include "api/arm_error.h"
#include "api/json_reader.h"
#include "api/request_ids.h"
#include "api/url.h"
#include "common/log.h"
#include "common/resource_id.h"

namespace gallery::api {

namespace {

namespace http = boost::beast::http;
using nlohmann::json;

constexpr std::string_view kPrefix = "/providers/microsoft.subscription";
constexpr size_t kMaxAliasBodyBytes = 16 * 1024;

json AliasToWire(const std::string& alias, const domain::Subscription& sub) {
  return {{"id", "/providers/Microsoft.Subscription/aliases/" + alias},
          {"name", alias},
          {"type", "Microsoft.Subscription/aliases"},
          {"properties",
           {{"subscriptionId", sub.id},
            {"displayName", sub.display_name},
            {"provisioningState", "Succeeded"}}}};
}

HttpResponse JsonResponse(http::status status, const json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return res;
}

}  // namespace

SubscriptionAliasApi::SubscriptionAliasApi(service::DirectoryService& directory,
                                           Authenticator& authenticator)
    : directory_(directory), authenticator_(authenticator) {}

bool SubscriptionAliasApi::Serves(std::string_view target) {
  return PathIsOrUnder(target, kPrefix);
}

HttpResponse SubscriptionAliasApi::Handle(HttpRequest&& request,
                                          [[maybe_unused]] const RequestInfo& info) {
  service::RequestContext ctx = RequestIdsOf(request);
  HttpResponse res = [&]() -> HttpResponse {
    const auto raw = request.target();
    Result<Target> target = ParseTarget(std::string_view(raw.data(), raw.size()));
    if (!target.ok()) {
      return ArmErrorResponse(target.status(), 11);
    }
    const std::vector<std::string>& seg = target->segments;
    if (seg.size() != 4 || !EqualsIgnoreCase(seg[2], "aliases")) {
      return ArmErrorResponse(
          Status::NotFound("The resource type '" +
                           (seg.size() > 2 ? seg[2] : std::string("(none)")) +
                           "' of Microsoft.Subscription is not served here; use aliases.")
              .WithReason("InvalidResourceType"),
          11);
    }
    if (target->Query("api-version").empty()) {
      return ArmErrorResponse(
          Status::InvalidArgument("The api-version query parameter (?api-version=) is "
                                  "required for all requests.")
              .WithReason("MissingApiVersionParameter"),
          11);
    }
    Result<domain::Caller> caller = authenticator_.Authenticate(request);
    if (!caller.ok()) {
      HttpResponse denied = ArmErrorResponse(caller.status(), 11);
      denied.set(http::field::www_authenticate, authenticator_.Challenge(caller.status()));
      return denied;
    }
    ctx.caller = std::move(*caller);
    const std::string& alias = seg[3];
    if (request.method() == http::verb::get) {
      Result<domain::Subscription> sub = directory_.GetSubscriptionAlias(ctx, alias);
      return sub.ok() ? JsonResponse(http::status::ok, AliasToWire(alias, *sub))
                      : ArmErrorResponse(sub.status(), 11);
    }
    if (request.method() != http::verb::put) {
      HttpResponse res = ArmErrorResponse(
          Status::InvalidArgument("The HTTP method '" + std::string(request.method_string()) +
                                  "' is not supported for this resource. Allowed: GET, PUT.")
              .WithReason("MethodNotAllowed"),
          11);
      res.result(http::status::method_not_allowed);
      return res;
    }
    if (request.body().size() > kMaxAliasBodyBytes) {
      return ArmErrorResponse(Status::InvalidArgument("The request body is too large.")
                                  .WithReason("InvalidRequestContent"),
                              11);
    }
    Result<json> body = JsonReader::Parse(request.body());
    if (!body.ok()) {
      return ArmErrorResponse(body.status(), 11);
    }
    std::string display_name;
    JsonReader in(*body, "");
    Result<std::optional<JsonReader>> props = in.Object("properties");
    if (!props.ok()) {
      return ArmErrorResponse(props.status(), 11);
    }
    if (props->has_value()) {
      Result<std::optional<std::string>> name = (*props)->String("displayName");
      if (!name.ok()) {
        return ArmErrorResponse(name.status(), 11);
      }
      display_name = name->value_or("");
    }
    Result<service::CreatedSubscription> created =
        directory_.CreateSubscription(ctx, alias, display_name);
    if (!created.ok()) {
      return ArmErrorResponse(created.status(), 11);
    }
    return JsonResponse(created->created ? http::status::created : http::status::ok,
                        AliasToWire(alias, created->subscription));
  }();
  res.set("x-ms-request-id", ctx.request_id);
  res.set("x-ms-correlation-request-id", ctx.correlation_id);
  GLOG_DEBUG("{} {} -> {} (from {})", std::string(request.method_string()),
             std::string(request.target()), res.result_int(), info.remote_address);
  return res;
}

}  // namespace gallery::api
