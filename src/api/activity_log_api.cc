#include "api/activity_log_api.h"

#include "api/wire_activity.h"
#include "domain/activity_filter.h"

namespace gallery::api {

Result<nlohmann::json> ListActivityLog(service::ActivityLogService& log, const Target& target,
                                       const service::RequestContext& ctx,
                                       const std::string& subscription,
                                       const std::string& base_url) {
  const std::string filter_text = target.Query("$filter");
  const std::string select_text = target.Query("$select");
  GALLERY_ASSIGN_OR_RETURN(domain::ActivityFilter filter, domain::ParseActivityFilter(filter_text));
  GALLERY_ASSIGN_OR_RETURN(std::set<std::string> select, domain::ParseActivitySelect(select_text));
  GALLERY_ASSIGN_OR_RETURN(service::Page<domain::ActivityEvent> page,
                           log.List(ctx, subscription, filter, target.Query("$skiptoken")));
  nlohmann::json value = nlohmann::json::array();
  for (const domain::ActivityEvent& e : page.items) {
    value.push_back(ActivityEventToWire(e, select));
  }
  nlohmann::json out = {{"value", std::move(value)}};
  if (!page.next_token.empty()) {
    std::string link;
    for (const std::string& s : target.segments) {
      link += "/" + UrlEncode(s);
    }
    link = base_url + link + "?api-version=" + UrlEncode(target.Query("api-version")) +
           "&$filter=" + UrlEncode(filter_text);
    if (!select_text.empty()) {
      link += "&$select=" + UrlEncode(select_text);
    }
    out["nextLink"] = link + "&$skiptoken=" + UrlEncode(page.next_token);
  }
  return out;
}

}  // namespace gallery::api
