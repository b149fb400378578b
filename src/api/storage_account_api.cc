#include "api/storage_account_api.h"

#include <charconv>

#include "api/page_blob_protocol.h"
#include "api/url.h"
#include "common/log.h"
#include "common/resource_id.h"
#include "domain/blob_uri.h"
#include "storage/account_blobs.h"
#include "storage/staging_blob.h"

namespace gallery::api {

namespace http = boost::beast::http;

namespace {

bool ParseLength(std::string_view text, uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool StorageAccountApi::Serves(std::string_view target) { return PathIsOrUnder(target, "/blob"); }

HttpReply StorageAccountApi::Handle(HttpRequest&& request,
                                       [[maybe_unused]] const RequestInfo& info) {
  const TimestampMs now = clock_.Now();
  auto refuse = [&](const BlobError& e) -> HttpReply {
    GLOG_DEBUG("storage {} {} from {} -> {} {}", std::string(request.method_string()),
               std::string(request.target()), info.remote_address,
               static_cast<unsigned>(e.status), e.code);
    return StorageErrorAnswer(e, now);
  };
  auto failed = [&](const Status& s) -> HttpReply {
    if (std::optional<BlobError> refused = RequestRefusal(s)) {
      return refuse(*refused);
    }
    if (s.code() == StatusCode::kNotFound) {
      return refuse({http::status::not_found, "BlobNotFound", "The specified blob does not exist."});
    }
    GLOG_WARN("storage {} {}: {}", std::string(request.method_string()),
              std::string(request.target()), s.ToString());
    if (s.code() == StatusCode::kResourceExhausted) {
      // The cause names the server's files: for its log (above), not clients.
      return refuse({http::status::insufficient_storage, "InsufficientStorage",
                     "The server has no space left to store the blob's bytes."});
    }
    // The details (paths of the server's files) are for its log, not for clients.
    return refuse({http::status::service_unavailable, "ServerBusy", kServerBusyMessage});
  };

  Result<domain::Caller> caller = authenticator_.Authenticate(request);
  if (!caller.ok()) {
    HttpResponse res = StorageErrorAnswer(
        {http::status::unauthorized, "InvalidAuthenticationInfo",
         "Authentication information is not given in the correct format: send the caller's ARM "
         "bearer token (Authorization: Bearer ...). " +
             caller.status().message()},
        now);
    res.set(http::field::www_authenticate, authenticator_.Challenge(caller.status()));
    return res;
  }
  const std::string_view raw(request.target().data(), request.target().size());
  const std::string_view path = raw.substr(0, raw.find('?'));
  Result<domain::BlobLocation> at = domain::ParseBlobPath(path);
  if (!at.ok()) {
    return refuse({http::status::bad_request,
                   at.status().reason().empty() ? "InvalidUri" : at.status().reason(),
                   at.status().message()});
  }
  Result<Target> target = ParseTarget(raw);
  if (!target.ok()) {
    return refuse({http::status::bad_request, "InvalidUri", target.status().message()});
  }
  const std::filesystem::path file = storage::AccountBlobPath(root_, caller->tenant_id, *at);
  const std::filesystem::path pages = storage::AccountBlobPagesPath(root_, caller->tenant_id, *at);
  // How storage errors name the blob (they are logged; clients get ServerBusy or the like).
  const std::string shown =
      "storage blob '" + at->account + "/" + at->container + "/" + at->blob + "'";
  const std::string comp = target->Query("comp");
  const http::verb method = request.method();

  if (method == http::verb::put && comp.empty()) {
    const std::string type = HeaderOf(request, "x-ms-blob-type");
    if (type.empty()) {
      return refuse({http::status::bad_request, "MissingRequiredHeader",
                     "An HTTP header that's mandatory for this request is not specified: "
                     "x-ms-blob-type."});
    }
    if (!EqualsIgnoreCase(type, "PageBlob")) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + type + "' of header x-ms-blob-type is not supported: only "
                     "page blobs (PageBlob) are served here."});
    }
    const std::string length_text = HeaderOf(request, "x-ms-blob-content-length");
    uint64_t length = 0;
    if (!ParseLength(length_text, &length) || length == 0 || length % kPageBytes != 0 ||
        length > kMaxPageBlobBytes) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + length_text + "' of header x-ms-blob-content-length must "
                     "be a positive multiple of 512 of at most 8 TiB (" +
                     std::to_string(kMaxPageBlobBytes) + " bytes)."});
    }
    if (!request.body().empty()) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "Creating a page blob takes no body; write pages with ?comp=page."});
    }
    // Creating a blob that exists replaces it, as in Azure Storage.
    if (Result<std::unique_ptr<storage::StagingBlob>> old = storage::StagingBlob::Open(file, shown);
        old.ok()) {
      if (Status removed = (*old)->Remove(); !removed.ok()) {
        return failed(removed);
      }
    }
    if (Status removed = storage::PageMap::Remove(pages, "the page list of " + shown);
        !removed.ok()) {
      return failed(removed);
    }
    Result<std::unique_ptr<storage::StagingBlob>> created =
        storage::StagingBlob::Create(file, length, shown);
    if (!created.ok()) {
      return failed(created.status());
    }
    if (Status tracked = (*created)->TrackPages(pages); !tracked.ok()) {
      return failed(tracked);
    }
    GLOG_INFO("storage blob {}/{}/{} of tenant {} created ({} bytes) by {}", at->account,
              at->container, at->blob, caller->tenant_id, length, caller->object_id);
    return PageWriteAnswer(now);
  }

  const bool known = (method == http::verb::put && comp == "page") ||
                     (method == http::verb::get && (comp == "pagelist" || comp.empty())) ||
                     (method == http::verb::head && comp.empty()) ||
                     (method == http::verb::delete_ && comp.empty());
  if (!known) {
    if (!comp.empty()) {
      return refuse({http::status::bad_request, "InvalidQueryParameterValue",
                     "The value '" + comp + "' of query parameter 'comp' is not supported here."});
    }
    return refuse({http::status::bad_request, "UnsupportedHttpVerb",
                   "The resource doesn't support the HTTP verb " +
                       std::string(request.method_string()) + "."});
  }
  Result<std::unique_ptr<storage::StagingBlob>> blob = storage::StagingBlob::Open(file, shown);
  if (!blob.ok()) {
    return failed(blob.status());
  }
  // Writes, clears, page lists and deletes keep the page map; reads need not open it.
  if (method != http::verb::head && (method != http::verb::get || comp == "pagelist")) {
    if (Status tracked = (*blob)->TrackPages(pages); !tracked.ok()) {
      return failed(tracked);
    }
  }
  if (method == http::verb::delete_) {
    if (Status removed = (*blob)->Remove(); !removed.ok()) {
      return failed(removed);
    }
    return StorageAnswer(http::status::accepted, now);
  }
  if (method == http::verb::put) {
    std::variant<PageWrite, BlobError> write = ParsePageWrite(request, (*blob)->size());
    if (const BlobError* e = std::get_if<BlobError>(&write)) {
      return refuse(*e);
    }
    if (Status s = ApplyPageWrite(std::get<PageWrite>(write), request, **blob); !s.ok()) {
      return failed(s);
    }
    return PageWriteAnswer(now);
  }
  if (comp == "pagelist") {
    std::variant<storage::PageRange, BlobError> window =
        ParsePageListRange(request, (*blob)->size());
    if (const BlobError* e = std::get_if<BlobError>(&window)) {
      return refuse(*e);
    }
    Result<std::vector<storage::PageRange>> ranges = (*blob)->PageRanges();
    if (!ranges.ok()) {
      return failed(ranges.status());
    }
    return PageListAnswer(*ranges, std::get<storage::PageRange>(window), (*blob)->size(), now);
  }
  const uint64_t total = (*blob)->size();
  std::variant<ReadWindow, HttpResponse> window = ResolveReadWindow(request, total, now);
  if (HttpResponse* refused = std::get_if<HttpResponse>(&window)) {
    return std::move(*refused);
  }
  const ReadWindow& w = std::get<ReadWindow>(window);
  HttpResponse res = ReadAnswer(w, total, now);
  res.set("x-ms-blob-content-length", std::to_string(total));
  if (method == http::verb::head) {
    res.content_length(w.length);
    res.keep_alive(request.keep_alive());
    return HttpReply(std::move(res));
  }
  return HttpReply(std::move(res),
                   WindowSource([blob = std::move(*blob)](uint64_t offset,
                                                          std::span<uint8_t> out) {
                     return blob->ReadPages(offset, out);
                   }, w));
}

}  // namespace gallery::api
