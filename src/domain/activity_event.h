#pragma once
// ActivityEvent: one entry of the activity log, the durable record of who changed (or tried to
// change) what, where, when and with which result. Azure calls the same record EventData
// (category "Administrative"); the API renders it in that shape.
//
// A write answered synchronously leaves one event (Succeeded or Failed). A long-running one
// leaves a Started event when it is accepted and a Succeeded or Failed event, with the same
// correlation id and operation id, when the operation completes. Refused attempts (401, 403,
// other 4xx answers to writes) leave a Failed event.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/time.h"

namespace gallery::domain {

enum class ActivityStatus { kStarted, kSucceeded, kFailed };

// "Started", "Succeeded", "Failed".
std::string_view ToString(ActivityStatus status);

struct ActivityEvent {
  std::string event_id;  // GUID (eventDataId)
  std::string tenant_id;
  std::string subscription;
  std::string caller_object_id;  // empty when the caller could not be authenticated
  std::string caller_name;
  // The ARM resource type and what was done to it: "Microsoft.Compute/galleries/write",
  // ".../delete", "Microsoft.Features/providers/features/register/action".
  std::string action;
  std::string scope;           // the resource id acted on
  std::string resource_group;  // empty above resource groups
  ActivityStatus status = ActivityStatus::kStarted;
  int32_t http_status = 0;  // the answer's status (0 for completions: no HTTP answer)
  std::string correlation_id;
  std::string client_request_id;
  std::string http_method;     // "PUT", "DELETE", ...; empty for completions
  std::string client_address;  // "ip:port" of the request; empty for completions
  std::string operation_id;    // the long-running operation, when there is one
  std::string error_code;      // Failed events: the ARM error code and message
  std::string error_message;
  TimestampMs event_time = 0;       // when it happened
  TimestampMs submission_time = 0;  // when it was recorded
};

}  // namespace gallery::domain
