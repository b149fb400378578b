#include "api/arm_api.h"

#include <nlohmann/json.hpp>

#include "api/activity_log_api.h"
#include "api/api_versions.h"
#include "api/arm_error.h"
#include "api/arm_response.h"
#include "api/arm_route.h"
#include "api/base_url.h"
#include "api/export_api.h"
#include "api/json_reader.h"
#include "api/registration_api.h"
#include "api/request_ids.h"
#include "api/role_api.h"
#include "api/url.h"
#include "api/wire.h"
#include "common/log.h"
#include "domain/activity_action.h"

namespace gallery::api {

namespace http = boost::beast::http;
using domain::UpdateMode;
using service::Accepted;
using service::Page;

// Everything one request needs while it is answered.
struct ArmApi::Call {
  HttpRequest request;
  Target target;
  ArmRoute route;
  std::string api_version;
  std::string base_url;  // "https://host:port"
  service::RequestContext ctx;
  std::string operation_id;  // of the long-running operation the answer started
};

namespace {

constexpr char kGalleryPatchSince[] = "2019-07-01";

HttpResponse Json(http::status status, const nlohmann::json& body) {
  return JsonResponse(status, body);
}
HttpResponse Empty(http::status status) { return EmptyResponse(status); }
HttpResponse MethodNotAllowed(http::verb method, std::string_view allowed) {
  return MethodNotAllowedResponse(method, allowed);
}

ApiFamily FamilyOf(RouteKind kind) {
  switch (kind) {
    case RouteKind::kTenants:
    case RouteKind::kSubscriptions:
    case RouteKind::kSubscription:
    case RouteKind::kLocations:
    case RouteKind::kResourceGroups:
    case RouteKind::kResourceGroup:
    case RouteKind::kMoveResources:
      return ApiFamily::kResources;
    case RouteKind::kGalleriesInSubscription:
    case RouteKind::kGalleries:
    case RouteKind::kGallery:
    case RouteKind::kGalleryImages:
    case RouteKind::kGalleryImage:
    case RouteKind::kGalleryImageVersions:
    case RouteKind::kGalleryImageVersion:
    case RouteKind::kLatestVersion:
    case RouteKind::kGalleryImageVersionBeginGetAccess:
    case RouteKind::kGalleryImageVersionEndGetAccess:
      return ApiFamily::kGallery;
    case RouteKind::kOperationStatus:
    case RouteKind::kOperationResult:
      return ApiFamily::kOperations;
    case RouteKind::kRoleAssignments:
    case RouteKind::kRoleAssignment:
    case RouteKind::kRoleDefinitions:
    case RouteKind::kRoleDefinition:
      return ApiFamily::kAuthorization;
    case RouteKind::kProviders:
    case RouteKind::kProvider:
    case RouteKind::kProviderAction:
      return ApiFamily::kResources;
    case RouteKind::kFeatures:
    case RouteKind::kProviderFeatures:
    case RouteKind::kFeature:
    case RouteKind::kFeatureAction:
      return ApiFamily::kFeatures;
    case RouteKind::kActivityLog:
      return ApiFamily::kInsights;
    case RouteKind::kDisksInSubscription:
    case RouteKind::kDisks:
    case RouteKind::kDisk:
    case RouteKind::kDiskBeginGetAccess:
    case RouteKind::kDiskEndGetAccess:
      return ApiFamily::kDisks;
    default:
      return ApiFamily::kCompute;
  }
}

// A route whose service this installation does not run.
Status Unserved(const ArmRoute& route) {
  return Status::NotFound("The resource provider '" + route.provider_namespace +
                          "' is not served by this gallery service.")
      .WithReason("InvalidResourceType");
}

// The condition a disk PUT's If-None-Match / If-Match headers set. Disks carry no ETag here, so
// only "*" can match: If-Match with an ETag never holds (412 at once); If-None-Match with one
// always does (no condition).
Result<domain::PutCondition> DiskPutConditionOf(const HttpRequest& request, const ResourceId& id) {
  const std::string none_match(request[http::field::if_none_match]);
  const std::string match(request[http::field::if_match]);
  auto failed = [&](const std::string& why) {
    return Status::FailedPrecondition("The condition of the request on the disk '" + id.Name() +
                                      "' cannot hold: " + why + " Nothing was changed.")
        .WithReason(domain::kPreconditionFailedReason);
  };
  if (!match.empty() && match != "*") {
    return failed("disks carry no ETag on this server, so If-Match: " + match +
                  " matches none (use If-Match: * to update only an existing disk).");
  }
  if (none_match == "*" && match == "*") {
    return failed("If-None-Match: * and If-Match: * together.");
  }
  if (none_match == "*") {
    return domain::PutCondition::kIfAbsent;
  }
  return match == "*" ? domain::PutCondition::kIfExists : domain::PutCondition::kNone;
}

bool IsProvisioning(domain::ProvisioningState s) {
  return s == domain::ProvisioningState::kCreating || s == domain::ProvisioningState::kUpdating ||
         s == domain::ProvisioningState::kDeleting;
}

}  // namespace

ArmApi::ArmApi(service::GalleryService& service, service::RoleService& roles,
               Authenticator& authenticator, ArmApiOptions options,
               ArmApiExtensions extensions)
    : service_(service),
      roles_(roles),
      authenticator_(authenticator),
      extensions_(extensions),
      public_endpoint_(std::move(options.public_endpoint)) {}

void ArmApi::SetPublicEndpoint(std::string endpoint) {
  std::lock_guard<std::mutex> lock(endpoint_mu_);
  public_endpoint_ = std::move(endpoint);
}

std::string ArmApi::PublicEndpoint() const {
  std::lock_guard<std::mutex> lock(endpoint_mu_);
  return public_endpoint_;
}

HttpResponse ArmApi::Handle(HttpRequest&& request, [[maybe_unused]] const RequestInfo& info) {
  Call call;
  call.request = std::move(request);
  call.ctx = RequestIdsOf(call.request);
  // Links go back to the host the client used (base_url.h).
  call.base_url = BaseUrlOf(call.request, PublicEndpoint());

  HttpResponse res = [&] {
    const auto raw_target = call.request.target();
    Result<Target> target = ParseTarget(std::string_view(raw_target.data(), raw_target.size()));
    if (!target.ok()) {
      return ArmErrorResponse(target.status(), 11);
    }
    call.target = std::move(*target);
    Result<ArmRoute> route = MatchRoute(call.target.segments);
    if (!route.ok()) {
      return ArmErrorResponse(route.status(), 11);
    }
    call.route = std::move(*route);
    call.api_version = call.target.Query("api-version");
    Status version = CheckApiVersion(FamilyOf(call.route.kind), call.api_version);
    if (!version.ok()) {
      return ArmErrorResponse(version, 11);
    }
    Result<domain::Caller> caller = authenticator_.Authenticate(call.request);
    if (!caller.ok()) {
      HttpResponse denied = ArmErrorResponse(caller.status(), 11);
      denied.set(http::field::www_authenticate, authenticator_.Challenge(caller.status()));
      return denied;
    }
    call.ctx.caller = std::move(*caller);
    return Dispatch(call);
  }();
  res.set("x-ms-request-id", call.ctx.request_id);
  res.set("x-ms-correlation-request-id", call.ctx.correlation_id);
  Record(call, res, info);
  GLOG_DEBUG("{} {} -> {} ({}, from {})", std::string(call.request.method_string()),
             std::string(call.request.target()), res.result_int(), call.ctx.request_id,
             info.remote_address);
  return res;
}

namespace {

// "10.0.0.1:5000" -> "10.0.0.1", "[::1]:5000" -> "::1".
std::string_view AddressWithoutPort(std::string_view peer) {
  if (!peer.empty() && peer.front() == '[') {
    const size_t close = peer.find(']');
    return close == std::string_view::npos ? peer : peer.substr(1, close - 1);
  }
  const size_t colon = peer.rfind(':');
  return colon == std::string_view::npos ? peer : peer.substr(0, colon);
}

}  // namespace

void ArmApi::Record(const Call& call, const HttpResponse& res, const RequestInfo& info) {
  const auto method = call.request.method_string();
  if (extensions_.activity == nullptr ||
      !domain::LeavesActivityEvent(std::string_view(method.data(), method.size()),
                                   static_cast<int>(res.result_int()))) {
    return;  // before reading back an error body: most GETs end here
  }
  service::RequestOutcome outcome;
  outcome.method = std::string_view(method.data(), method.size());
  outcome.segments = call.target.segments;
  outcome.http_status = static_cast<int>(res.result_int());
  outcome.operation_id = call.operation_id;
  outcome.client_address = AddressWithoutPort(info.remote_address);
  nlohmann::json error;
  std::string code;
  std::string message;
  if (outcome.http_status >= 400) {
    // Only error answers are read back: the code and message the client saw.
    error = nlohmann::json::parse(res.body(), nullptr, false);
    if (error.is_object() && error.contains("error") && error["error"].is_object()) {
      code = error["error"].value("code", "");
      message = error["error"].value("message", "");
    }
    outcome.error_code = code;
    outcome.error_message = message;
  }
  extensions_.activity->RecordRequest(call.ctx, outcome);
}

namespace {

// Renders a resource of any type this server serves.
nlohmann::json Render(const domain::ResourceGroup& r, const WireOptions&) { return ToWire(r); }
nlohmann::json Render(const domain::Gallery& r, const WireOptions&) { return ToWire(r); }
nlohmann::json Render(const domain::GalleryImage& r, const WireOptions&) { return ToWire(r); }
nlohmann::json Render(const domain::GalleryImageVersion& r, const WireOptions& o) {
  return ToWire(r, o);
}
nlohmann::json Render(const domain::ManagedImage& r, const WireOptions&) { return ToWire(r); }
nlohmann::json Render(const domain::Disk& r, const WireOptions&) { return ToWire(r); }

}  // namespace

Result<std::string> ArmApi::AccessUrlOf(const service::RequestContext& ctx,
                                        const domain::Operation& op, const std::string& base_url) {
  const bool disk = EqualsIgnoreCase(op.resource_id.Type(), domain::Disk::kType);
  if (disk ? extensions_.disks == nullptr : extensions_.exports == nullptr) {
    return Status::NotFound("Access grants of '" + op.resource_id.Type() +
                            "' are not served by this gallery service.")
        .WithReason("InvalidResourceType");
  }
  return disk ? extensions_.disks->AccessUrlOf(ctx, op, base_url)
              : extensions_.exports->AccessUrlOf(ctx, op, base_url);
}

std::string ArmApi::RenderText(const std::shared_ptr<const metadata::Resource>& resource,
                              const WireOptions& wire) {
  auto render = [&] {
    return JsonText(std::visit([&](const auto& r) { return Render(r, wire); }, *resource));
  };
  if (wire.expand_replication_status) {
    return render();
  }
  // Keyed by the resource's id, so a changed resource's rendering replaces the stale one.
  std::string key = metadata::Meta(*resource).id.Key();
  key += '\n';
  key += wire.api_version;
  if (std::shared_ptr<const std::string> known = render_cache_.Find(key, resource.get())) {
    return *known;
  }
  auto text = std::make_shared<const std::string>(render());
  render_cache_.Remember(std::move(key), resource, text);
  return *text;
}

HttpResponse ArmApi::Dispatch(Call& call) {
  const http::verb method = call.request.method();
  const ArmRoute& route = call.route;
  const service::RequestContext& ctx = call.ctx;
  WireOptions wire;
  wire.api_version = call.api_version;
  wire.regions = &service_.regions();
  wire.live_replication = &extensions_.live_replication;
  wire.expand_replication_status =
      ToLower(call.target.Query("$expand")).find("replicationstatus") != std::string::npos;

  auto error = [](const Status& s) { return ArmErrorResponse(s, 11); };
  auto body = [&]() -> Result<nlohmann::json> { return JsonReader::Parse(call.request.body()); };

  // GET of one resource: 200 with its JSON; Retry-After while it is provisioning.
  auto get_one = [&](auto result) -> HttpResponse {
    if (!result.ok()) {
      return error(result.status());
    }
    HttpResponse res = Json(http::status::ok, Render(*result, wire));
    if (IsProvisioning(result->meta.provisioning_state)) {
      res.set(http::field::retry_after, "1");
    }
    return res;
  };
  // GET of one resource by id, of any type: the same, from the render cache while the resource
  // is unchanged (and not expanded: replication status changes by itself).
  auto get_resource = [&](const ResourceId& id) -> HttpResponse {
    Result<std::shared_ptr<const metadata::Resource>> found = service_.GetResource(ctx, id);
    if (!found.ok()) {
      return error(found.status());
    }
    HttpResponse res = JsonTextResponse(http::status::ok, RenderText(*found, wire));
    if (IsProvisioning(metadata::Meta(**found).provisioning_state)) {
      res.set(http::field::retry_after, "1");
    }
    return res;
  };
  // A page of a list: {"value": [...], "nextLink": ...}.
  auto list = [&](auto result) -> HttpResponse {
    if (!result.ok()) {
      return error(result.status());
    }
    nlohmann::json value = nlohmann::json::array();
    for (const auto& item : result->items) {
      value.push_back(Render(item, wire));
    }
    nlohmann::json out = {{"value", std::move(value)}};
    if (!result->next_token.empty()) {
      std::string path;
      for (const std::string& s : call.target.segments) {
        path += "/" + UrlEncode(s);
      }
      std::string link = call.base_url + path + "?api-version=" + UrlEncode(call.api_version);
      if (const std::string expand = call.target.Query("$expand"); !expand.empty()) {
        link += "&$expand=" + UrlEncode(expand);
      }
      out["nextLink"] = link + "&$skiptoken=" + UrlEncode(result->next_token);
    }
    return Json(http::status::ok, out);
  };
  // An accepted PUT/PATCH: 201 when created, 200 otherwise, with the operation headers.
  auto accepted = [&](auto result) -> HttpResponse {
    if (!result.ok()) {
      return error(result.status());
    }
    HttpResponse res = Json(result->created ? http::status::created : http::status::ok,
                            Render(result->resource, wire));
    AddAsyncHeaders(res, call.base_url, result->operation, call.api_version);
    call.operation_id = result->operation.id;
    return res;
  };
  auto deleted = [&](Result<std::optional<domain::Operation>> result) -> HttpResponse {
    if (!result.ok()) {
      return error(result.status());
    }
    if (!result->has_value()) {
      return Empty(http::status::no_content);
    }
    HttpResponse res = Empty(http::status::accepted);
    AddAsyncHeaders(res, call.base_url, **result, call.api_version);
    call.operation_id = (*result)->id;
    return res;
  };
  // PUT (replace) or PATCH (merge) of a resource with an input parser and a service call.
  auto put = [&](auto parse, auto apply) -> HttpResponse {
    Result<nlohmann::json> json = body();
    if (!json.ok()) {
      return error(json.status());
    }
    auto input = parse(*json);
    if (!input.ok()) {
      return error(input.status());
    }
    UpdateMode mode = method == http::verb::patch ? UpdateMode::kMerge : UpdateMode::kReplace;
    return accepted(apply(*input, mode));
  };
  // Galleries, definitions and versions have PATCH routes from api-version 2019-07-01 only.
  auto gallery_put = [&](auto parse, auto apply) -> HttpResponse {
    if (method == http::verb::patch && ApiVersionBefore(call.api_version, kGalleryPatchSince)) {
      return error(Status::InvalidArgument("PATCH of " + route.id.Type() +
                                               " is not available at api-version '" +
                                               call.api_version + "': use PUT, or api-version " +
                                               kGalleryPatchSince + " or later.",
                                           "api-version")
                       .WithReason("InvalidApiVersionParameter"));
    }
    return put(parse, apply);
  };
  const std::string page_token = call.target.Query("$skiptoken");
  // A whole list in one answer (tenants, subscriptions).
  auto unpaged = [&](const auto& items) -> HttpResponse {
    if (!items.ok()) {
      return error(items.status());
    }
    nlohmann::json value = nlohmann::json::array();
    for (const auto& item : *items) {
      value.push_back(ToWire(item));
    }
    return Json(http::status::ok, {{"value", std::move(value)}});
  };

  switch (route.kind) {
    case RouteKind::kTenants: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return unpaged(service_.ListTenants(ctx));
    }
    case RouteKind::kSubscriptions: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return unpaged(service_.ListSubscriptions(ctx));
    }
    case RouteKind::kSubscription: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      auto sub = service_.GetSubscription(ctx, route.id.subscription());
      return sub.ok() ? Json(http::status::ok, ToWire(*sub)) : error(sub.status());
    }
    case RouteKind::kLocations: {  // the region catalog (the Azure CLI maps display names)
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      auto sub = service_.GetSubscription(ctx, route.id.subscription());
      if (!sub.ok()) {
        return error(sub.status());
      }
      nlohmann::json value = nlohmann::json::array();
      for (const domain::Region& region : service_.regions().regions()) {
        value.push_back(ToWire(*sub, region));
      }
      return Json(http::status::ok, {{"value", std::move(value)}});
    }
    case RouteKind::kResourceGroups:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListResourceGroups(ctx, route.id.subscription(), page_token));
    case RouteKind::kResourceGroup:
      switch (method) {
        case http::verb::get:
          return get_resource(route.id);
        case http::verb::head: {
          auto group = service_.GetResourceGroup(ctx, route.id);
          return Empty(group.ok() ? http::status::no_content : http::status::not_found);
        }
        case http::verb::put:
        case http::verb::patch: {
          Result<nlohmann::json> json = body();
          if (!json.ok()) {
            return error(json.status());
          }
          auto input = ResourceGroupFromWire(*json);
          if (!input.ok()) {
            return error(input.status());
          }
          auto result = service_.PutResourceGroup(
              ctx, route.id, *input,
              method == http::verb::patch ? UpdateMode::kMerge : UpdateMode::kReplace);
          if (!result.ok()) {
            return error(result.status());
          }
          return Json(result->created ? http::status::created : http::status::ok,
                      ToWire(result->resource));
        }
        case http::verb::delete_:
          return deleted(service_.DeleteResourceGroup(ctx, route.id));
        default:
          return MethodNotAllowed(method, "GET, HEAD, PUT, PATCH, DELETE");
      }
    case RouteKind::kMoveResources: {
      if (method != http::verb::post) {
        return MethodNotAllowed(method, "POST");
      }
      Result<nlohmann::json> json = body();
      if (!json.ok()) {
        return error(json.status());
      }
      std::vector<std::string> ids;
      const nlohmann::json& resources = (*json)["resources"];
      if (resources.is_array()) {
        for (const nlohmann::json& id : resources) {
          if (id.is_string()) {
            ids.push_back(id.get<std::string>());
          }
        }
      }
      const nlohmann::json& target = (*json)["targetResourceGroup"];
      return error(service_.MoveResources(ctx, route.id, ids,
                                          target.is_string() ? target.get<std::string>() : ""));
    }
    case RouteKind::kGalleriesInSubscription:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListGalleries(ctx, {route.id.subscription(), "", std::nullopt},
                                         page_token));
    case RouteKind::kImagesInSubscription:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListManagedImages(ctx, {route.id.subscription(), "", std::nullopt},
                                             page_token));
    case RouteKind::kUsages: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      auto usages = service_.ListUsages(ctx, route.id.subscription(), route.location);
      if (!usages.ok()) {
        return error(usages.status());
      }
      nlohmann::json value = nlohmann::json::array();
      for (const domain::QuotaUsage& u : *usages) {
        value.push_back(ToWire(u));
      }
      return Json(http::status::ok, {{"value", std::move(value)}});
    }
    case RouteKind::kOperationStatus: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      auto op = service_.GetOperation(ctx, route.id.subscription(), route.operation_id);
      if (!op.ok()) {
        return error(op.status());
      }
      nlohmann::json status = OperationStatusToWire(*op);
      for (const service::OperationProgress* progress : extensions_.progress) {
        if (std::optional<int> percent = progress->PercentOf(op->id)) {
          status["percentComplete"] = *percent;
        }
      }
      if (op->kind == domain::OperationKind::kBeginGetAccess &&
          op->status == domain::OperationStatus::kSucceeded) {
        if (auto url = AccessUrlOf(ctx, *op, call.base_url); url.ok()) {
          status["properties"] = {{"output", {{"accessSAS", *url}}}};
        }
      }
      HttpResponse res = Json(http::status::ok, status);
      if (!op->terminal()) {
        res.set(http::field::retry_after, "1");
      }
      return res;
    }
    case RouteKind::kOperationResult: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      auto op = service_.GetOperation(ctx, route.id.subscription(), route.operation_id);
      if (!op.ok()) {
        return error(op.status());
      }
      if (!op->terminal()) {
        HttpResponse res = Empty(http::status::accepted);
        AddAsyncHeaders(res, call.base_url, *op, call.api_version);
        return res;
      }
      if (op->status != domain::OperationStatus::kSucceeded) {
        // A seal refused by the VHD checks is the client's error (400); others are conflicts.
        if (op->kind == domain::OperationKind::kEndGetAccess && op->error_code != "InternalError") {
          return error(Status::InvalidArgument(op->error_message).WithReason(op->error_code));
        }
        return error(Status::FailedPrecondition(op->error_message).WithReason(op->error_code));
      }
      if (op->kind == domain::OperationKind::kDelete) {
        return Empty(http::status::no_content);
      }
      if (op->kind == domain::OperationKind::kEndGetAccess) {
        return Empty(http::status::ok);
      }
      if (op->kind == domain::OperationKind::kBeginGetAccess) {
        auto url = AccessUrlOf(ctx, *op, call.base_url);
        return url.ok() ? Json(http::status::ok, {{"accessSAS", *url}}) : error(url.status());
      }
      return get_resource(op->resource_id);
    }
    case RouteKind::kGalleries:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListGalleries(
          ctx, {route.id.subscription(), route.id.resource_group(), std::nullopt}, page_token));
    case RouteKind::kGallery:
      switch (method) {
        case http::verb::get:
          return get_resource(route.id);
        case http::verb::put:
        case http::verb::patch:
          return gallery_put(GalleryFromWire, [&](const domain::GalleryInput& in, UpdateMode mode) {
            return service_.PutGallery(ctx, route.id, in, mode);
          });
        case http::verb::delete_:
          return deleted(service_.DeleteResource(ctx, route.id));
        default:
          return MethodNotAllowed(method, "GET, PUT, PATCH, DELETE");
      }
    case RouteKind::kGalleryImages:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListGalleryImages(ctx, route.id, page_token));
    case RouteKind::kGalleryImage:
      switch (method) {
        case http::verb::get:
          return get_resource(route.id);
        case http::verb::put:
        case http::verb::patch:
          return gallery_put(GalleryImageFromWire,
                     [&](const domain::GalleryImageInput& in, UpdateMode mode) {
                       return service_.PutGalleryImage(ctx, route.id, in, mode);
                     });
        case http::verb::delete_:
          return deleted(service_.DeleteResource(ctx, route.id));
        default:
          return MethodNotAllowed(method, "GET, PUT, PATCH, DELETE");
      }
    case RouteKind::kGalleryImageVersions:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListGalleryImageVersions(ctx, route.id, page_token));
    case RouteKind::kGalleryImageVersion:
      switch (method) {
        case http::verb::get:
          return get_resource(route.id);
        case http::verb::put:
        case http::verb::patch:
          return gallery_put(
              [&](const nlohmann::json& json) {
                return GalleryImageVersionFromWire(json, call.api_version);
              },
              [&](const domain::GalleryImageVersionInput& in, UpdateMode mode) {
                return service_.PutGalleryImageVersion(ctx, route.id, in, mode);
              });
        case http::verb::delete_:
          return deleted(service_.DeleteResource(ctx, route.id));
        default:
          return MethodNotAllowed(method, "GET, PUT, PATCH, DELETE");
      }
    case RouteKind::kLatestVersion: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      std::optional<std::string> region;
      if (const std::string loc = call.target.Query("location"); !loc.empty()) {
        region = loc;
      }
      return get_one(service_.ResolveLatestVersion(ctx, route.id, region));
    }
    case RouteKind::kManagedImages:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListManagedImages(
          ctx, {route.id.subscription(), route.id.resource_group(), std::nullopt}, page_token));
    case RouteKind::kManagedImage:
      switch (method) {
        case http::verb::get:
          return get_resource(route.id);
        case http::verb::put:
        case http::verb::patch:
          return put(ManagedImageFromWire,
                     [&](const domain::ManagedImageInput& in, UpdateMode mode) {
                       return service_.PutManagedImage(ctx, route.id, in, mode);
                     });
        case http::verb::delete_:
          return deleted(service_.DeleteResource(ctx, route.id));
        default:
          return MethodNotAllowed(method, "GET, PUT, PATCH, DELETE");
      }
    case RouteKind::kDisksInSubscription:
    case RouteKind::kDisks:
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      return list(service_.ListDisks(
          ctx,
          {route.id.subscription(),
           route.kind == RouteKind::kDisks ? route.id.resource_group() : "", std::nullopt},
          page_token));
    case RouteKind::kDisk:
      if (method == http::verb::get) {
        return get_resource(route.id);
      }
      if (extensions_.disks == nullptr) {
        return error(Unserved(route));
      }
      switch (method) {
        case http::verb::put:
        case http::verb::patch: {
          Result<nlohmann::json> json = body();
          if (!json.ok()) {
            return error(json.status());
          }
          auto input = DiskFromWire(*json);
          if (!input.ok()) {
            return error(input.status());
          }
          Result<domain::PutCondition> condition = DiskPutConditionOf(call.request, route.id);
          if (!condition.ok()) {
            return error(condition.status());
          }
          auto result = extensions_.disks->Put(
              ctx, route.id, *input,
              method == http::verb::patch ? UpdateMode::kMerge : UpdateMode::kReplace, *condition);
          // 200 even when created: the Azure CLI refuses a 201 for a disk.
          return result.ok() ? Json(http::status::ok, ToWire(result->resource))
                             : error(result.status());
        }
        case http::verb::delete_: {
          auto result = extensions_.disks->Delete(ctx, route.id);
          if (!result.ok()) {
            return error(result.status());
          }
          return Empty(*result ? http::status::ok : http::status::no_content);
        }
        default:
          return MethodNotAllowed(method, "GET, PUT, PATCH, DELETE");
      }
    case RouteKind::kDiskBeginGetAccess:
    case RouteKind::kDiskEndGetAccess: {
      if (method != http::verb::post) {
        return MethodNotAllowed(method, "POST");
      }
      if (extensions_.disks == nullptr) {
        return error(Unserved(route));
      }
      Result<service::DiskOperation> result = [&]() -> Result<service::DiskOperation> {
        if (route.kind == RouteKind::kDiskEndGetAccess) {
          GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> grant_id,
                                   EndAccessFromWire(call.request.body()));
          return extensions_.disks->EndGetAccess(ctx, route.id, grant_id);
        }
        GALLERY_ASSIGN_OR_RETURN(nlohmann::json json, body());
        GALLERY_ASSIGN_OR_RETURN(domain::DiskAccessInput input, DiskAccessFromWire(json));
        return extensions_.disks->BeginGetAccess(ctx, route.id, input);
      }();
      if (!result.ok()) {
        return error(result.status());
      }
      call.operation_id = result->operation.id;
      if (result->sealed_at_once) {
        return Empty(http::status::ok);  // a quick seal: nothing left to poll
      }
      HttpResponse res = Empty(http::status::accepted);
      AddAsyncHeaders(res, call.base_url, result->operation, call.api_version);
      return res;
    }
    case RouteKind::kManagedImageBeginGetAccess:
    case RouteKind::kManagedImageEndGetAccess:
    case RouteKind::kGalleryImageVersionBeginGetAccess:
    case RouteKind::kGalleryImageVersionEndGetAccess:
      if (extensions_.exports == nullptr) {
        return error(Unserved(route));
      }
      return HandleExportRoute(*extensions_.exports, ctx, call.request, route, call.base_url,
                               call.api_version, &call.operation_id);
    case RouteKind::kRoleAssignments:
    case RouteKind::kRoleAssignment:
    case RouteKind::kRoleDefinitions:
    case RouteKind::kRoleDefinition:
      return HandleRoleRoute(roles_, ctx, call.request, call.target, route);
    case RouteKind::kActivityLog: {
      if (method != http::verb::get) {
        return MethodNotAllowed(method, "GET");
      }
      if (extensions_.activity_log == nullptr) {
        return error(Unserved(route));
      }
      auto page = ListActivityLog(*extensions_.activity_log, call.target, ctx,
                                  route.id.subscription(), call.base_url);
      return page.ok() ? Json(http::status::ok, *page) : error(page.status());
    }
    case RouteKind::kProviders:
    case RouteKind::kProvider:
    case RouteKind::kFeatures:
    case RouteKind::kProviderFeatures:
    case RouteKind::kFeature:
    case RouteKind::kProviderAction:
    case RouteKind::kFeatureAction: {
      const bool action =
          route.kind == RouteKind::kProviderAction || route.kind == RouteKind::kFeatureAction;
      if (method != (action ? http::verb::post : http::verb::get)) {
        return MethodNotAllowed(method, action ? "POST" : "GET");
      }
      if (extensions_.registrations == nullptr) {
        return error(Unserved(route));
      }
      auto answer =
          AnswerRegistrationRoute(*extensions_.registrations, service_.regions(), route, ctx);
      return answer.ok() ? Json(http::status::ok, *answer) : error(answer.status());
    }
    case RouteKind::kUnservedComputeResource: {
      const std::string type = route.id.Type();
      if (method == http::verb::get) {
        return error(Status::NotFound("The Resource '" + type + "/" + route.id.Name() +
                                      "' under resource group '" + route.id.resource_group() +
                                      "' was not found.")
                         .WithReason("ResourceNotFound"));
      }
      return error(Status::NotFound("The resource type '" + type +
                                    "' is not served by this gallery service.")
                       .WithReason("InvalidResourceType"));
    }
  }
  return error(Status::Internal("unhandled route"));
}

}  // namespace gallery::api
