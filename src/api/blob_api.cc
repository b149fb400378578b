#include "api/blob_api.h"

#include <time.h>

#include <array>
#include <charconv>

#include "api/page_blob_protocol.h"
#include "api/url.h"
#include "common/log.h"
#include "common/random.h"
#include "storage/disk_export.h"
#include "storage/vhd_format.h"

namespace gallery::api {

namespace http = boost::beast::http;

namespace {

BlobError AuthenticationFailed(const std::string& why) {
  return {http::status::forbidden, "AuthenticationFailed",
          "Server failed to authenticate the request. Make sure the value of the signature is "
          "formed correctly. " +
              why};
}

// The export footer: the uploaded one when it was a fixed VHD's (so the download is the upload
// byte for byte), else one made for the disk's size.
std::array<uint8_t, storage::kVhdFooterSize> ExportFooter(const domain::Disk& disk) {
  std::optional<storage::VhdFooter> original;
  if (disk.vhd_footer.size() == storage::kVhdFooterSize) {
    std::array<uint8_t, storage::kVhdFooterSize> bytes{};
    std::copy(disk.vhd_footer.begin(), disk.vhd_footer.end(), bytes.begin());
    if (auto parsed = storage::ParseVhdFooter(bytes); parsed.ok()) {
      original = *parsed;
    }
  }
  storage::VhdUniqueId id{};
  for (size_t i = 0, j = 0; i < disk.unique_id.size() && j < id.size() * 2; ++i) {
    const char c = disk.unique_id[i];
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : (c >= 'a' && c <= 'f')                   ? c - 'a' + 10
                                                             : -1;
    if (v >= 0) {
      id[j / 2] = static_cast<uint8_t>(id[j / 2] | (j % 2 == 0 ? v << 4 : v));
      ++j;
    }
  }
  return storage::SerializeVhdFooter(storage::FixedFooterFor(
      static_cast<uint64_t>(disk.disk_size_bytes), original, disk.time_created, id));
}

enum class Call { kWritePages, kPageList, kRead };

}  // namespace

bool BlobApi::Serves(std::string_view target) { return PathIsOrUnder(target, "/disks"); }

HttpReply BlobApi::Handle(HttpRequest&& request, [[maybe_unused]] const RequestInfo& info) {
  const TimestampMs now = clock_.Now();
  auto refuse = [&](const BlobError& e) -> HttpReply {
    GLOG_DEBUG("blob {} {} from {} -> {} {}", std::string(request.method_string()),
               std::string(request.target()), info.remote_address,
               static_cast<unsigned>(e.status), e.code);
    return StorageErrorAnswer(e, now);
  };
  auto failed = [&](const Status& s) -> HttpReply {
    GLOG_WARN("blob {} {}: {}", std::string(request.method_string()),
              std::string(request.target()), s.ToString());
    if (s.code() == StatusCode::kDataLoss) {
      return refuse({http::status::internal_server_error, "InternalError",
                     "The disk's stored bytes failed verification: " + s.message()});
    }
    return refuse({http::status::service_unavailable, "ServerBusy", s.message()});
  };
  const std::string_view raw(request.target().data(), request.target().size());
  Result<Target> target = ParseTarget(raw);
  if (!target.ok() || target->segments.size() != 2) {
    return refuse({http::status::not_found, "BlobNotFound", "The specified blob does not exist."});
  }
  const std::string& unique_id = target->segments[1];

  // Which call, and which permission it needs.
  const std::string comp = target->Query("comp");
  Call call;
  const http::verb method = request.method();
  if (method == http::verb::put && comp == "page") {
    call = Call::kWritePages;
  } else if (method == http::verb::get && comp == "pagelist") {
    call = Call::kPageList;
  } else if ((method == http::verb::get || method == http::verb::head) && comp.empty()) {
    call = Call::kRead;
  } else if (!comp.empty()) {
    return refuse({http::status::bad_request, "InvalidQueryParameterValue",
                   "The value '" + comp + "' of query parameter 'comp' is not supported here."});
  } else {
    return refuse({http::status::bad_request, "UnsupportedHttpVerb",
                   "The resource doesn't support the HTTP verb " +
                       std::string(request.method_string()) + "."});
  }

  // The signature first: nothing about the disk is told to a caller without a valid URL.
  const access::AccessClaim claim{unique_id, target->Query("sp"), target->Query("si"),
                                  target->Query("se")};
  const std::string sig = target->Query("sig");
  if ((claim.permission != "r" && claim.permission != "w") || claim.grant_id.empty() ||
      sig.empty()) {
    return refuse(AuthenticationFailed("The URL lacks sp, si, se or sig."));
  }
  Result<TimestampMs> expiry = ParseTimestamp(claim.expiry, "se");
  if (!expiry.ok() || !disks_.signer().Verify(claim, sig)) {
    return refuse(AuthenticationFailed("Signature did not match."));
  }
  if (now >= *expiry) {
    return refuse(AuthenticationFailed("Signed expiry time [" + claim.expiry +
                                       "] must be after the current time [" +
                                       FormatTimestamp(now) + "]: this access expired."));
  }
  Result<std::optional<domain::Disk>> found = disks_.FindByUniqueId(unique_id);
  if (!found.ok()) {
    return failed(found.status());
  }
  if (!found->has_value()) {
    return refuse({http::status::not_found, "BlobNotFound", "The specified blob does not exist."});
  }
  const domain::Disk& disk = **found;
  if (!disk.grant.has_value() || disk.grant->id != claim.grant_id) {
    return refuse(AuthenticationFailed("The access grant '" + claim.grant_id +
                                       "' was revoked or replaced by a later grant."));
  }
  const std::string needed = call == Call::kRead ? "r" : "w";
  if (claim.permission != needed) {
    return refuse({http::status::forbidden, "AuthorizationPermissionMismatch",
                   "This request is not authorized to perform this operation using this "
                   "permission: it needs a " +
                       std::string(needed == "r" ? "Read" : "Write") + " grant."});
  }
  const bool state_ok = call == Call::kRead
                            ? disk.state == domain::DiskState::kActiveSAS
                            : disk.state == domain::DiskState::kActiveUpload &&
                                  disk.meta.operation_id.empty();
  if (!state_ok) {
    return refuse({http::status::conflict, "OperationNotAllowed",
                   "The operation is not allowed while the disk is in state '" +
                       std::string(domain::ToString(disk.state)) + "'."});
  }

  if (call == Call::kPageList) {
    Result<std::shared_ptr<storage::PageBlob>> blob = disks_.OpenUpload(disk);
    if (!blob.ok()) {
      return failed(blob.status());
    }
    Result<std::vector<storage::PageRange>> ranges = (*blob)->PageRanges();
    if (!ranges.ok()) {
      return failed(ranges.status());
    }
    return PageListAnswer(*ranges, (*blob)->size(), now);
  }

  if (call == Call::kWritePages) {
    std::variant<PageWrite, BlobError> write =
        ParsePageWrite(request, static_cast<uint64_t>(disk.upload_size_bytes));
    if (const BlobError* e = std::get_if<BlobError>(&write)) {
      return refuse(*e);
    }
    Result<std::shared_ptr<storage::PageBlob>> blob = disks_.OpenUpload(disk);
    if (!blob.ok()) {
      return failed(blob.status());
    }
    Status written = ApplyPageWrite(std::get<PageWrite>(write), request, **blob);
    if (!written.ok()) {
      return failed(written);
    }
    return PageWriteAnswer(now);
  }

  // Read: the sealed disk as a fixed VHD.
  const uint64_t total = static_cast<uint64_t>(disk.disk_size_bytes) + storage::kVhdFooterSize;
  std::variant<ReadWindow, HttpResponse> window = ResolveReadWindow(request, total, now);
  if (HttpResponse* refused = std::get_if<HttpResponse>(&window)) {
    return std::move(*refused);
  }
  const ReadWindow& w = std::get<ReadWindow>(window);
  HttpResponse res = ReadAnswer(w, total, now);
  res.set(http::field::etag, "\"" + disk.manifest_id + "\"");
  res.set(http::field::last_modified, HttpDate(disk.meta.updated_at));
  if (method == http::verb::head) {
    res.content_length(w.length);
    res.keep_alive(request.keep_alive());
    return HttpReply(std::move(res));
  }
  Result<std::unique_ptr<storage::VirtualDisk>> bytes = disks_.OpenSealedDisk(disk);
  if (!bytes.ok()) {
    return failed(bytes.status());
  }
  // The fixed VHD of the sealed disk.
  return HttpReply(std::move(res),
                   WindowSource([bytes = std::move(*bytes), footer = ExportFooter(disk)](
                                    uint64_t offset, std::span<uint8_t> out) {
                     return storage::ReadExport(*bytes, storage::ExportFormat::kVhd, footer,
                                                offset, out);
                   }, w));
}

}  // namespace gallery::api
