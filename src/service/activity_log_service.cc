#include "service/activity_log_service.h"

#include "common/base64.h"

namespace gallery::service {

namespace {

// Store pages read for one answer at most: bounds the work of a caller who may see little.
constexpr int kMaxBatchesPerPage = 20;

}  // namespace

bool AllScopesVisible(const domain::Caller&, std::string_view) { return true; }

ActivityLogService::ActivityLogService(metadata::MetadataStore& store, GalleryService& gallery,
                                       int32_t page_size, ScopeVisibility visible)
    : store_(store), gallery_(gallery), page_size_(page_size), visible_(std::move(visible)) {}

Result<Page<domain::ActivityEvent>> ActivityLogService::List(const RequestContext& ctx,
                                                             const std::string& subscription,
                                                             const domain::ActivityFilter& filter,
                                                             const std::string& page_token) {
  GALLERY_RETURN_IF_ERROR(gallery_.GetSubscription(ctx, subscription).status());
  metadata::ActivityQuery q;
  q.subscription = subscription;
  q.from = filter.from;
  q.to = filter.to;
  q.resource_group = filter.resource_group;
  q.resource_id = filter.resource_id;
  q.correlation_id = filter.correlation_id;
  if (!page_token.empty()) {
    std::optional<std::string> key = Base64UrlDecode(page_token);
    if (!key.has_value() || key->empty()) {
      return Status::InvalidArgument("The $skiptoken '" + page_token + "' is not valid.",
                                     "$skiptoken")
          .WithReason("InvalidSkipToken");
    }
    q.after_key = *key;
  }
  // Each batch in a read transaction of its own, released before the visibility checks, which
  // may read the store themselves: requests each holding a connection while waiting for
  // another would exhaust the pool.
  auto read_batch = [&]() -> Result<metadata::ActivityPage> {
    GALLERY_ASSIGN_OR_RETURN(auto tx, store_.Begin(metadata::TxMode::kRead));
    return tx->ListActivityEvents(q);
  };
  Page<domain::ActivityEvent> out;
  for (int batch = 0; batch < kMaxBatchesPerPage; ++batch) {
    // Ask for exactly what is missing: every event read is examined, so the store's next key
    // is where this page ends.
    q.limit = page_size_ - static_cast<int32_t>(out.items.size());
    Result<metadata::ActivityPage> page = read_batch();
    if (!page.ok() && page.status().code() == StatusCode::kInvalidArgument) {
      return Status::InvalidArgument("The $skiptoken '" + page_token + "' is not valid.",
                                     "$skiptoken")
          .WithReason("InvalidSkipToken");
    }
    GALLERY_RETURN_IF_ERROR(page.status());
    for (domain::ActivityEvent& e : page->items) {
      if (domain::Matches(filter, e) && visible_(ctx.caller, e.scope)) {
        out.items.push_back(std::move(e));
      }
    }
    q.after_key = page->next_key;
    if (q.after_key.empty() || static_cast<int32_t>(out.items.size()) >= page_size_) {
      break;
    }
  }
  if (!q.after_key.empty()) {
    out.next_token = Base64UrlEncode(q.after_key);
  }
  return out;
}

}  // namespace gallery::service
