#pragma once
// Status: the outcome of an operation that can fail, as a value.
//
// Every fallible call in Gallery returns a Status (or a Result<T>, see result.h); no exception
// crosses a layer. A Status carries:
//   - a canonical code (what kind of failure, decides the HTTP status in exactly one place:
//     api/arm_error.cc),
//   - a reason: the stable, machine-readable error code users see (ARM's `error.code`, such as
//     "PropertyChangeNotAllowed"); empty means "use the default for the code",
//   - a message for people, naming the field and the offending value,
//   - a target: the JSON path of the offending field, when there is one.
//
// Example:
//   Status s = Status::InvalidArgument("Gallery name 'a-b' is invalid...", "name")
//                  .WithReason("InvalidParameter");
//   if (!s.ok()) return s;

#include <string>
#include <string_view>
#include <utility>

namespace gallery {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the request is malformed or breaks a rule (400)
  kNotFound,            // the resource, or its parent, does not exist (404)
  kAlreadyExists,       // creating what exists already (409)
  kFailedPrecondition,  // the system is not in a state that allows this (409)
  kPermissionDenied,    // authenticated, but not allowed (403)
  kUnauthenticated,     // no valid credentials (401)
  kResourceExhausted,   // a quota or a limit is reached (409; 429 when throttled)
  kUnavailable,         // a dependency is down; retrying may work (503)
  kDataLoss,            // stored bytes no longer match their hash (500)
  kInternal,            // a bug or an unexpected failure (500)
};

// Returns the code's name, e.g. "InvalidArgument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string target = {})
      : code_(code), message_(std::move(message)), target_(std::move(target)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg, std::string target = {}) {
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(target)};
  }
  static Status NotFound(std::string msg, std::string target = {}) {
    return {StatusCode::kNotFound, std::move(msg), std::move(target)};
  }
  static Status AlreadyExists(std::string msg, std::string target = {}) {
    return {StatusCode::kAlreadyExists, std::move(msg), std::move(target)};
  }
  static Status FailedPrecondition(std::string msg, std::string target = {}) {
    return {StatusCode::kFailedPrecondition, std::move(msg), std::move(target)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  // Sets the user-visible error code (ARM `error.code`). Returns *this for chaining.
  Status&& WithReason(std::string reason) && {
    reason_ = std::move(reason);
    return std::move(*this);
  }
  Status& WithReason(std::string reason) & {
    reason_ = std::move(reason);
    return *this;
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const std::string& target() const { return target_; }

  // "NotFound (ResourceNotFound): message" for logs and test failures.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string reason_;
  std::string message_;
  std::string target_;
};

}  // namespace gallery

// Returns the Status from the enclosing function if `expr` is not OK.
#define GALLERY_RETURN_IF_ERROR(expr)           \
  do {                                          \
    ::gallery::Status gallery_status_ = (expr); \
    if (!gallery_status_.ok()) {                \
      return gallery_status_;                   \
    }                                           \
  } while (false)
