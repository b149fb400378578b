#include "api/graph_api.h"

#include <nlohmann/json.hpp>

#include "api/arm_error.h"
#include "api/base_url.h"
#include "api/graph_filter.h"
#include "api/json_reader.h"
#include "api/request_ids.h"
#include "api/url.h"
#include "common/log.h"
#include "common/resource_id.h"

namespace gallery::api {

namespace http = boost::beast::http;
using domain::Principal;
using domain::PrincipalKind;
using nlohmann::json;

struct GraphApi::Call {
  HttpRequest request;
  Target target;
  std::string base_url;
  service::RequestContext ctx;
};

namespace {

constexpr char kJson[] = "application/json; charset=utf-8";

HttpResponse JsonResponse(http::status status, const json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, kJson);
  res.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return res;
}

HttpResponse NoContent() { return HttpResponse{http::status::no_content, 11}; }

std::string GraphCodeOf(const Status& s) {
  if (s.code() == StatusCode::kUnauthenticated) {
    return "InvalidAuthenticationToken";
  }
  if (!s.reason().empty() && s.reason().find('_') != std::string::npos) {
    return s.reason();  // already a Graph code (Request_UnsupportedQuery, ...)
  }
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return "Request_BadRequest";
    case StatusCode::kNotFound:
      return "Request_ResourceNotFound";
    case StatusCode::kPermissionDenied:
      return "Authorization_RequestDenied";
    case StatusCode::kUnavailable:
      return "Service_ServiceUnavailable";
    default:
      return "Service_InternalServerError";
  }
}

HttpResponse GraphError(const Status& s, const service::RequestContext& ctx) {
  json error = {
      {"code", GraphCodeOf(s)},
      {"message", s.message()},
      {"innerError", {{"request-id", ctx.request_id}, {"client-request-id", ctx.correlation_id}}}};
  return JsonResponse(HttpStatusOf(s), {{"error", std::move(error)}});
}

Status NotSupported(const std::string& what) {
  return Status::InvalidArgument("Resource not found for the segment '" + what + "'.")
      .WithReason("Request_BadRequest");
}

// The Graph type name ("user", "servicePrincipal", "group") as getByIds' `types` lists it.
const char* TypeName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kServicePrincipal:
      return "servicePrincipal";
    case PrincipalKind::kGroup:
      return "group";
  }
  return "directoryObject";
}

// "#microsoft.graph.user", ...: the @odata.type of an object.
std::string ODataType(PrincipalKind kind) {
  return std::string("#microsoft.graph.") + TypeName(kind);
}

json ToGraph(const Principal& p) {
  json out = {{"@odata.type", ODataType(p.kind)},
              {"id", p.object_id},
              {"displayName", p.display_name},
              {"createdDateTime", FormatTimestamp(p.created_at)}};
  switch (p.kind) {
    case PrincipalKind::kUser:
      out["userPrincipalName"] = p.user_principal_name;
      out["mail"] = nullptr;
      out["accountEnabled"] = true;
      break;
    case PrincipalKind::kServicePrincipal:
      out["appId"] = p.app_id;
      out["servicePrincipalNames"] = json::array({p.app_id});
      out["servicePrincipalType"] = "Application";
      out["appOwnerOrganizationId"] = p.tenant_id;
      out["accountEnabled"] = true;
      break;
    case PrincipalKind::kGroup:
      out["mailNickname"] = p.display_name;
      out["securityEnabled"] = true;
      out["mailEnabled"] = false;
      break;
  }
  return out;
}

json ToGraphList(const std::string& base, const char* set, const std::vector<Principal>& items) {
  json value = json::array();
  for (const Principal& p : items) {
    value.push_back(ToGraph(p));
  }
  return {{"@odata.context", base + "/v1.0/$metadata#" + set}, {"value", std::move(value)}};
}

// True when `p` passes `filter` (see graph_filter.h).
bool Matches(const Principal& p, const GraphFilter& f) {
  const std::string prop = ToLower(f.property);
  if (f.any) {
    return prop == "serviceprincipalnames" && p.kind == PrincipalKind::kServicePrincipal &&
           EqualsIgnoreCase(p.app_id, f.value);
  }
  if (prop == "userprincipalname") {
    return EqualsIgnoreCase(p.user_principal_name, f.value);
  }
  if (prop == "displayname" || (prop == "mailnickname" && p.kind == PrincipalKind::kGroup)) {
    return p.display_name == f.value;  // a group's mail nickname is its display name
  }
  if (prop == "appid") {
    return EqualsIgnoreCase(p.app_id, f.value);
  }
  if (prop == "id") {
    return EqualsIgnoreCase(p.object_id, f.value);
  }
  return false;
}

