// `gallery activity-log list`: the subscription's activity log (who changed what, when, with
// which result), as `az monitor activity-log list` reads it.

#include "cli/args.h"
#include "cli/arm_paths.h"
#include "cli/context.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

constexpr int64_t kDefaultWindowMs = 3600 * 1000;  // the last hour

struct ActivityLogOptions {
  std::string start_time;
  std::string end_time;
  std::string group;
  std::string correlation_id;
  std::string resource_id;
  CommonOptions common;
};

// 'it''s' quoting of an OData string literal.
std::string Quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    out += c;
    if (c == '\'') {
      out += '\'';
    }
  }
  return out + "'";
}

Result<TimestampMs> TimeOption(const std::string& text, const char* option) {
  Result<TimestampMs> t = ParseTimestamp(text, option);
  if (!t.ok()) {
    return UsageError(std::string("argument ") + option + ": '" + text +
                      "' is not a date-time (e.g. 2030-01-31T12:00:00Z)");
  }
  return t;
}

// The $filter of the options: the time range (by default the hour before now, or before
// --end-time; an hour after --start-time when only that is given) and the narrowing options.
Result<std::string> FilterOf(const ActivityLogOptions& o, TimestampMs now) {
  TimestampMs end = now;
  TimestampMs start = now - kDefaultWindowMs;
  if (!o.end_time.empty()) {
    GALLERY_ASSIGN_OR_RETURN(end, TimeOption(o.end_time, "--end-time"));
    start = end - kDefaultWindowMs;
  }
  if (!o.start_time.empty()) {
    GALLERY_ASSIGN_OR_RETURN(start, TimeOption(o.start_time, "--start-time"));
    if (o.end_time.empty()) {
      end = std::max(now, start + kDefaultWindowMs);
    }
  }
  std::string filter = "eventTimestamp ge " + Quoted(FormatTimestamp(start)) +
                       " and eventTimestamp le " + Quoted(FormatTimestamp(end));
  if (!o.group.empty()) {
    filter += " and resourceGroupName eq " + Quoted(o.group);
  }
  if (!o.resource_id.empty()) {
    filter += " and resourceUri eq " + Quoted(o.resource_id);
  }
  if (!o.correlation_id.empty()) {
    filter += " and correlationId eq " + Quoted(o.correlation_id);
  }
  return filter;
}

std::vector<Column> ActivityColumns() {
  return {FieldColumn("Time", "eventTimestamp"), FieldColumn("Caller", "caller"),
          FieldColumn("Operation", "operationName.value"), FieldColumn("Status", "status.value"),
          FieldColumn("Resource", "resourceId")};
}

Status List(CommandContext& ctx, const ActivityLogOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(std::string filter, FilterOf(o, ctx.clock().Now()));
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(
      json events, s.arm->List(SubscriptionPath(s.subscription) +
                                   "/providers/microsoft.insights/eventtypes/management/values",
                               api::kActivityLog, {{"$filter", filter}}));
  return ctx.Print(o.common, events, ActivityColumns());
}

}  // namespace

void RegisterActivityLogCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* log = root.add_subcommand("activity-log", "Who changed what, when, with which result");
  log->require_subcommand(1);

  auto opts = std::make_shared<ActivityLogOptions>();
  CLI::App* list = log->add_subcommand(
      "list", "List activity log events, newest first (default: the last hour)");
  list->add_option("--start-time", opts->start_time,
                   "Start of the time range (default: an hour before the end)");
  list->add_option("--end-time", opts->end_time, "End of the time range (default: now)");
  list->add_option("-g,--resource-group", opts->group, "Only events in this resource group");
  list->add_option("--correlation-id", opts->correlation_id,
                   "Only the events of one request (its x-ms-correlation-request-id)");
  list->add_option("--resource-id", opts->resource_id, "Only events on this resource");
  AddCommonOptions(list, &opts->common);
  OnRun(list, ctx, [&ctx, opts] { return List(ctx, *opts); });
}

}  // namespace gallery::cli
