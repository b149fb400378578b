#include "api/store_admin_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "api/arm_error.h"
#include "api/arm_response.h"
#include "api/base_url.h"
#include "api/request_ids.h"
#include "api/url.h"
#include "common/log.h"
#include "common/resource_id.h"

namespace gallery::api {

namespace {

namespace http = boost::beast::http;
using nlohmann::json;

constexpr std::string_view kPrefix = "/providers/gallery.storage";
constexpr char kPollSeconds[] = "2";

json ReportToWire(const service::StoreScrubReport& r) {
  json problems = json::array();
  for (const storage::ScrubProblem& p : r.report.problems) {
    json problem = {{"digest", storage::ToHex(p.digest)},
                    {"problem", std::string(storage::ScrubProblemName(p.kind))},
                    {"repaired", p.repaired}};
    if (!p.repaired && !p.not_repaired.empty()) {
      problem["notRepaired"] = p.not_repaired;  // why, in one word (the log has the details)
    }
    problems.push_back(std::move(problem));
  }
  json store = {{"name", r.store},
                {"chunksChecked", r.report.chunks_checked},
                {"bytesChecked", r.report.bytes_checked},
                {"corrupt", r.report.corrupt},
                {"missing", r.report.missing},
                {"repaired", r.report.repaired},
                {"unrepairable", r.report.unrepairable},
                {"problems", std::move(problems)}};
  if (!r.unavailable.empty()) {
    store["unavailable"] = r.unavailable;
  }
  return store;
}

// The answer of a running pass: 202 naming where to ask next.
HttpResponse Running(const HttpRequest& request, uint64_t id) {
  HttpResponse res = JsonResponse(http::status::accepted, {{"status", "Running"}});
  res.set(http::field::location,
          BaseUrlOf(request, "https://127.0.0.1") + "/providers/Gallery.Storage/scrubOperations/" +
              std::to_string(id) + "?api-version=" + std::string(kStoreAdminApiVersion));
  res.set(http::field::retry_after, kPollSeconds);
  return res;
}

Status NotServed(const std::vector<std::string>& seg) {
  return Status::NotFound("The resource type '" +
                          (seg.size() > 2 ? seg[2] : std::string("(none)")) +
                          "' of Gallery.Storage is not served here; use scrub.")
      .WithReason("InvalidResourceType");
}

}  // namespace

StoreAdminApi::StoreAdminApi(service::StoreScrub& scrub, service::DirectoryService& directory,
                             Authenticator& authenticator, StoreAdminApiOptions options)
    : scrub_(scrub),
      directory_(directory),
      authenticator_(authenticator),
      options_(std::move(options)) {}

bool StoreAdminApi::Serves(std::string_view target) { return PathIsOrUnder(target, kPrefix); }

// The stores hold every tenant's images, and a scrub reads (and rewrites) all of them and
// names their chunks in its report: it is an act on the installation, not on a subscription.
// An Owner of a subscription administers only that subscription's resources, so the role that
// fits is the directory administrator; and of the installation's own tenant, because on an
// installation shared by tenants another tenant's administrator must not start work over, or
// learn about, everyone's data.
Status StoreAdminApi::Authorize(const service::RequestContext& ctx) {
  if (!options_.admin_tenant_id.empty() &&
      !EqualsIgnoreCase(ctx.caller.tenant_id, options_.admin_tenant_id)) {
    return Status::PermissionDenied(
               "Only a directory administrator of the installation's tenant '" +
               options_.admin_tenant_id + "' may administer the chunk stores.")
        .WithReason("AuthorizationFailed");
  }
  Status admin = directory_.CheckDirectoryAdmin(ctx);
  if (admin.code() == StatusCode::kPermissionDenied) {
    return Status::PermissionDenied(admin.message() +
                                    " Only a directory administrator may administer the chunk "
                                    "stores.")
        .WithReason("AuthorizationFailed");
  }
  return admin;
}

HttpResponse StoreAdminApi::Handle(HttpRequest&& request,
                                   [[maybe_unused]] const RequestInfo& info) {
  service::RequestContext ctx = RequestIdsOf(request);
  HttpResponse res = Route(request, ctx);
  res.set("x-ms-request-id", ctx.request_id);
  res.set("x-ms-correlation-request-id", ctx.correlation_id);
  GLOG_DEBUG("{} {} -> {} (from {})", std::string(request.method_string()),
             std::string(request.target()), res.result_int(), info.remote_address);
  return res;
}

HttpResponse StoreAdminApi::Route(HttpRequest& request, service::RequestContext& ctx) {
  const auto raw = request.target();
  Result<Target> target = ParseTarget(std::string_view(raw.data(), raw.size()));
  if (!target.ok()) {
    return ArmErrorResponse(target.status(), 11);
  }
  const std::vector<std::string>& seg = target->segments;
  const bool scrub = seg.size() == 3 && EqualsIgnoreCase(seg[2], "scrub");
  const bool poll = seg.size() == 4 && EqualsIgnoreCase(seg[2], "scrubOperations");
  if (!scrub && !poll) {
    return ArmErrorResponse(NotServed(seg), 11);
  }
  const std::string version = target->Query("api-version");
  if (version.empty()) {
    return ArmErrorResponse(
        Status::InvalidArgument("The api-version query parameter (?api-version=) is required "
                                "for all requests.")
            .WithReason("MissingApiVersionParameter"),
        11);
  }
  if (version != kStoreAdminApiVersion) {
    return ArmErrorResponse(Status::InvalidArgument("The api-version '" + version +
                                                    "' is invalid. The supported versions are '" +
                                                    std::string(kStoreAdminApiVersion) + "'.")
                                .WithReason("InvalidApiVersionParameter"),
                            11);
  }
  const http::verb allowed = scrub ? http::verb::post : http::verb::get;
  if (request.method() != allowed) {
    return MethodNotAllowedResponse(request.method(), scrub ? "POST" : "GET");
  }
  Result<domain::Caller> caller = authenticator_.Authenticate(request);
  if (!caller.ok()) {
    HttpResponse denied = ArmErrorResponse(caller.status(), 11);
    denied.set(http::field::www_authenticate, authenticator_.Challenge(caller.status()));
    return denied;
  }
  ctx.caller = std::move(*caller);
  if (Status allowed_caller = Authorize(ctx); !allowed_caller.ok()) {
    return ArmErrorResponse(allowed_caller, 11);
  }

  if (scrub) {
    Result<uint64_t> id = scrub_.Begin();
    if (!id.ok()) {
      return ArmErrorResponse(id.status(), 11);
    }
    GLOG_INFO("scrub pass {} asked for by {} ({})", *id, ctx.caller.display_name,
              ctx.caller.object_id);
    return Running(request, *id);
  }
  uint64_t id = 0;
  const std::string& text = seg[3];
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return ArmErrorResponse(Status::NotFound("There is no scrub operation '" + text + "'."), 11);
  }
  Result<service::ScrubPass> pass = scrub_.Pass(id);
  if (!pass.ok()) {
    return ArmErrorResponse(pass.status(), 11);
  }
  if (!pass->done) {
    return Running(request, id);
  }
  if (!pass->status.ok()) {
    return ArmErrorResponse(pass->status, 11);
  }
  json stores = json::array();
  for (const service::StoreScrubReport& r : pass->reports) {
    stores.push_back(ReportToWire(r));
  }
  return JsonResponse(http::status::ok, {{"stores", std::move(stores)}});
}

}  // namespace gallery::api
