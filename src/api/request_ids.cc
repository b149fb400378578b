#include "api/request_ids.h"

#include <string>
#include <string_view>

#include "common/random.h"

namespace gallery::api {

namespace {

constexpr size_t kMaxIdBytes = 128;

}  // namespace

service::RequestContext RequestIdsOf(const HttpRequest& request) {
  service::RequestContext ctx;
  ctx.request_id = NewLabelUuid();
  std::string_view client = HeaderValue(request, "x-ms-client-request-id");
  if (client.empty()) {
    client = HeaderValue(request, "client-request-id");
  }
  ctx.client_request_id = std::string(client.substr(0, kMaxIdBytes));
  for (std::string_view id : {HeaderValue(request, "x-ms-correlation-request-id"), client}) {
    if (!id.empty() && id.size() <= kMaxIdBytes) {
      ctx.correlation_id = std::string(id);
      break;
    }
  }
  if (ctx.correlation_id.empty()) {
    ctx.correlation_id = ctx.request_id;
  }
  return ctx;
}

}  // namespace gallery::api
