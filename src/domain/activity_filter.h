#pragma once
// The activity log's query: Azure's $filter grammar for
// GET /subscriptions/{s}/providers/microsoft.insights/eventtypes/management/values, and $select.
//
//   $filter = eventTimestamp ge '2030-01-01T00:00:00Z' and eventTimestamp le '2030-01-02'
//             [and resourceGroupName eq 'rg1'] [and resourceUri eq '/subscriptions/...']
//             [and correlationId eq '...'] [and resourceProvider eq 'Microsoft.Compute']
//             [and caller eq '...'] [and status eq 'Succeeded']
//
// Conditions are joined by "and" (any casing); values are single-quoted ('' stands for a quote)
// or, for timestamps, bare (az sends `eventTimestamp ge 2030-01-01T00:00:00.000000`; no zone
// means UTC). resourceId is accepted for resourceUri (az's spelling). Both timestamps are
// required, the range may not exceed kMaxActivityRange, and every field appears at most once.
// Errors: InvalidArgument, reason "BadRequest", target "$filter" (or "$select"), with a message
// that says what is wrong and what is expected.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/time.h"
#include "domain/activity_event.h"

namespace gallery::domain {

inline constexpr int64_t kMaxActivityRangeMs = int64_t{90} * 24 * 3600 * 1000;

struct ActivityFilter {
  TimestampMs from = 0;  // inclusive
  TimestampMs to = 0;    // inclusive
  std::string resource_group;
  std::string resource_id;
  std::string correlation_id;
  std::string resource_provider;
  std::string caller;  // object id or display name
  std::string status;  // Started | Succeeded | Failed
};

Result<ActivityFilter> ParseActivityFilter(std::string_view filter);

// Whether `event` satisfies the filter (every field, compared case-insensitively; times
// inclusive). The store narrows by time, group, resource and correlation id; this checks all.
bool Matches(const ActivityFilter& filter, const ActivityEvent& event);

// The EventData properties a $select names ("caller,eventTimestamp , status"; any casing),
// returned in their canonical spelling. Empty text selects everything (an empty set).
Result<std::set<std::string>> ParseActivitySelect(std::string_view select);

}  // namespace gallery::domain
