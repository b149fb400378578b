#include "api/blob_api.h"

#include <time.h>

#include <array>
#include <charconv>

#include "api/url.h"
#include "common/log.h"
#include "common/random.h"
#include "storage/disk_export.h"
#include "storage/vhd_format.h"

namespace gallery::api {

namespace http = boost::beast::http;

namespace {

constexpr char kStorageVersion[] = "2018-03-28";
constexpr uint64_t kPageBytes = 512;

// A refusal in Azure Storage's shape.
struct BlobError {
  http::status status;
  std::string code;
  std::string message;
};

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// RFC 7231 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(TimestampMs t) {
  const time_t seconds = static_cast<time_t>(t / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

HttpResponse Answer(http::status status, TimestampMs now) {
  HttpResponse res{status, 11};
  res.set("x-ms-request-id", NewLabelUuid());
  res.set("x-ms-version", kStorageVersion);
  res.set(http::field::date, HttpDate(now));
  return res;
}

HttpResponse ErrorAnswer(const BlobError& e, TimestampMs now) {
  HttpResponse res = Answer(e.status, now);
  res.set("x-ms-error-code", e.code);
  res.set(http::field::content_type, "application/xml");
  res.body() = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + XmlEscape(e.code) +
               "</Code><Message>" + XmlEscape(e.message) + "</Message></Error>";
  return res;
}

BlobError AuthenticationFailed(const std::string& why) {
  return {http::status::forbidden, "AuthenticationFailed",
          "Server failed to authenticate the request. Make sure the value of the signature is "
          "formed correctly. " +
              why};
}

std::string Header(const HttpRequest& req, std::string_view name) {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string() : std::string(it->value());
}

bool ParseUint(std::string_view text, uint64_t* out) {
  if (text.empty()) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "bytes=A-B", "bytes=A-" (to the end) or "bytes=-N" (the last N); `first`/`last` inclusive.
// nullopt when malformed.
struct ByteRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
};
std::optional<ByteRange> ParseRange(std::string_view value) {
  constexpr std::string_view kPrefix = "bytes=";
  if (value.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  value.remove_prefix(kPrefix.size());
  const size_t dash = value.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  ByteRange r;
  uint64_t n = 0;
  if (dash > 0) {
    if (!ParseUint(value.substr(0, dash), &n)) {
      return std::nullopt;
    }
    r.first = n;
  }
  if (dash + 1 < value.size()) {
    if (!ParseUint(value.substr(dash + 1), &n)) {
      return std::nullopt;
    }
    r.last = n;
  }
  if (!r.first.has_value() && !r.last.has_value()) {
    return std::nullopt;
  }
  if (r.first.has_value() && r.last.has_value() && *r.last < *r.first) {
    return std::nullopt;
  }
  return r;
}

// The range header of a request: x-ms-range wins over Range, as in Azure Storage.
std::string RangeHeader(const HttpRequest& req) {
  std::string range = Header(req, "x-ms-range");
  return range.empty() ? std::string(Header(req, "Range")) : range;
}

// The fixed VHD of a sealed disk, read piece by piece.
class ExportSource final : public BodySource {
 public:
  ExportSource(std::unique_ptr<storage::VirtualDisk> disk,
               const std::array<uint8_t, storage::kVhdFooterSize>& footer, uint64_t offset,
               uint64_t length)
      : disk_(std::move(disk)), footer_(footer), offset_(offset), length_(length),
        remaining_(length) {}

  uint64_t size() const override { return length_; }

  Result<size_t> Read(std::span<uint8_t> out) override {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
    GALLERY_RETURN_IF_ERROR(storage::ReadExport(*disk_, storage::ExportFormat::kVhd, footer_,
                                                offset_, out.first(n)));
    offset_ += n;
    remaining_ -= n;
    return n;
  }

 private:
  std::unique_ptr<storage::VirtualDisk> disk_;
  std::array<uint8_t, storage::kVhdFooterSize> footer_;
  uint64_t offset_;
  uint64_t length_;
  uint64_t remaining_;
};

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
    return ErrorAnswer(e, now);
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
    Result<std::unique_ptr<storage::StagingBlob>> blob = disks_.OpenStagingBlob(disk);
    if (!blob.ok()) {
      return failed(blob.status());
    }
    Result<std::vector<storage::PageRange>> ranges = (*blob)->PageRanges();
    if (!ranges.ok()) {
      return failed(ranges.status());
    }
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><PageList>";
    for (const storage::PageRange& r : *ranges) {
      xml += "<PageRange><Start>" + std::to_string(r.offset) + "</Start><End>" +
             std::to_string(r.offset + r.length - 1) + "</End></PageRange>";
    }
    xml += "</PageList>";
    HttpResponse res = Answer(http::status::ok, now);
    res.set(http::field::content_type, "application/xml");
    res.set("x-ms-blob-content-length", std::to_string((*blob)->size()));
    res.body() = std::move(xml);
    return res;
  }

  if (call == Call::kWritePages) {
    const uint64_t blob_size = static_cast<uint64_t>(disk.upload_size_bytes);
    const std::string range_text = RangeHeader(request);
    std::optional<ByteRange> range = ParseRange(range_text);
    if (!range.has_value() || !range->first.has_value() || !range->last.has_value()) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + range_text + "' of the x-ms-range (or Range) header is "
                     "not a byte range 'bytes=A-B'."});
    }
    const uint64_t first = *range->first;
    const uint64_t length = *range->last - first + 1;
    if (first % kPageBytes != 0 || length % kPageBytes != 0 || *range->last >= blob_size) {
      return refuse({http::status::range_not_satisfiable, "InvalidPageRange",
                     "The page range " + range_text + " is invalid: it must start and end on "
                     "512-byte boundaries and lie inside the blob of " +
                         std::to_string(blob_size) + " bytes."});
    }
    if (length > kMaxPageWriteBytes) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The page range " + range_text + " is " + std::to_string(length) +
                         " bytes: at most 4 MiB (4194304 bytes) may be written at once."});
    }
    const std::string page_write = Header(request, "x-ms-page-write");
    const bool update = EqualsIgnoreCase(page_write, "update");
    if (!update && !EqualsIgnoreCase(page_write, "clear")) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + page_write + "' of header x-ms-page-write is not "
                     "'update' or 'clear'."});
    }
    const std::string& body = request.body();
    if (update ? body.size() != length : !body.empty()) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The body has " + std::to_string(body.size()) + " bytes but the range " +
                         range_text + (update ? " has " + std::to_string(length) : " clears") +
                         (update ? " bytes." : " pages and takes none.")});
    }
    Result<std::unique_ptr<storage::StagingBlob>> blob = disks_.OpenStagingBlob(disk);
    if (!blob.ok()) {
      return failed(blob.status());
    }
    Status written =
        update ? (*blob)->WritePages(first, std::span<const uint8_t>(
                                                reinterpret_cast<const uint8_t*>(body.data()),
                                                body.size()))
               : (*blob)->ClearPages(first, length);
    if (!written.ok()) {
      return failed(written);
    }
    HttpResponse res = Answer(http::status::created, now);
    res.set(http::field::etag, "\"0x" + std::to_string(now) + "\"");
    res.set(http::field::last_modified, HttpDate(now));
    res.set("x-ms-request-server-encrypted", "false");
    return res;
  }

  // Read: the sealed disk as a fixed VHD.
  const uint64_t total = static_cast<uint64_t>(disk.disk_size_bytes) + storage::kVhdFooterSize;
  uint64_t first = 0;
  uint64_t length = total;
  const std::string range_text = RangeHeader(request);
  const bool ranged = !range_text.empty();
  if (ranged) {
    std::optional<ByteRange> range = ParseRange(range_text);
    if (!range.has_value()) {
      return refuse({http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + range_text + "' of the Range header is not a byte range."});
    }
    if (!range->first.has_value()) {  // the last N bytes
      length = std::min(*range->last, total);
      first = total - length;
    } else {
      first = *range->first;
      const uint64_t last = std::min(range->last.value_or(total - 1), total - 1);
      length = first <= last ? last - first + 1 : 0;
    }
    if (first >= total || length == 0) {
      HttpResponse res = ErrorAnswer({http::status::range_not_satisfiable,
                                      "InvalidRange",
                                      "The range specified is invalid for the current size of "
                                      "the resource (" + std::to_string(total) + " bytes)."},
                                     now);
      res.set(http::field::content_range, "bytes */" + std::to_string(total));
      return res;
    }
  }
  HttpResponse res = Answer(ranged ? http::status::partial_content : http::status::ok, now);
  res.set(http::field::content_type, "application/octet-stream");
  res.set(http::field::accept_ranges, "bytes");
  res.set("x-ms-blob-type", "PageBlob");
  res.set(http::field::etag, "\"" + disk.manifest_id + "\"");
  res.set(http::field::last_modified, HttpDate(disk.meta.updated_at));
  if (ranged) {
    res.set(http::field::content_range, "bytes " + std::to_string(first) + "-" +
                                             std::to_string(first + length - 1) + "/" +
                                             std::to_string(total));
  }
  if (method == http::verb::head) {
    res.content_length(length);
    res.keep_alive(request.keep_alive());
    HttpReply reply(std::move(res));
    return reply;
  }
  Result<std::unique_ptr<storage::VirtualDisk>> bytes = disks_.OpenSealedDisk(disk);
  if (!bytes.ok()) {
    return failed(bytes.status());
  }
  return HttpReply(std::move(res), std::make_unique<ExportSource>(std::move(*bytes),
                                                                  ExportFooter(disk), first,
                                                                  length));
}

}  // namespace gallery::api
