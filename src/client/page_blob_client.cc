#include "client/page_blob_client.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <optional>

#include "client/arm_client.h"

namespace gallery {

namespace {

constexpr int kHttpOk = 200;
constexpr int kHttpCreated = 201;
constexpr int kHttpPartialContent = 206;

constexpr std::string_view kInvalidResponse = "InvalidResponse";

Status InvalidResponse(std::string message) {
  return Status::Internal(std::move(message)).WithReason(std::string(kInvalidResponse));
}

// The text between the first `<tag>` and its `</tag>` at or after `from`; `*next` is set past
// the closing tag. Nullopt when absent.
std::optional<std::string_view> Element(std::string_view xml, std::string_view tag, size_t from,
                                        size_t* next = nullptr) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t begin = xml.find(open, from);
  if (begin == std::string_view::npos) {
    return std::nullopt;
  }
  begin += open.size();
  size_t end = xml.find(close, begin);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  if (next != nullptr) {
    *next = end + close.size();
  }
  return xml.substr(begin, end - begin);
}

std::string UnescapeXml(std::string_view text) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [entity, c] : kEntities) {
      if (text.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out += text[i++];
    }
  }
  return out;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string RangeHeader(uint64_t offset, uint64_t length) {
  return "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
}

Status CheckWriteRange(uint64_t offset, uint64_t length) {
  if (offset % PageBlobClient::kPageBytes != 0 || length % PageBlobClient::kPageBytes != 0 ||
      length == 0 || length > PageBlobClient::kMaxWriteBytes) {
    return Status::InvalidArgument(
        "a page write must start and end on 512-byte boundaries and "
        "carry 512 bytes to 4 MiB (offset " +
        std::to_string(offset) + ", length " + std::to_string(length) + ")");
  }
  return Status::Ok();
}

}  // namespace

Status StatusFromStorageError(int http_status, std::string_view body,
                              std::string_view error_code_header) {
  std::string code(error_code_header);
  if (auto c = Element(body, "Code", 0); c.has_value()) {
    code = UnescapeXml(*c);
  }
  std::string message;
  if (auto m = Element(body, "Message", 0); m.has_value()) {
    message = UnescapeXml(*m);
  }
  if (message.empty()) {
    message = "the storage service answered HTTP " + std::to_string(http_status) +
              (code.empty() ? "" : " (" + code + ")");
  }
  return Status(StatusCodeForHttpStatus(http_status, code), std::move(message))
      .WithReason(std::move(code));
}

Result<std::vector<PageRange>> ParsePageList(std::string_view xml) {
  if (!Element(xml, "PageList", 0).has_value() &&
      xml.find("<PageList/>") == std::string_view::npos) {
    return Status::InvalidArgument("the page list answer is not a <PageList>")
        .WithReason(std::string(kInvalidResponse));
  }
  std::vector<PageRange> ranges;
  size_t at = 0;
  while (auto range = Element(xml, "PageRange", at, &at)) {
    std::optional<std::string_view> start = Element(*range, "Start", 0);
    std::optional<std::string_view> end = Element(*range, "End", 0);
    std::optional<uint64_t> s = start ? ParseUint(*start) : std::nullopt;
    std::optional<uint64_t> e = end ? ParseUint(*end) : std::nullopt;
    if (!s.has_value() || !e.has_value() || *e < *s) {
      return Status::InvalidArgument("a <PageRange> of the page list has no valid Start and End")
          .WithReason(std::string(kInvalidResponse));
    }
    ranges.push_back({*s, *e});
  }
  return ranges;
}

PageBlobClient::PageBlobClient(HttpTransport& transport, std::string sas_url)
    : transport_(transport), sas_url_(std::move(sas_url)) {}

PageBlobClient::PageBlobClient(std::unique_ptr<HttpTransport> transport, std::string sas_url)
    : owned_transport_(std::move(transport)),
      transport_(*owned_transport_),
      sas_url_(std::move(sas_url)) {}

std::string PageBlobClient::UrlWith(std::string_view query) const {
  if (query.empty()) {
    return sas_url_;
  }
  return sas_url_ + (sas_url_.find('?') == std::string::npos ? "?" : "&") + std::string(query);
}

