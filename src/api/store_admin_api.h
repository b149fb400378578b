#pragma once
// StoreAdminApi: administration of the chunk stores, outside any subscription. An integrity
// scrub of every store, on demand, as an ARM long-running action:
//
//   POST /providers/Gallery.Storage/scrub?api-version=2024-01-01
//   -> 202, Location: https://HOST/providers/Gallery.Storage/scrubOperations/{id}
//                     ?api-version=2024-01-01, Retry-After: 2
//   GET that Location
//   -> 202 (same headers) while the pass runs;
//   -> 200 when it finished:
//      {"stores":[{"name":"westus","chunksChecked":1200,"bytesChecked":157286400,
//                  "corrupt":1,"missing":1,"repaired":2,"unrepairable":0,
//                  "problems":[{"digest":"<64 hex>","problem":"corrupt","repaired":true}]}]}
//      (problems: the first 100 of each store in digest order; corrupt + missing count all);
//   -> the ARM error of what stopped the pass (e.g. 503 when galleryd stopped it).
//   GET of an id that is unknown or no longer kept (the 16 latest passes are): 404.
//
// Why a long-running operation: a pass reads and hashes every stored byte, tens of minutes per
// TB at disk and SHA-256 speeds. The HTTPS server runs a handler on one of its few I/O
// threads, bounds the reading and writing of a request by 30 s each, and the gallery client
// gives up on a request after 120 s (https_transport.h): an answer only at the end of the pass
// would hold an I/O thread for its whole length and outlive the client's wait for any store
// beyond a few GB.
// A POST while a pass runs (the periodic one or another caller's) answers with that pass.
//
// Allowed to a directory administrator of the installation's own tenant only (see the .cc).
// Errors are ARM error bodies. Thread-safe.

#include <string>
#include <string_view>

#include "api/authenticator.h"
#include "api/http_types.h"
#include "service/directory_service.h"
#include "service/store_scrub.h"

namespace gallery::api {

inline constexpr std::string_view kStoreAdminApiVersion = "2024-01-01";

struct StoreAdminApiOptions {
  // The tenant whose directory administrators administer the installation (galleryd's
  // bootstrap tenant); empty: a directory administrator of any tenant.
  std::string admin_tenant_id;
};

class StoreAdminApi {
 public:
  // The references must outlive the API. `authenticator` accepts ARM-audience tokens.
  StoreAdminApi(service::StoreScrub& scrub, service::DirectoryService& directory,
                Authenticator& authenticator, StoreAdminApiOptions options);

  // True for targets under /providers/Gallery.Storage (any casing).
  static bool Serves(std::string_view target);

  HttpResponse Handle(HttpRequest&& request, const RequestInfo& info);

 private:
  HttpResponse Route(HttpRequest& request, service::RequestContext& ctx);
  Status Authorize(const service::RequestContext& ctx);

  service::StoreScrub& scrub_;
  service::DirectoryService& directory_;
  Authenticator& authenticator_;
  StoreAdminApiOptions options_;
};

}  // namespace gallery::api
