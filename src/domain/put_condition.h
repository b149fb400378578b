#pragma once
// PutCondition: what a PUT requires of the resource's existence, from its If-None-Match and
// If-Match request headers.

namespace gallery::domain {

// Checked atomically with the write: kIfAbsent for If-None-Match: * (create only), kIfExists
// for If-Match: * (update only). A PUT whose condition does not hold changes nothing and fails
// FailedPrecondition with reason kPreconditionFailedReason (HTTP 412 with an ARM error body).
enum class PutCondition { kNone, kIfAbsent, kIfExists };

inline constexpr char kPreconditionFailedReason[] = "PreconditionFailed";

}  // namespace gallery::domain
