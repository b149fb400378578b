#include "api/request_ids.h"

#include <gtest/gtest.h>

#include <string>

namespace gallery::api {
namespace {

HttpRequest With(std::initializer_list<std::pair<const char*, std::string>> headers) {
  HttpRequest req{boost::beast::http::verb::get, "/", 11};
  for (const auto& [name, value] : headers) {
    req.set(name, value);
  }
  return req;
}

TEST(RequestIdsTest, CorrelationComesFromTheFirstUsableHeader) {
  service::RequestContext ctx = RequestIdsOf(With({{"x-ms-correlation-request-id", "corr"},
                                                   {"x-ms-client-request-id", "client"}}));
  EXPECT_EQ(ctx.correlation_id, "corr");
  EXPECT_EQ(ctx.client_request_id, "client");
  ctx = RequestIdsOf(With({{"x-ms-client-request-id", "client"}}));
  EXPECT_EQ(ctx.correlation_id, "client");
  ctx = RequestIdsOf(With({{"client-request-id", "graph-client"}}));  // Graph's header
  EXPECT_EQ(ctx.correlation_id, "graph-client");
  EXPECT_EQ(ctx.client_request_id, "graph-client");
}

TEST(RequestIdsTest, WithoutUsableHeadersTheRequestIdCorrelates) {
  service::RequestContext a = RequestIdsOf(With({}));
  service::RequestContext b = RequestIdsOf(With({}));
  EXPECT_EQ(a.request_id.size(), 36u);
  EXPECT_NE(a.request_id, b.request_id);
  EXPECT_EQ(a.correlation_id, a.request_id);
  EXPECT_TRUE(a.client_request_id.empty());
  // Over 128 bytes: not a correlation id; the client request id is cut.
  service::RequestContext long_ids = RequestIdsOf(With(
      {{"x-ms-correlation-request-id", std::string(129, 'c')},
       {"x-ms-client-request-id", std::string(200, 'x')}}));
  EXPECT_EQ(long_ids.correlation_id, long_ids.request_id);
  EXPECT_EQ(long_ids.client_request_id, std::string(128, 'x'));
}

}  // namespace
}  // namespace gallery::api
