#include "api/role_api.h"

#include "api/arm_error.h"
#include "api/arm_response.h"
#include "api/json_reader.h"
#include "api/wire_role.h"

namespace gallery::api {

namespace {

namespace http = boost::beast::http;
using nlohmann::json;

HttpResponse Error(const Status& s) { return ArmErrorResponse(s, 11); }

// "roleName eq 'Reader'" -> "Reader"; "" for no filter.
Result<std::string> RoleNameFilter(const std::string& filter) {
  if (filter.empty()) {
    return std::string();
  }
  const std::string prefix = "rolename eq '";
  const std::string lower = ToLower(filter);
  if (lower.rfind(prefix, 0) != 0 || filter.size() < prefix.size() + 1 || filter.back() != '\'') {
    return Status::InvalidArgument(
               "The filter '" + filter + "' is not supported. Supported: roleName eq '{name}'.",
               "$filter")
        .WithReason("InvalidFilter");
  }
  return filter.substr(prefix.size(), filter.size() - prefix.size() - 1);
}

template <typename T, typename Render>
HttpResponse List(const Result<std::vector<T>>& items, Render render) {
  if (!items.ok()) {
    return Error(items.status());
  }
  json value = json::array();
  for (const T& item : *items) {
    value.push_back(render(item));
  }
  return JsonResponse(http::status::ok, {{"value", std::move(value)}});
}

template <typename T, typename Render>
HttpResponse Written(const Result<service::Written<T>>& written, Render render) {
  if (!written.ok()) {
    return Error(written.status());
  }
  return JsonResponse(written->created ? http::status::created : http::status::ok,
                      render(written->value));
}

template <typename T, typename Render>
HttpResponse Deleted(const Result<std::optional<T>>& deleted, Render render) {
  if (!deleted.ok()) {
    return Error(deleted.status());
  }
  if (!deleted->has_value()) {
    return EmptyResponse(http::status::no_content);
  }
  return JsonResponse(http::status::ok, render(**deleted));
}

// GET, PUT and DELETE of one item: `get()`, `put(input)` and `del()` call the service,
// `parse` reads a PUT body, `render` writes an item.
template <typename Get, typename Parse, typename Put, typename Del, typename Render>
HttpResponse Item(const HttpRequest& request, Get get, Parse parse, Put put, Del del,
                  Render render) {
  switch (request.method()) {
    case http::verb::get: {
      auto found = get();
      return found.ok() ? JsonResponse(http::status::ok, render(*found)) : Error(found.status());
    }
    case http::verb::put: {
      Result<json> parsed = JsonReader::Parse(request.body());
      if (!parsed.ok()) {
        return Error(parsed.status());
      }
      auto in = parse(*parsed);
      if (!in.ok()) {
        return Error(in.status());
      }
      return Written(put(*in), render);
    }
    case http::verb::delete_:
      return Deleted(del(), render);
    default:
      return MethodNotAllowedResponse(request.method(), "GET, PUT, DELETE");
  }
}

}  // namespace

HttpResponse HandleRoleRoute(service::RoleService& roles, const service::RequestContext& ctx,
                             const HttpRequest& request, const Target& target,
                             const ArmRoute& route) {
  const http::verb method = request.method();
  const ResourceId& scope = route.id;
  auto assignment = [](const domain::RoleAssignment& a) { return ToWire(a); };
  auto definition = [&](const domain::RoleDefinition& d) {
    return ToWire(d, scope.subscription());
  };
  switch (route.kind) {
    case RouteKind::kRoleAssignments: {
      if (method != http::verb::get) {
        return MethodNotAllowedResponse(method, "GET");
      }
      Result<service::RoleAssignmentFilter> filter =
          service::ParseRoleAssignmentFilter(target.Query("$filter"));
      if (!filter.ok()) {
        return Error(filter.status());
      }
      return List(roles.ListRoleAssignments(ctx, scope, *filter), assignment);
    }
    case RouteKind::kRoleAssignment:
      return Item(
          request, [&] { return roles.GetRoleAssignment(ctx, scope, route.name); },
          RoleAssignmentFromWire,
          [&](const domain::RoleAssignmentInput& in) {
            return roles.PutRoleAssignment(ctx, scope, route.name, in);
          },
          [&] { return roles.DeleteRoleAssignment(ctx, scope, route.name); }, assignment);
    case RouteKind::kRoleDefinitions: {
      if (method != http::verb::get) {
        return MethodNotAllowedResponse(method, "GET");
      }
      Result<std::string> role_name = RoleNameFilter(target.Query("$filter"));
      if (!role_name.ok()) {
        return Error(role_name.status());
      }
      return List(roles.ListRoleDefinitions(ctx, scope, *role_name), definition);
    }
    case RouteKind::kRoleDefinition:
      return Item(
          request, [&] { return roles.GetRoleDefinition(ctx, scope, route.name); },
          RoleDefinitionFromWire,
          [&](const domain::RoleDefinitionInput& in) {
            return roles.PutRoleDefinition(ctx, scope, route.name, in);
          },
          [&] { return roles.DeleteRoleDefinition(ctx, scope, route.name); }, definition);
    default:
      return Error(Status::Internal("not a role route"));
  }
}

}  // namespace gallery::api
