#include "api/request_ids.h"

#include <string>
#include <string_view>

#include "common/random.h"

namespace gallery::api {

namespace {

constexpr size_t kMaxIdBytes = 128;

std::string_view Header(const HttpRequest& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) {
    return {};
  }
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

service::RequestContext RequestIdsOf(const HttpRequest& request) {
  service::RequestContext ctx;
  ctx.request_id = NewLabelUuid();
  std::string_view client = Header(request, "x-ms-client-request-id");
  if (client.empty()) {
    client = Header(request, "client-request-id");
  }
  ctx.client_request_id = std::string(client.substr(0, kMaxIdBytes));
  for (std::string_view id : {Header(request, "x-ms-correlation-request-id"), client}) {
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