bool KnownFilterProperty(const GraphFilter& f) {
  const std::string prop = ToLower(f.property);
  return f.any ? prop == "serviceprincipalnames"
               : (prop == "userprincipalname" || prop == "displayname" || prop == "appid" ||
                  prop == "id" || prop == "mailnickname");
}

// The required string member `key` of `reader`.
Result<std::string> RequiredString(const JsonReader& reader, std::string_view key) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> value, reader.String(key));
  if (!value.has_value() || value->empty()) {
    return Status::InvalidArgument("Property '" + reader.PathOf(key) + "' is required.",
                                   reader.PathOf(key))
        .WithReason("Request_BadRequest");
  }
  return std::move(*value);
}

// The object id at the end of an @odata.id reference (".../directoryObjects/{id}").
std::string ReferencedId(const std::string& ref) {
  const size_t slash = ref.find_last_of('/');
  return slash == std::string::npos ? ref : ref.substr(slash + 1);
}

}  // namespace

GraphApi::GraphApi(service::DirectoryService& directory, Authenticator& authenticator,
                   Random& random)
    : directory_(directory), authenticator_(authenticator), random_(random) {}

bool GraphApi::Serves(std::string_view target) {
  return target == "/v1.0" || target.starts_with("/v1.0/") || target.starts_with("/v1.0?");
}

HttpResponse GraphApi::Handle(HttpRequest&& request, [[maybe_unused]] const RequestInfo& info) {
  Call call;
  call.request = std::move(request);
  call.ctx = RequestIdsOf(call.request);
  call.base_url = BaseUrlOf(call.request, "https://127.0.0.1");
  HttpResponse res = [&]() -> HttpResponse {
    const auto raw = call.request.target();
    Result<Target> target = ParseTarget(std::string_view(raw.data(), raw.size()));
    if (!target.ok()) {
      return GraphError(target.status(), call.ctx);
    }
    call.target = std::move(*target);
    Result<domain::Caller> caller = authenticator_.Authenticate(call.request);
    if (!caller.ok()) {
      HttpResponse denied = GraphError(caller.status(), call.ctx);
      denied.set(http::field::www_authenticate, authenticator_.Challenge(caller.status()));
      return denied;
    }
    call.ctx.caller = std::move(*caller);
    if (call.request.body().size() > kMaxGraphBodyBytes) {
      HttpResponse too_large =
          GraphError(Status::InvalidArgument("The request body is larger than " +
                                             std::to_string(kMaxGraphBodyBytes) + " bytes.")
                         .WithReason("Request_EntityTooLarge"),
                     call.ctx);
      too_large.result(http::status::payload_too_large);
      return too_large;
    }
    return Dispatch(call);
  }();
  res.set("request-id", call.ctx.request_id);
  res.set("client-request-id", call.ctx.correlation_id);
  GLOG_DEBUG("{} {} -> {} ({}, from {})", std::string(call.request.method_string()),
             std::string(call.request.target()), res.result_int(), call.ctx.request_id,
             info.remote_address);
  return res;
}