Result<HttpResult> PageBlobClient::Send(std::string method, std::string url, HttpHeaders headers,
                                        std::string&& body, std::initializer_list<int> expected) {
  HttpCall call;
  call.method = std::move(method);
  call.url = std::move(url);
  call.headers = std::move(headers);
  call.headers.emplace_back("x-ms-version", std::string(kStorageVersion));
  if (!bearer_token_.empty()) {
    call.headers.emplace_back("Authorization", "Bearer " + bearer_token_);
  }
  call.body = std::move(body);
  Result<HttpResult> sent = transport_.Send(call);
  body = std::move(call.body);
  GALLERY_ASSIGN_OR_RETURN(HttpResult r, std::move(sent));
  if (std::find(expected.begin(), expected.end(), r.status) == expected.end()) {
    return StatusFromStorageError(r.status, r.body, r.Header("x-ms-error-code").value_or(""));
  }
  return r;
}

Status PageBlobClient::Create(uint64_t size) {
  if (size == 0 || size % kPageBytes != 0) {
    return Status::InvalidArgument("A page blob's size must be a positive multiple of 512, not " +
                                   std::to_string(size) + ".");
  }
  return Send("PUT", sas_url_,
              {{"x-ms-blob-type", "PageBlob"}, {"x-ms-blob-content-length", std::to_string(size)}},
              "", {kHttpCreated})
      .status();
}

Status PageBlobClient::PutPages(uint64_t offset, std::string data) {
  return PutPagesInPlace(offset, data);
}

Status PageBlobClient::PutPagesInPlace(uint64_t offset, std::string& data) {
  GALLERY_RETURN_IF_ERROR(CheckWriteRange(offset, data.size()));
  std::string range = RangeHeader(offset, data.size());
  // Send lends the bytes to the call (the transport sends them where they are) and puts them
  // back into `data`, whatever the outcome.
  return Send("PUT", UrlWith("comp=page"), {{"x-ms-page-write", "update"}, {"x-ms-range", range}},
              std::move(data), {kHttpCreated})
      .status();
}

Status PageBlobClient::ClearPages(uint64_t offset, uint64_t length) {
  GALLERY_RETURN_IF_ERROR(CheckWriteRange(offset, length));
  return Send("PUT", UrlWith("comp=page"),
              {{"x-ms-page-write", "clear"}, {"x-ms-range", RangeHeader(offset, length)}}, "",
              {kHttpCreated})
      .status();
}

Result<std::vector<PageRange>> PageBlobClient::PageRanges() {
  GALLERY_ASSIGN_OR_RETURN(HttpResult r, Send("GET", UrlWith("comp=pagelist"), {}, "", {kHttpOk}));
  return ParsePageList(r.body);
}

Status PageBlobClient::ReadRange(uint64_t offset, std::span<char> out) {
  if (out.empty()) {
    return Status::Ok();
  }
  GALLERY_ASSIGN_OR_RETURN(HttpResult r,
                           Send("GET", sas_url_, {{"Range", RangeHeader(offset, out.size())}}, "",
                                {kHttpOk, kHttpPartialContent}));
  // A 200 is the whole blob; take the range from it.
  std::string_view body = r.body;
  if (r.status == kHttpOk) {
    body = offset <= body.size() ? body.substr(offset) : std::string_view();
  }
  if (body.size() < out.size() || (r.status == kHttpPartialContent && body.size() != out.size())) {
    return InvalidResponse("the server answered a read of " + std::to_string(out.size()) +
                           " bytes at " + std::to_string(offset) + " with " +
                           std::to_string(body.size()) + " bytes");
  }
  std::copy_n(body.begin(), out.size(), out.begin());
  return Status::Ok();
}

Result<uint64_t> PageBlobClient::Size() {
  GALLERY_ASSIGN_OR_RETURN(HttpResult r,
                           Send("GET", sas_url_, {{"Range", RangeHeader(0, kPageBytes)}}, "",
                                {kHttpOk, kHttpPartialContent}));
  if (r.status == kHttpOk) {
    return r.body.size();
  }
  // "bytes 0-511/TOTAL"
  std::string range = r.Header("Content-Range").value_or("");
  size_t slash = range.rfind('/');
  std::optional<uint64_t> total = slash == std::string::npos
                                      ? std::nullopt
                                      : ParseUint(std::string_view(range).substr(slash + 1));
  if (!total.has_value()) {
    return InvalidResponse("the server's ranged read has no usable Content-Range ('" + range +
                           "')");
  }
  return *total;
}

}  // namespace gallery
