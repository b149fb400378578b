#pragma once
// ArmApi: the Azure Resource Manager front door. Turns an HTTP request into a call of the
// service layer and its result into ARM's answer: status code, JSON body, and for long-running
// operations the Azure-AsyncOperation, Location and Retry-After headers.
//
// Handle() is a plain function of the request (testable without sockets) and thread-safe.
// Every answer carries x-ms-request-id and x-ms-correlation-request-id; every error is an ARM
// error body (api/arm_error.h). Every answer is offered to the activity log (which keeps
// writes and refusals, service/activity_recorder.h).

#include <mutex>
#include <string>
#include <vector>

#include "api/authenticator.h"
#include "api/http_types.h"
#include "api/render_cache.h"
#include "api/wire.h"
#include "service/activity_log_service.h"
#include "service/activity_recorder.h"
#include "service/disk_service.h"
#include "service/export_grants.h"
#include "service/gallery_service.h"
#include "service/operation_progress.h"
#include "service/role_service.h"
#include "service/registration_service.h"

namespace gallery::api {

struct ArmApiOptions {
  // Base URL for absolute links (operation URLs, nextLink) when a request has no usable Host
  // header (absent, or not a plain host[:port]).
  std::string public_endpoint = "https://127.0.0.1:8443";
};

// Services beyond the resource model; each may be null. Without `activity` nothing is
// recorded; without `activity_log` or `registrations` their routes answer 404.
struct ArmApiExtensions {
  service::ActivitySink* activity = nullptr;  // records every request's outcome
  service::ActivityLogService* activity_log = nullptr;
  service::RegistrationService* registrations = nullptr;
  service::DiskService* disks = nullptr;  // managed disk writes and access grants
  service::ExportGrants* exports = nullptr;  // Read grants on images' and versions' data
  // Workers that tell how far an operation is (operation status `percentComplete`).
  std::vector<const service::OperationProgress*> progress;
  // Live bytes and rates of replication jobs ($expand=ReplicationStatus).
  LiveReplicationOf live_replication;
};

class ArmApi {
 public:
  // References (and the extensions' pointers) must outlive the ArmApi.
  ArmApi(service::GalleryService& service, service::RoleService& roles,
         Authenticator& authenticator, ArmApiOptions options,
         ArmApiExtensions extensions = {});

  HttpResponse Handle(HttpRequest&& request, const RequestInfo& info);

  // Replaces options.public_endpoint (the server learns its port only once it listens).
  // Thread-safe.
  void SetPublicEndpoint(std::string endpoint);

 private:
  std::string PublicEndpoint() const;

  struct Call;
  HttpResponse Dispatch(Call& call);
  // The JSON text of `resource` as `wire` renders it, through render_cache_.
  std::string RenderText(const std::shared_ptr<const metadata::Resource>& resource,
                         const WireOptions& wire);
  // The accessSAS of a Succeeded beginGetAccess operation: a disk's grant, or an image's or
  // version's export grant. NotFound (InvalidResourceType) when that service is not run.
  Result<std::string> AccessUrlOf(const service::RequestContext& ctx, const domain::Operation& op,
                                  const std::string& base_url);
  // Hands the request's outcome to the activity log (when there is one).
  void Record(const Call& call, const HttpResponse& res, const RequestInfo& info);

  service::GalleryService& service_;
  service::RoleService& roles_;
  Authenticator& authenticator_;
  ArmApiExtensions extensions_;
  mutable std::mutex endpoint_mu_;
  std::string public_endpoint_;
  RenderCache render_cache_{size_t{16} << 20};
};

}  // namespace gallery::api