HttpResponse GraphApi::Dispatch(Call& call) {
  const http::verb method = call.request.method();
  const service::RequestContext& ctx = call.ctx;
  // Segments after "v1.0".
  const std::vector<std::string> seg(call.target.segments.begin() + 1, call.target.segments.end());
  auto error = [&](const Status& s) { return GraphError(s, ctx); };
  auto body = [&]() -> Result<json> { return JsonReader::Parse(call.request.body()); };
  auto method_not_allowed = [&]() {
    return error(Status::InvalidArgument("The HTTP method '" +
                                         std::string(call.request.method_string()) +
                                         "' is not supported for this resource.")
                     .WithReason("Request_BadRequest"));
  };
  auto one = [&](const Result<Principal>& p, http::status status = http::status::ok) {
    return p.ok() ? JsonResponse(status, ToGraph(*p)) : error(p.status());
  };
  auto done = [&](const Status& s) { return s.ok() ? NoContent() : error(s); };
  // GET of a collection, narrowed by $filter when given.
  auto list = [&](PrincipalKind kind, const char* set) {
    Result<std::vector<Principal>> all = directory_.List(ctx, kind);
    if (!all.ok()) {
      return error(all.status());
    }
    const std::string filter_text = call.target.Query("$filter");
    if (filter_text.empty()) {
      return JsonResponse(http::status::ok, ToGraphList(call.base_url, set, *all));
    }
    Result<std::vector<GraphFilter>> filter = ParseGraphFilter(filter_text);
    if (!filter.ok()) {
      return error(filter.status());
    }
    for (const GraphFilter& clause : *filter) {
      if (!KnownFilterProperty(clause)) {
        return error(Status::InvalidArgument("Unsupported property '" + clause.property +
                                             "' in the query filter.")
                         .WithReason("Request_UnsupportedQuery"));
      }
    }
    std::vector<Principal> matching;
    for (Principal& p : *all) {
      bool all_hold = true;
      for (const GraphFilter& clause : *filter) {
        all_hold = all_hold && Matches(p, clause);
      }
      if (all_hold) {
        matching.push_back(std::move(p));
      }
    }
    return JsonResponse(http::status::ok, ToGraphList(call.base_url, set, matching));
  };
  struct Collection {
    const char* segment;
    PrincipalKind kind;
  };
  static constexpr Collection kCollections[] = {
      {"users", PrincipalKind::kUser},
      {"servicePrincipals", PrincipalKind::kServicePrincipal},
      {"groups", PrincipalKind::kGroup}};

  if (seg.size() == 1 && EqualsIgnoreCase(seg[0], "me")) {
    if (method != http::verb::get) {
      return method_not_allowed();
    }
    return one(directory_.Me(ctx));
  }
  if (seg.size() == 2 && EqualsIgnoreCase(seg[0], "directoryObjects") &&
      EqualsIgnoreCase(seg[1], "getByIds")) {
    if (method != http::verb::post) {
      return method_not_allowed();
    }
    Result<json> json_body = body();
    if (!json_body.ok()) {
      return error(json_body.status());
    }
    const json& ids = (*json_body)["ids"];
    const json& types = (*json_body)["types"];
    if (!ids.is_array()) {
      return error(
          Status::InvalidArgument("Property 'ids' is required and must be an array.", "ids")
              .WithReason("Request_BadRequest"));
    }
    std::vector<std::string> wanted;
    for (const json& id : ids) {
      if (id.is_string()) {
        wanted.push_back(id.get<std::string>());
      }
    }
    Result<std::vector<Principal>> found = directory_.GetByIds(ctx, wanted);
    if (!found.ok()) {
      return error(found.status());
    }
    std::vector<Principal> kept;
    for (Principal& p : *found) {
      bool type_ok = !types.is_array() || types.empty();
      for (const json& t : types.is_array() ? types : json::array()) {
        type_ok =
            type_ok || (t.is_string() && EqualsIgnoreCase(t.get<std::string>(), TypeName(p.kind)));
      }
      if (type_ok) {
        kept.push_back(std::move(p));
      }
    }
    return JsonResponse(http::status::ok, ToGraphList(call.base_url, "directoryObjects", kept));
  }
  for (const Collection& c : kCollections) {
    if (seg.empty() || !EqualsIgnoreCase(seg[0], c.segment)) {
      continue;
    }
    if (seg.size() == 1) {
      if (method == http::verb::get) {
        return list(c.kind, c.segment);
      }
      if (method != http::verb::post) {
        return method_not_allowed();
      }
      Result<json> json_body = body();
      if (!json_body.ok()) {
        return error(json_body.status());
      }
      JsonReader in(*json_body, "");
      Result<std::string> display = RequiredString(in, "displayName");
      switch (c.kind) {
        case PrincipalKind::kUser: {
          service::NewUser user;
          Result<std::string> upn = RequiredString(in, "userPrincipalName");
          if (!upn.ok()) {
            return error(upn.status());
          }
          user.user_principal_name = *upn;
          user.display_name = display.ok() ? *display : "";
          Result<std::optional<JsonReader>> profile = in.Object("passwordProfile");
          if (!profile.ok()) {
            return error(profile.status());
          }
          if (!profile->has_value()) {
            return error(Status::InvalidArgument("Property 'passwordProfile' is required.",
                                                 "passwordProfile")
                             .WithReason("Request_BadRequest"));
          }
          Result<std::string> password = RequiredString(**profile, "password");
          if (!password.ok()) {
            return error(password.status());
          }
          user.password = *password;
          return one(directory_.CreateUser(ctx, user), http::status::created);
        }
        case PrincipalKind::kServicePrincipal: {
          if (in.Has("appId")) {
            return error(Status::InvalidArgument(
                             "Applications are not modelled here: create a service principal "
                             "with only a displayName; its appId is generated.",
                             "appId")
                             .WithReason("Request_BadRequest"));
          }
          if (!display.ok()) {
            return error(display.status());
          }
          Result<service::CreatedServicePrincipal> sp =
              directory_.CreateServicePrincipal(ctx, *display);
          return one(sp.ok() ? Result<Principal>(sp->principal) : Result<Principal>(sp.status()),
                     http::status::created);
        }
        case PrincipalKind::kGroup:
          if (!display.ok()) {
            return error(display.status());
          }
          return one(directory_.CreateGroup(ctx, *display), http::status::created);
      }
      return method_not_allowed();
    }
    const std::string& id = seg[1];
    if (seg.size() == 2) {
      switch (method) {
        case http::verb::get:
          return one(directory_.Get(ctx, id, c.kind));
        case http::verb::delete_:
          return done(directory_.Delete(ctx, id, c.kind));
        default:
          return method_not_allowed();
      }
    }
    if (c.kind == PrincipalKind::kServicePrincipal && seg.size() == 3 &&
        EqualsIgnoreCase(seg[2], "addPassword")) {
      if (method != http::verb::post) {
        return method_not_allowed();
      }
      std::string display_name;
      if (!call.request.body().empty()) {
        Result<json> json_body = body();
        if (!json_body.ok()) {
          return error(json_body.status());
        }
        const json& cred = (*json_body)["passwordCredential"];
        if (cred.is_object() && cred.contains("displayName") && cred["displayName"].is_string()) {
          display_name = cred["displayName"].get<std::string>();
        }
      }
      Result<std::string> secret = directory_.AddPassword(ctx, id);
      if (!secret.ok()) {
        return error(secret.status());
      }
      return JsonResponse(http::status::ok, {{"@odata.type", "#microsoft.graph.passwordCredential"},
                                             {"keyId", NewUuid(random_)},
                                             {"displayName", display_name},
                                             {"hint", secret->substr(0, 3)},
                                             {"secretText", *secret},
                                             {"startDateTime", nullptr},
                                             {"endDateTime", nullptr}});
    }
    if (c.kind == PrincipalKind::kGroup && seg.size() >= 3 && EqualsIgnoreCase(seg[2], "members")) {
      if (seg.size() == 3) {
        if (method != http::verb::get) {
          return method_not_allowed();
        }
        Result<std::vector<Principal>> members = directory_.ListMembers(ctx, id);
        return members.ok() ? JsonResponse(http::status::ok,
                                           ToGraphList(call.base_url, "directoryObjects", *members))
                            : error(members.status());
      }
      if (seg.size() == 4 && seg[3] == "$ref") {
        if (method != http::verb::post) {
          return method_not_allowed();
        }
        Result<json> json_body = body();
        if (!json_body.ok()) {
          return error(json_body.status());
        }
        JsonReader in(*json_body, "");
        Result<std::string> ref = RequiredString(in, "@odata.id");
        if (!ref.ok()) {
          return error(ref.status());
        }
        return done(directory_.AddMember(ctx, id, ReferencedId(*ref)));
      }
      if (seg.size() == 5 && seg[4] == "$ref") {
        if (method != http::verb::delete_) {
          return method_not_allowed();
        }
        return done(directory_.RemoveMember(ctx, id, seg[3]));
      }
    }
    break;
  }
  std::string path;
  for (const std::string& s : seg) {
    path += "/" + s;
  }
  return error(NotSupported(path.empty() ? "v1.0" : path.substr(1)));
}

}  // namespace gallery::api
