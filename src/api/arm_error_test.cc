#include "api/arm_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace gallery::api {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

// --- HTTP status ---

TEST(ArmErrorTest, OkIs200) { EXPECT_EQ(HttpStatusOf(Status::Ok()), http::status::ok); }

TEST(ArmErrorTest, InvalidArgumentIs400) {
  EXPECT_EQ(HttpStatusOf(Status::InvalidArgument("x")), http::status::bad_request);
}

TEST(ArmErrorTest, UnauthenticatedIs401) {
  EXPECT_EQ(HttpStatusOf(Status::Unauthenticated("x")), http::status::unauthorized);
}

TEST(ArmErrorTest, PermissionDeniedIs403) {
  EXPECT_EQ(HttpStatusOf(Status::PermissionDenied("x")), http::status::forbidden);
}

TEST(ArmErrorTest, NotFoundIs404) {
  EXPECT_EQ(HttpStatusOf(Status::NotFound("x")), http::status::not_found);
}

TEST(ArmErrorTest, AlreadyExistsAndFailedPreconditionAre409) {
  EXPECT_EQ(HttpStatusOf(Status::AlreadyExists("x")), http::status::conflict);
  EXPECT_EQ(HttpStatusOf(Status::FailedPrecondition("x")), http::status::conflict);
}

TEST(ArmErrorTest, AFailedPreconditionOfTheRequestsIfMatchOrIfNoneMatchIs412) {
  const Status s = Status::FailedPrecondition("exists").WithReason("PreconditionFailed");
  EXPECT_EQ(HttpStatusOf(s), http::status::precondition_failed);
  EXPECT_EQ(json::parse(ArmErrorBody(s)),
            json::parse(R"({"error":{"code":"PreconditionFailed","message":"exists"}})"));
}

TEST(ArmErrorTest, ResourceExhaustedIs409ForAQuota) {
  EXPECT_EQ(HttpStatusOf(Status::ResourceExhausted("x")), http::status::conflict);
  EXPECT_EQ(HttpStatusOf(Status::ResourceExhausted("x").WithReason("GalleryQuotaExceeded")),
            http::status::conflict);
}

TEST(ArmErrorTest, ResourceExhaustedWithReasonTooManyRequestsIs429) {
  EXPECT_EQ(HttpStatusOf(Status::ResourceExhausted("x").WithReason("TooManyRequests")),
            http::status::too_many_requests);
}

TEST(ArmErrorTest, TooManyRequestsReasonOnAnotherCodeDoesNotMake429) {
  EXPECT_EQ(HttpStatusOf(Status::InvalidArgument("x").WithReason("TooManyRequests")),
            http::status::bad_request);
}

TEST(ArmErrorTest, UnavailableIs503) {
  EXPECT_EQ(HttpStatusOf(Status::Unavailable("x")), http::status::service_unavailable);
}

TEST(ArmErrorTest, DataLossAndInternalAre500) {
  EXPECT_EQ(HttpStatusOf(Status::DataLoss("x")), http::status::internal_server_error);
  EXPECT_EQ(HttpStatusOf(Status::Internal("x")), http::status::internal_server_error);
}

// --- ARM code ---

TEST(ArmErrorTest, ReasonIsTheArmCode) {
  EXPECT_EQ(ArmCodeOf(Status::InvalidArgument("x").WithReason("PropertyChangeNotAllowed")),
            "PropertyChangeNotAllowed");
  EXPECT_EQ(ArmCodeOf(Status::NotFound("x").WithReason("ParentResourceNotFound")),
            "ParentResourceNotFound");
}

TEST(ArmErrorTest, EachCodeHasADefaultArmCode) {
  EXPECT_EQ(ArmCodeOf(Status::InvalidArgument("x")), "InvalidParameter");
  EXPECT_EQ(ArmCodeOf(Status::Unauthenticated("x")), "AuthenticationFailed");
  EXPECT_EQ(ArmCodeOf(Status::PermissionDenied("x")), "AuthorizationFailed");
  EXPECT_EQ(ArmCodeOf(Status::NotFound("x")), "ResourceNotFound");
  EXPECT_EQ(ArmCodeOf(Status::AlreadyExists("x")), "Conflict");
  EXPECT_EQ(ArmCodeOf(Status::FailedPrecondition("x")), "Conflict");
  EXPECT_EQ(ArmCodeOf(Status::ResourceExhausted("x")), "QuotaExceeded");
  EXPECT_EQ(ArmCodeOf(Status::Unavailable("x")), "ServiceUnavailable");
  EXPECT_EQ(ArmCodeOf(Status::DataLoss("x")), "DataLoss");
  EXPECT_EQ(ArmCodeOf(Status::Internal("x")), "InternalServerError");
}

// --- body ---

TEST(ArmErrorTest, BodyWithoutTargetHasCodeAndMessageOnly) {
  json body = json::parse(ArmErrorBody(Status::NotFound("Gallery 'g' was not found.")));
  EXPECT_EQ(
      body,
      (json{{"error", {{"code", "ResourceNotFound"}, {"message", "Gallery 'g' was not found."}}}}));
}

TEST(ArmErrorTest, BodyWithTargetNamesIt) {
  json body =
      json::parse(ArmErrorBody(Status::InvalidArgument("bad os", "galleryImage.properties.osType")
                                   .WithReason("InvalidParameter")));
  EXPECT_EQ(body, (json{{"error",
                         {{"code", "InvalidParameter"},
                          {"message", "bad os"},
                          {"target", "galleryImage.properties.osType"}}}}));
}

TEST(ArmErrorTest, ResponseCarriesStatusJsonContentTypeAndBody) {
  Status s = Status::AlreadyExists("exists").WithReason("ResourceExists");
  HttpResponse res = ArmErrorResponse(s, 11);
  EXPECT_EQ(res.result(), http::status::conflict);
  EXPECT_EQ(res.version(), 11u);
  EXPECT_EQ(res[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(res.body(), ArmErrorBody(s));
}

}  // namespace
}  // namespace gallery::api
