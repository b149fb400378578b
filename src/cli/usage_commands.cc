// `gallery usage list -l LOC`: quota usage of the subscription in a location.

#include "cli/arm_paths.h"
#include "cli/context.h"
#include "client/url.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

struct UsageOptions {
  std::string location;
  CommonOptions common;
};

Status List(CommandContext& ctx, const UsageOptions& o) {
  GALLERY_ASSIGN_OR_RETURN(Session s, ctx.Connect(o.common));
  GALLERY_ASSIGN_OR_RETURN(json usages,
                           s.arm->List(ComputeSubscriptionPath(s.subscription) + "/locations/" +
                                           PercentEncode(o.location) + "/usages",
                                       api::kUsages));
  return ctx.Print(o.common, usages, UsageColumns());
}

}  // namespace

void RegisterUsageCommands(CLI::App& root, CommandContext& ctx) {
  CLI::App* usage = root.add_subcommand("usage", "Quotas and their usage");
  usage->require_subcommand(1);

  auto list_opts = std::make_shared<UsageOptions>();
  CLI::App* list = usage->add_subcommand("list", "Show quota usage in a location");
  list->add_option("-l,--location", list_opts->location, "Location, e.g. westus")->required();
  AddCommonOptions(list, &list_opts->common);
  OnRun(list, ctx, [&ctx, list_opts] { return List(ctx, *list_opts); });
}

}  // namespace gallery::cli
