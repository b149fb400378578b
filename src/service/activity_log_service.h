#pragma once
// ActivityLogService: lists a subscription's activity log (activity_recorder.h writes it),
// newest first, a page at a time, showing a caller only the entries for scopes it may read.
//
//   ActivityLogService log(store, gallery, /*page_size=*/100, visibility);
//   GALLERY_ASSIGN_OR_RETURN(domain::ActivityFilter f, domain::ParseActivityFilter(text));
//   GALLERY_ASSIGN_OR_RETURN(Page<domain::ActivityEvent> page, log.List(ctx, sub, f, token));
//
// Visibility is a predicate the program wires (to the authorizer); the default shows every
// entry of a subscription of the caller's tenant. Entries the predicate hides are skipped; a
// page may come back shorter than the page size (even empty) with a next token when many are
// hidden, so that one request never scans the whole log.
// Errors: NotFound (SubscriptionNotFound) for a subscription that is not the caller's tenant's;
// InvalidArgument (InvalidSkipToken) for a token this service did not issue; the store's.
// Thread-safe.

#include <functional>
#include <string>
#include <string_view>

#include "domain/activity_event.h"
#include "domain/activity_filter.h"
#include "domain/directory.h"
#include "metadata/metadata_store.h"
#include "service/gallery_service.h"
#include "service/request_context.h"

namespace gallery::service {

// Whether `caller` may read `scope` (a resource id).
using ScopeVisibility = std::function<bool(const domain::Caller& caller, std::string_view scope)>;

// Shows everything.
bool AllScopesVisible(const domain::Caller& caller, std::string_view scope);

class ActivityLogService {
 public:
  // `store` and `gallery` must outlive the service; `page_size` >= 1.
  ActivityLogService(metadata::MetadataStore& store, GalleryService& gallery, int32_t page_size,
                     ScopeVisibility visible = AllScopesVisible);

  Result<Page<domain::ActivityEvent>> List(const RequestContext& ctx,
                                           const std::string& subscription,
                                           const domain::ActivityFilter& filter,
                                           const std::string& page_token);

 private:
  metadata::MetadataStore& store_;
  GalleryService& gallery_;
  int32_t page_size_;
  ScopeVisibility visible_;
};

}  // namespace gallery::service
