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
#include "storage/virtual_disk.h"

namespace gallery::api {

namespace http = boost::beast::http;

namespace {

BlobError AuthenticationFailed(const std::string& why) {
  return {http::status::forbidden, "AuthenticationFailed",
          "Server failed to authenticate the request. Make sure the value of the signature is "
          "formed correctly. " +
              why};
}

// A read window this small is read whole before the answer starts, so a chunk that fails
// verification is a 500 answer rather than a connection cut mid-body. Clients read in pieces
// of this size (the page-write limit); larger windows are streamed.
constexpr uint64_t kVerifiedBeforeAnswerBytes = kMaxPageWriteBytes;

BlobError Revoked(const std::string& grant_id) {
  return AuthenticationFailed("The access grant '" + grant_id +
                              "' was revoked or replaced by a later grant.");
}

enum class Call { kWritePages, kPageList, kRead };

// The step at which a sealed disk's page list tells data from zeros.
constexpr uint64_t kSealedPageListStep = uint64_t{1} << 20;

// The page list of a sealed disk read as a fixed VHD: the steps of its data that may hold
// a non-zero byte, then the footer page, clipped to `window`.
std::vector<storage::PageRange> SealedPageRanges(const storage::VirtualDisk& disk,
                                                 const storage::PageRange& window) {
  std::vector<storage::PageRange> out;
  const uint64_t end = std::min(window.offset + window.length, disk.size());
  for (uint64_t at = window.offset - window.offset % kSealedPageListStep; at < end;
       at += kSealedPageListStep) {
    const uint64_t n = std::min(kSealedPageListStep, disk.size() - at);
    if (disk.KnownZero(at, n)) {
      continue;
    }
    if (!out.empty() && out.back().offset + out.back().length == at) {
      out.back().length += n;
    } else {
      out.push_back({at, n});
    }
  }
  out.push_back({disk.size(), storage::kVhdFooterSize});
  return out;
}

// The answer of `GET ?comp=pagelist` on a sealed disk (or an exported image or version disk)
// served as a fixed VHD: SealedPageRanges within the x-ms-range (or Range) asked, or the
// range's refusal.
std::variant<HttpResponse, BlobError> SealedPageList(const HttpRequest& request,
                                                     const storage::VirtualDisk& disk,
                                                     TimestampMs now) {
  const uint64_t total = storage::ExportedSize(storage::ExportFormat::kVhd, disk.size());
  std::variant<storage::PageRange, BlobError> window = ParsePageListRange(request, total);
  if (BlobError* e = std::get_if<BlobError>(&window)) {
    return std::move(*e);
  }
  const storage::PageRange& w = std::get<storage::PageRange>(window);
  return PageListAnswer(SealedPageRanges(disk, w), w, total, now);
}

}  // namespace

bool BlobApi::Serves(std::string_view target) {
  return PathIsOrUnder(target, "/disks") || PathIsOrUnder(target, "/exports");
}

HttpReply BlobApi::Refuse([[maybe_unused]] const HttpRequest& request,
                          [[maybe_unused]] const RequestInfo& info, TimestampMs now,
                          const BlobError& e) const {
  GLOG_DEBUG("blob {} {} from {} -> {} {}", std::string(request.method_string()),
             std::string(request.target()), info.remote_address, static_cast<unsigned>(e.status),
             e.code);
  return StorageErrorAnswer(e, now);
}

HttpReply BlobApi::Failed(const HttpRequest& request, const RequestInfo& info, TimestampMs now,
                          const Status& s) const {
  if (std::optional<BlobError> refused = RequestRefusal(s)) {
    return Refuse(request, info, now, *refused);
  }
  GLOG_WARN("blob {} {}: {}", std::string(request.method_string()), std::string(request.target()),
            s.ToString());
  if (s.code() == StatusCode::kDataLoss) {
    // The cause names the damaged chunk's file: for the server's log (above), not clients.
    return Refuse(request, info, now,
                  {http::status::internal_server_error, "DataLoss",
                   "The disk's stored bytes failed verification: a chunk of its data is "
                   "damaged on the server, so its bytes are not served (the server's log names "
                   "the chunk)."});
  }
  // The details (paths of the server's files) are for its log, not for clients.
  return Refuse(request, info, now,
                {http::status::service_unavailable, "ServerBusy", kServerBusyMessage});
}

HttpReply BlobApi::Handle(HttpRequest&& request, [[maybe_unused]] const RequestInfo& info) {
  const TimestampMs now = clock_.Now();
  auto refuse = [&](const BlobError& e) { return Refuse(request, info, now, e); };
  auto failed = [&](const Status& s) { return Failed(request, info, now, s); };
  auto answer_or_refuse = [&](std::variant<HttpResponse, BlobError> answer) -> HttpReply {
    if (BlobError* e = std::get_if<BlobError>(&answer)) {
      return refuse(*e);
    }
    return HttpReply(std::move(std::get<HttpResponse>(answer)));
  };
  const std::string_view raw(request.target().data(), request.target().size());
  Result<Target> target = ParseTarget(raw);
  if (!target.ok() || target->segments.size() != 2) {
    return refuse({http::status::not_found, "BlobNotFound", "The specified blob does not exist."});
  }
  const bool is_export = target->segments[0] == "exports";
  // A disk's uniqueId, or an export's grant id.
  const std::string& name = target->segments[1];

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
  // A page list is a read of an upload (Write grant) or of a sealed disk or an export (Read
  // grant).
  const std::string needed = call == Call::kWritePages ? "w" : "r";
  const auto permits = [&](const std::string& permission) {
    return permission == needed || (call == Call::kPageList && permission == "w");
  };
  const BlobError permission_mismatch{
      http::status::forbidden, "AuthorizationPermissionMismatch",
      "This request is not authorized to perform this operation using this permission: it "
      "needs a " +
          std::string(needed == "r" ? "Read" : "Write") + " grant."};

  // The signature first: nothing about the disk is told to a caller without a valid URL.
  const access::AccessClaim claim{is_export ? service::ExportGrants::kUrlPrefix + name : name,
                                  target->Query("sp"), target->Query("si"), target->Query("se")};
  if (std::optional<BlobError> refused = CheckSignature(claim, target->Query("sig"), now)) {
    return refuse(*refused);
  }

  if (is_export) {
    if (exports_ == nullptr) {
      return refuse(
          {http::status::not_found, "BlobNotFound", "The specified blob does not exist."});
    }
    Result<std::optional<domain::ExportGrant>> grant = exports_->Find(claim.grant_id);
    if (!grant.ok()) {
      return failed(grant.status());
    }
    if (!grant->has_value() || (*grant)->id != name) {
      return refuse(Revoked(claim.grant_id));
    }
    if (!permits(claim.permission)) {
      return refuse(permission_mismatch);
    }
    Result<std::optional<service::ExportedDisk>> exported = exports_->Open(**grant);
    if (!exported.ok()) {
      return failed(exported.status());
    }
    if (!exported->has_value()) {
      return refuse({http::status::not_found, "BlobNotFound",
                     "The specified blob does not exist: its image or version was deleted or "
                     "replaced."});
    }
    service::ExportedDisk& disk = **exported;
    if (call == Call::kPageList) {
      return answer_or_refuse(SealedPageList(request, *disk.bytes, now));
    }
    const auto footer = storage::ExportFooter(disk.bytes->size(), disk.vhd_footer, disk.created_at,
                                              disk.manifest_id);
    return ServeFixedVhd(request, info, now, std::move(disk.bytes), footer, disk.manifest_id,
                         disk.updated_at);
  }

  Result<std::optional<domain::Disk>> found = disks_.FindByUniqueId(name);
  if (!found.ok()) {
    return failed(found.status());
  }
  if (!found->has_value()) {
    return refuse({http::status::not_found, "BlobNotFound", "The specified blob does not exist."});
  }
  const domain::Disk& disk = **found;
  if (domain::FindGrant(disk, claim.grant_id) == nullptr) {
    return refuse(Revoked(claim.grant_id));
  }
  if (!permits(claim.permission)) {
    return refuse(permission_mismatch);
  }
  const bool reads_sealed = claim.permission == "r";
  const bool state_ok = reads_sealed ? disk.state == domain::DiskState::kActiveSAS
                                     : disk.state == domain::DiskState::kActiveUpload &&
                                           disk.meta.operation_id.empty();
  if (!state_ok) {
    return refuse({http::status::conflict, "OperationNotAllowed",
                   "The operation is not allowed while the disk is in state '" +
                       std::string(domain::ToString(disk.state)) + "'."});
  }

  if (call == Call::kPageList && reads_sealed) {
    Result<std::unique_ptr<storage::VirtualDisk>> sealed = disks_.OpenSealedDisk(disk);
    if (!sealed.ok()) {
      return failed(sealed.status());
    }
    return answer_or_refuse(SealedPageList(request, **sealed, now));
  }
  if (call == Call::kPageList) {
    Result<std::shared_ptr<storage::PageBlob>> blob = disks_.OpenUpload(disk);
    if (!blob.ok()) {
      return failed(blob.status());
    }
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
  Result<std::unique_ptr<storage::VirtualDisk>> bytes = disks_.OpenSealedDisk(disk);
  if (!bytes.ok()) {
    return failed(bytes.status());
  }
  const auto footer = storage::ExportFooter(static_cast<uint64_t>(disk.disk_size_bytes),
                                            disk.vhd_footer, disk.time_created, disk.unique_id);
  return ServeFixedVhd(request, info, now, std::move(*bytes), footer, disk.manifest_id,
                       disk.meta.updated_at);
}

std::optional<BlobError> BlobApi::CheckSignature(const access::AccessClaim& claim,
                                                 const std::string& sig, TimestampMs now) const {
  if (claim.permission.empty() || claim.grant_id.empty() || claim.expiry.empty() || sig.empty()) {
    return AuthenticationFailed("The URL lacks sp, si, se or sig.");
  }
  // Grants are signed for sp=r or sp=w only: any other value was edited after signing.
  if (claim.permission != "r" && claim.permission != "w") {
    return AuthenticationFailed(
        "Signature did not match: the signed permission sp=" + claim.permission +
        " is not the one this URL was signed for (sp=r or sp=w).");
  }
  Result<TimestampMs> expiry = ParseTimestamp(claim.expiry, "se");
  if (!expiry.ok() || !disks_.signer().Verify(claim, sig)) {
    return AuthenticationFailed("Signature did not match.");
  }
  if (now >= *expiry) {
    return AuthenticationFailed("Signed expiry time [" + claim.expiry +
                                "] must be after the current time [" + FormatTimestamp(now) +
                                "]: this access expired.");
  }
  return std::nullopt;
}

HttpReply BlobApi::ServeFixedVhd(const HttpRequest& request, const RequestInfo& info,
                                 TimestampMs now, std::unique_ptr<storage::VirtualDisk> bytes,
                                 const std::array<uint8_t, storage::kVhdFooterSize>& footer,
                                 const std::string& etag, TimestampMs last_modified) const {
  const uint64_t total = storage::ExportedSize(storage::ExportFormat::kVhd, bytes->size());
  std::variant<ReadWindow, HttpResponse> window = ResolveReadWindow(request, total, now);
  if (HttpResponse* refused = std::get_if<HttpResponse>(&window)) {
    return std::move(*refused);
  }
  const ReadWindow& w = std::get<ReadWindow>(window);
  HttpResponse res = ReadAnswer(w, total, now);
  res.set(http::field::etag, "\"" + etag + "\"");
  res.set(http::field::last_modified, HttpDate(last_modified));
  if (request.method() == http::verb::head) {
    res.content_length(w.length);
    res.keep_alive(request.keep_alive());
    return HttpReply(std::move(res));
  }
  auto read_at = [bytes = std::shared_ptr<storage::VirtualDisk>(std::move(bytes)), footer](
                     uint64_t offset, std::span<uint8_t> out) {
    return storage::ReadExport(*bytes, storage::ExportFormat::kVhd, footer, offset, out);
  };
  if (w.length <= kVerifiedBeforeAnswerBytes) {
    std::string body(w.length, '\0');
    Status read =
        read_at(w.first, std::span<uint8_t>(reinterpret_cast<uint8_t*>(body.data()), body.size()));
    if (!read.ok()) {
      return Failed(request, info, now, read);
    }
    res.body() = std::move(body);
    return HttpReply(std::move(res));
  }
  return HttpReply(std::move(res), WindowSource(std::move(read_at), w));
}

}  // namespace gallery::api
