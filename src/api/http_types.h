#pragma once
// The HTTP vocabulary shared by the server (https_server.h) and the code that answers requests
// (ARM routing, the blob data plane, the dashboard).
//
// A handler is a plain function from a request to a response, so it can be tested without
// sockets:
//
//   HttpHandler handler = [](HttpRequest&& req, const RequestInfo& info) {
//     HttpResponse res{boost::beast::http::status::ok, req.version()};
//     res.set(boost::beast::http::field::content_type, "application/json");
//     res.body() = R"({"hello":"world"})";
//     return res;
//   };

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The value of the request's first header named `name` (any casing); empty when absent. Valid
// while the request is.
inline std::string_view HeaderValue(const HttpRequest& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  return it == request.end() ? std::string_view()
                             : std::string_view(it->value().data(), it->value().size());
}

// What the server knows about a request beyond its bytes. Owned by the connection; valid only
// during the handler call.
struct RequestInfo {
  // The peer as "address:port" ("[v6-address]:port" for IPv6), for logs and audit records.
  std::string remote_address;
};

// A response body produced in pieces while it is written (a disk download), so a large body
// is never held in memory. The server calls Read() on its I/O thread until `size()` bytes were
// produced; an error (or a short source) aborts the connection, since the status line is sent.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The body's length: the response's Content-Length.
  virtual uint64_t size() const = 0;
  // Fills `out` (at most the bytes that remain) with the next bytes; returns how many (> 0
  // while bytes remain).
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
};

// What a handler returns: a response, and optionally a body source that replaces its body
// (the response's own body is then ignored; Content-Length is the source's size). Implicitly
// made from an HttpResponse, so handlers that answer with a whole body just return it.
struct HttpReply {
  HttpReply() = default;
  HttpReply(HttpResponse response) : response(std::move(response)) {}  // NOLINT: implicit
  HttpReply(HttpResponse response, std::unique_ptr<BodySource> body)
      : response(std::move(response)), body(std::move(body)) {}

  HttpResponse response;
  std::unique_ptr<BodySource> body;
};

// Answers one request. Called on a server I/O thread, concurrently for different connections:
// it must be thread-safe and should not block for long (it holds an I/O thread). It should not
// throw; if it does, the client gets a 500 JSON error and the exception is logged.
//
// The server fills in what belongs to the connection: it copies the request's HTTP version into
// the response, keeps the connection open only when both the request and the response allow it
// (a handler may set `Connection: close`), and calls prepare_payload() (Content-Length).
using HttpHandler = std::function<HttpReply(HttpRequest&&, const RequestInfo&)>;

}  // namespace gallery
