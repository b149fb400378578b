#pragma once
// HttpsServer: the HTTPS listener of galleryd (Boost.Beast, TLS 1.2+ only, HTTP/1.1 keep-alive).
//
// The server owns sockets, TLS, HTTP parsing, limits and timeouts; what a request means is the
// HttpHandler's business (http_types.h). Each of the `threads` I/O threads runs its own
// io_context, and connections are dealt to them in turn; a connection is a session on one
// thread: handshake, then read a request, call the handler, write the response, and read the
// next request on the same connection. A handler runs on its connection's I/O thread, so a
// handler that blocks delays the other connections of that thread (not new connections:
// accepting has a thread of its own).
//
//   ServerOptions options;
//   options.port = 8443;
//   GALLERY_ASSIGN_OR_RETURN(TlsMaterial tls, LoadOrCreateTlsMaterial(dir));
//   GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<HttpsServer> server,
//                            HttpsServer::Start(options, tls, handler));
//   ...
//   server->Stop();  // or let it go out of scope
//
// What the server answers by itself, as JSON `{"error":{"code":...,"message":...}}`, then
// closing the connection:
//   - 413 RequestEntityTooLarge: a body longer than max_body_bytes (known from Content-Length
//     before any of it is read, or while reading a chunked body);
//   - 431 RequestHeaderFieldsTooLarge: request line plus headers longer than max_header_bytes;
//   - 400 BadRequest: bytes that are not HTTP/1.x;
//   - 500 InternalServerError: the handler threw.
// `Expect: 100-continue` is honoured: the interim 100 is sent only once the headers passed the
// limits. A connection over max_connections is accepted and closed at once (logged). A silent
// peer is disconnected after handshake_timeout (TLS handshake) or read_timeout (one whole
// request, including the idle wait between keep-alive requests); a peer that does not take a
// response within write_timeout likewise.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/http_types.h"
#include "api/tls_material.h"
#include "common/result.h"

namespace gallery {

struct ServerOptions {
  std::string listen_address = "127.0.0.1";  // IPv4 or IPv6 literal; "0.0.0.0" for all
  uint16_t port = 0;                         // 0: an ephemeral port, see HttpsServer::port()
  int threads = 0;                           // I/O threads; 0: four per core
  uint64_t max_body_bytes = uint64_t{8} << 20;
  uint32_t max_header_bytes = uint32_t{16} << 10;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds read_timeout{30};  // per request, including the keep-alive idle wait
  std::chrono::seconds write_timeout{30};
  int max_connections = 1024;
  // The answer to a request the server refuses before any handler sees it (413 over the body
  // limit, 431 over the header limit, 400 malformed): `target` is the request target when its
  // request line was read (else empty), so each endpoint can answer in its own error shape. Unset
  // or nullopt: an ARM JSON error body. Called on I/O threads; must be thread-safe.
  std::function<std::optional<HttpResponse>(boost::beast::http::status status,
                                            std::string_view code, const std::string& message,
                                            std::string_view target)>
      error_answer;
};

class HttpsServer {
 public:
  // Binds, listens and starts the I/O threads; the server serves until Stop().
  // Returns InvalidArgument for a malformed listen_address or a non-positive limit,
  // Unavailable naming the address and the OS error when it cannot bind or listen, and
  // Internal when the TLS material is unusable (OpenSSL's error text included).
  static Result<std::unique_ptr<HttpsServer>> Start(ServerOptions options, const TlsMaterial& tls,
                                                    HttpHandler handler);

  // Stops (see Stop()).
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // The port the server listens on (the ephemeral one when options.port was 0).
  uint16_t port() const;

  // Connections currently open (handshaking, serving or closing). Thread-safe.
  size_t active_connections() const;

  // Closes the listener and every open connection (requests in flight are abandoned; a handler
  // already running completes, its response is dropped), then joins the I/O threads. Returns
  // once no handler runs. Idempotent and thread-safe, but must not be called from a handler.
  void Stop();

 private:
  class Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gallery
