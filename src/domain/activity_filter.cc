#include "domain/activity_filter.h"

#include <array>
#include <vector>

#include "common/resource_id.h"

namespace gallery::domain {

namespace {

constexpr char kExample[] =
    "eventTimestamp ge '2030-01-01T00:00:00Z' and eventTimestamp le '2030-01-02T00:00:00Z'";

Status BadFilter(const std::string& why) {
  return Status::InvalidArgument("The $filter is invalid: " + why + ". Expected e.g. \"" +
                                     kExample +
                                     "\", optionally with \"and resourceGroupName eq '...'\", "
                                     "\"and resourceUri eq '...'\" or \"and correlationId eq "
                                     "'...'\".",
                                 "$filter")
      .WithReason("BadRequest");
}

struct Token {
  std::string text;
  bool quoted = false;
};

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    Token t;
    if (s[i] == '\'') {
      t.quoted = true;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            t.text += '\'';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        t.text += s[i++];
      }
      if (!closed) {
        return BadFilter("a quoted value is not closed");
      }
    } else {
      while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\'') {
        t.text += s[i++];
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

enum class Field {
  kEventTimestamp,
  kResourceGroup,
  kResourceId,
  kCorrelationId,
  kResourceProvider,
  kCaller,
  kStatus
};

std::optional<Field> FieldNamed(const std::string& name) {
  static constexpr std::array<std::pair<std::string_view, Field>, 9> kFields = {{
      {"eventTimestamp", Field::kEventTimestamp},
      {"resourceGroupName", Field::kResourceGroup},
      {"resourceGroup", Field::kResourceGroup},
      {"resourceUri", Field::kResourceId},
      {"resourceId", Field::kResourceId},
      {"correlationId", Field::kCorrelationId},
      {"resourceProvider", Field::kResourceProvider},
      {"caller", Field::kCaller},
      {"status", Field::kStatus},
  }};
  for (const auto& [n, f] : kFields) {
    if (EqualsIgnoreCase(name, n)) {
      return f;
    }
  }
  return std::nullopt;
}

// Applies one "field op value" condition; `seen` catches repeated fields.
Status Apply(const Token& field, const Token& op, const Token& value, ActivityFilter* f,
             std::set<std::string>* seen) {
  std::optional<Field> which = field.quoted ? std::nullopt : FieldNamed(field.text);
  if (!which.has_value()) {
    return BadFilter("'" + field.text +
                     "' is not a field that can be filtered on (eventTimestamp, "
                     "resourceGroupName, resourceUri, correlationId, resourceProvider, caller, "
                     "status)");
  }
  const std::string lop = ToLower(op.text);
  if (*which == Field::kEventTimestamp) {
    if (op.quoted || (lop != "ge" && lop != "le")) {
      return BadFilter("eventTimestamp takes 'ge' or 'le', not '" + op.text + "'");
    }
    if (!seen->insert("eventTimestamp " + lop).second) {
      return BadFilter("eventTimestamp " + lop + " appears twice");
    }
    Result<TimestampMs> t = ParseTimestamp(value.text, "eventTimestamp");
    if (!t.ok()) {
      return BadFilter("'" + value.text + "' is not a date-time (e.g. 2030-01-01T00:00:00Z)");
    }
    (lop == "ge" ? f->from : f->to) = *t;
    return Status::Ok();
  }
  if (op.quoted || lop != "eq") {
    return BadFilter(field.text + " takes 'eq', not '" + op.text + "'");
  }
  if (!value.quoted || value.text.empty()) {
    return BadFilter("the value of " + field.text + " must be a non-empty quoted string");
  }
  std::string* target = nullptr;
  switch (*which) {
    case Field::kResourceGroup:
      target = &f->resource_group;
      break;
    case Field::kResourceId:
      target = &f->resource_id;
      break;
    case Field::kCorrelationId:
      target = &f->correlation_id;
      break;
    case Field::kResourceProvider:
      target = &f->resource_provider;
      break;
    case Field::kCaller:
      target = &f->caller;
      break;
    case Field::kStatus:
    case Field::kEventTimestamp:
      target = &f->status;
      break;
  }
  if (!target->empty()) {
    return BadFilter(field.text + " appears twice");
  }
  *target = value.text;
  return Status::Ok();
}

bool Has(const std::string& want, const std::string& have) {
  return want.empty() || EqualsIgnoreCase(want, have);
}

}  // namespace

std::string_view ToString(ActivityStatus status) {
  switch (status) {
    case ActivityStatus::kStarted:
      return "Started";
    case ActivityStatus::kSucceeded:
      return "Succeeded";
    case ActivityStatus::kFailed:
      return "Failed";
  }
  return "Unknown";
}

Result<ActivityFilter> ParseActivityFilter(std::string_view text) {
  if (text.find_first_not_of(" \t") == std::string_view::npos) {
    return BadFilter("it is missing; the activity log needs a time range");
  }
  GALLERY_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  ActivityFilter f;
  f.from = -1;
  f.to = -1;
  std::set<std::string> seen;
  size_t i = 0;
  while (true) {
    if (i + 3 > tokens.size()) {
      return BadFilter("a condition is incomplete; each is 'field operator value'");
    }
    GALLERY_RETURN_IF_ERROR(Apply(tokens[i], tokens[i + 1], tokens[i + 2], &f, &seen));
    i += 3;
    if (i == tokens.size()) {
      break;
    }
    if (tokens[i].quoted || !EqualsIgnoreCase(tokens[i].text, "and")) {
      return BadFilter("conditions are joined with 'and', found '" + tokens[i].text + "'");
    }
    ++i;
  }
  if (f.from < 0 || f.to < 0) {
    return BadFilter(
        "it needs both 'eventTimestamp ge' and 'eventTimestamp le' (the start and the end of "
        "the time range)");
  }
  if (f.from > f.to) {
    return BadFilter("the start of the time range is after its end");
  }
  if (f.to - f.from > kMaxActivityRangeMs) {
    return BadFilter("the time range spans more than 90 days");
  }
  if (!f.status.empty() && !EqualsIgnoreCase(f.status, "Started") &&
      !EqualsIgnoreCase(f.status, "Succeeded") && !EqualsIgnoreCase(f.status, "Failed")) {
    return BadFilter("status is one of Started, Succeeded, Failed, not '" + f.status + "'");
  }
  return f;
}

bool Matches(const ActivityFilter& f, const ActivityEvent& e) {
  if (e.event_time < f.from || e.event_time > f.to) {
    return false;
  }
  const bool caller_ok = f.caller.empty() || EqualsIgnoreCase(f.caller, e.caller_object_id) ||
                         EqualsIgnoreCase(f.caller, e.caller_name);
  const std::string provider = e.action.substr(0, e.action.find('/'));
  return caller_ok && Has(f.resource_group, e.resource_group) && Has(f.resource_id, e.scope) &&
         Has(f.correlation_id, e.correlation_id) && Has(f.resource_provider, provider) &&
         Has(f.status, std::string(ToString(e.status)));
}

Result<std::set<std::string>> ParseActivitySelect(std::string_view select) {
  static constexpr std::array<std::string_view, 24> kProperties = {"authorization",
                                                                   "claims",
                                                                   "caller",
                                                                   "description",
                                                                   "id",
                                                                   "eventDataId",
                                                                   "correlationId",
                                                                   "eventName",
                                                                   "category",
                                                                   "httpRequest",
                                                                   "level",
                                                                   "resourceGroupName",
                                                                   "resourceProviderName",
                                                                   "resourceId",
                                                                   "resourceType",
                                                                   "operationId",
                                                                   "operationName",
                                                                   "properties",
                                                                   "status",
                                                                   "subStatus",
                                                                   "eventTimestamp",
                                                                   "submissionTimestamp",
                                                                   "subscriptionId",
                                                                   "tenantId"};
  std::set<std::string> out;
  size_t start = 0;
  while (start <= select.size()) {
    size_t end = select.find(',', start);
    if (end == std::string_view::npos) {
      end = select.size();
    }
    std::string_view item = select.substr(start, end - start);
    const size_t b = item.find_first_not_of(" \t");
    const size_t e = item.find_last_not_of(" \t");
    item = b == std::string_view::npos ? std::string_view() : item.substr(b, e - b + 1);
    if (!item.empty()) {
      bool known = false;
      for (std::string_view p : kProperties) {
        if (EqualsIgnoreCase(item, p)) {
          out.insert(std::string(p));
          known = true;
        }
      }
      if (!known) {
        return Status::InvalidArgument("The $select names '" + std::string(item) +
                                           "', which is not a property of an activity log "
                                           "event (e.g. caller, eventTimestamp, operationName, "
                                           "status, resourceId).",
                                       "$select")
            .WithReason("BadRequest");
      }
    } else if (select.find_first_not_of(" \t,") != std::string_view::npos) {
      return Status::InvalidArgument("The $select has an empty item.", "$select")
          .WithReason("BadRequest");
    }
    start = end + 1;
  }
  return out;
}

}  // namespace gallery::domain
