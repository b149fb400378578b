#include "api/page_blob_protocol.h"

#include <time.h>

#include <charconv>

#include "access/digest.h"
#include "common/base64.h"
#include "common/random.h"
#include "common/resource_id.h"
#include "storage/page_map.h"

namespace gallery::api {

namespace http = boost::beast::http;

namespace {

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

bool ParseUint(std::string_view text, uint64_t* out) {
  if (text.empty()) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

constexpr size_t kMd5Bytes = 16;

// Content-MD5, when sent, is the base64 MD5 of the body, checked before anything is written.
std::optional<BlobError> CheckContentMd5(const HttpRequest& req) {
  const std::string sent = HeaderOf(req, "Content-MD5");
  if (sent.empty()) {
    return std::nullopt;
  }
  std::optional<std::string> md5 = Base64Decode(sent);
  if (!md5.has_value() || md5->size() != kMd5Bytes) {
    return BlobError{http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + sent +
                         "' of header Content-MD5 is not the base64 of a 16-byte MD5 digest."};
  }
  const std::string actual = access::Md5(req.body());
  if (*md5 != actual) {
    return BlobError{http::status::bad_request, "Md5Mismatch",
                     "The MD5 value specified in the request did not match with the MD5 value "
                     "calculated by the server: Content-MD5 is " +
                         sent + " but the body's MD5 is " + Base64Encode(actual) +
                         "; nothing was written."};
  }
  return std::nullopt;
}

}  // namespace

std::string HttpDate(TimestampMs t) {
  const time_t seconds = static_cast<time_t>(t / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

HttpResponse StorageAnswer(http::status status, TimestampMs now) {
  HttpResponse res{status, 11};
  res.set("x-ms-request-id", NewLabelUuid());
  res.set("x-ms-version", kStorageVersion);
  res.set(http::field::date, HttpDate(now));
  return res;
}

HttpResponse StorageErrorAnswer(const BlobError& e, TimestampMs now) {
  HttpResponse res = StorageAnswer(e.status, now);
  res.set("x-ms-error-code", e.code);
  res.set(http::field::content_type, "application/xml");
  res.body() = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + XmlEscape(e.code) +
               "</Code><Message>" + XmlEscape(e.message) + "</Message></Error>";
  return res;
}

std::string HeaderOf(const HttpRequest& req, std::string_view name) {
  return std::string(HeaderValue(req, name));
}

std::optional<ByteRange> ParseByteRange(std::string_view value) {
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

std::string RangeHeader(const HttpRequest& req) {
  std::string range = HeaderOf(req, "x-ms-range");
  return range.empty() ? HeaderOf(req, "Range") : range;
}

std::variant<PageWrite, BlobError> ParsePageWrite(const HttpRequest& req, uint64_t blob_size) {
  const std::string range_text = RangeHeader(req);
  std::optional<ByteRange> range = ParseByteRange(range_text);
  if (!range.has_value() || !range->first.has_value() || !range->last.has_value()) {
    return BlobError{http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + range_text +
                         "' of the x-ms-range (or Range) header is not a byte range 'bytes=A-B'."};
  }
  PageWrite write;
  write.offset = *range->first;
  write.length = *range->last - write.offset + 1;
  if (write.offset % kPageBytes != 0 || write.length % kPageBytes != 0 ||
      *range->last >= blob_size) {
    return BlobError{http::status::range_not_satisfiable, "InvalidPageRange",
                     "The page range " + range_text +
                         " is invalid: it must start and end on 512-byte boundaries and lie "
                         "inside the blob of " +
                         std::to_string(blob_size) + " bytes."};
  }
  const std::string page_write = HeaderOf(req, "x-ms-page-write");
  write.update = EqualsIgnoreCase(page_write, "update");
  if (!write.update && !EqualsIgnoreCase(page_write, "clear")) {
    return BlobError{http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + page_write +
                         "' of header x-ms-page-write is not 'update' or 'clear'."};
  }
  // Only bytes sent are limited: a clear may cover the whole blob, as in Azure Storage.
  if (write.update && write.length > kMaxPageWriteBytes) {
    return BlobError{http::status::bad_request, "InvalidHeaderValue",
                     "The page range " + range_text + " is " + std::to_string(write.length) +
                         " bytes: at most 4 MiB (4194304 bytes) may be written at once (a "
                         "clear may cover the whole blob)."};
  }
  const std::string& body = req.body();
  if (write.update ? body.size() != write.length : !body.empty()) {
    return BlobError{http::status::bad_request, "InvalidHeaderValue",
                     "The body has " + std::to_string(body.size()) + " bytes but the range " +
                         range_text +
                         (write.update ? " has " + std::to_string(write.length) : " clears") +
                         (write.update ? " bytes." : " pages and takes none.")};
  }
  if (write.update) {
    if (std::optional<BlobError> e = CheckContentMd5(req)) {
      return *std::move(e);
    }
  }
  return write;
}

Status ApplyPageWrite(const PageWrite& write, const HttpRequest& req,
                      storage::PageBlob& blob) {
  if (!write.update) {
    return blob.ClearPages(write.offset, write.length);
  }
  const std::string& body = req.body();
  return blob.WritePages(write.offset,
                         std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()),
                                                  body.size()));
}

std::optional<BlobError> RequestRefusal(const Status& s) {
  if (s.code() == StatusCode::kResourceExhausted &&
      s.reason() == storage::kTooManyPageRangesReason) {
    return BlobError{http::status::conflict, storage::kTooManyPageRangesReason, s.message()};
  }
  return std::nullopt;
}

HttpResponse PageWriteAnswer(TimestampMs now) {
  HttpResponse res = StorageAnswer(http::status::created, now);
  res.set(http::field::etag, "\"0x" + std::to_string(now) + "\"");
  res.set(http::field::last_modified, HttpDate(now));
  res.set("x-ms-request-server-encrypted", "false");
  return res;
}

std::variant<storage::PageRange, BlobError> ParsePageListRange(const HttpRequest& req,
                                                               uint64_t blob_size) {
  const std::string range_text = RangeHeader(req);
  if (range_text.empty()) {
    return storage::PageRange{0, blob_size};
  }
  std::optional<ByteRange> range = ParseByteRange(range_text);
  if (!range.has_value() || !range->first.has_value()) {
    return BlobError{http::status::bad_request, "InvalidHeaderValue",
                     "The value '" + range_text +
                         "' of the x-ms-range (or Range) header is not a byte range 'bytes=A-B' "
                         "or 'bytes=A-'."};
  }
  const uint64_t first = *range->first;
  const bool aligned =
      first % kPageBytes == 0 && (!range->last.has_value() || (*range->last + 1) % kPageBytes == 0);
  if (!aligned || first >= blob_size) {
    return BlobError{http::status::range_not_satisfiable, "InvalidPageRange",
                     "The page range " + range_text +
                         " is invalid: it must start and end on 512-byte boundaries and start "
                         "inside the blob of " +
                         std::to_string(blob_size) + " bytes."};
  }
  const uint64_t end = std::min(blob_size, range->last.value_or(blob_size - 1) + 1);
  return storage::PageRange{first, end - first};
}

HttpResponse PageListAnswer(const std::vector<storage::PageRange>& ranges,
                            const storage::PageRange& window, uint64_t blob_size, TimestampMs now) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><PageList>";
  const uint64_t window_end = window.offset + window.length;
  for (const storage::PageRange& r : ranges) {
    const uint64_t start = std::max(r.offset, window.offset);
    const uint64_t end = std::min(r.offset + r.length, window_end);
    if (start >= end) {
      continue;
    }
    xml += "<PageRange><Start>" + std::to_string(start) + "</Start><End>" +
           std::to_string(end - 1) + "</End></PageRange>";
  }
  xml += "</PageList>";
  HttpResponse res = StorageAnswer(http::status::ok, now);
  res.set(http::field::content_type, "application/xml");
  res.set("x-ms-blob-content-length", std::to_string(blob_size));
  res.body() = std::move(xml);
  return res;
}

std::variant<ReadWindow, HttpResponse> ResolveReadWindow(const HttpRequest& req, uint64_t total,
                                                         TimestampMs now) {
  ReadWindow window{0, total, false};
  const std::string range_text = RangeHeader(req);
  if (range_text.empty()) {
    return window;
  }
  window.ranged = true;
  std::optional<ByteRange> range = ParseByteRange(range_text);
  if (!range.has_value()) {
    return StorageErrorAnswer({http::status::bad_request, "InvalidHeaderValue",
                               "The value '" + range_text +
                                   "' of the Range header is not a byte range."},
                              now);
  }
  if (!range->first.has_value()) {  // the last N bytes
    window.length = std::min(*range->last, total);
    window.first = total - window.length;
  } else {
    window.first = *range->first;
    const uint64_t last = std::min(range->last.value_or(total - 1), total - 1);
    window.length = total > 0 && window.first <= last ? last - window.first + 1 : 0;
  }
  if (window.first >= total || window.length == 0) {
    HttpResponse res = StorageErrorAnswer(
        {http::status::range_not_satisfiable, "InvalidRange",
         "The range specified is invalid for the current size of the resource (" +
             std::to_string(total) + " bytes)."},
        now);
    res.set(http::field::content_range, "bytes */" + std::to_string(total));
    return res;
  }
  return window;
}

HttpResponse ReadAnswer(const ReadWindow& window, uint64_t total, TimestampMs now) {
  HttpResponse res =
      StorageAnswer(window.ranged ? http::status::partial_content : http::status::ok, now);
  res.set(http::field::content_type, "application/octet-stream");
  res.set(http::field::accept_ranges, "bytes");
  res.set("x-ms-blob-type", "PageBlob");
  if (window.ranged) {
    res.set(http::field::content_range, "bytes " + std::to_string(window.first) + "-" +
                                             std::to_string(window.first + window.length - 1) +
                                             "/" + std::to_string(total));
  }
  return res;
}

}  // namespace gallery::api
