#pragma once
// HttpsTransport: the real HttpTransport, HTTP/1.1 over TLS (Boost.Beast, synchronous calls).
//
//   HttpsTransportOptions options;
//   options.endpoint = "https://127.0.0.1:8443/";
//   options.ca_file = "/var/lib/gallery/ca.pem";
//   GALLERY_ASSIGN_OR_RETURN(auto transport, HttpsTransport::Create(options));
//   GALLERY_ASSIGN_OR_RETURN(HttpResult r, transport->Send({"GET", "/subscriptions?..."}));
//
// Security: TLS 1.2 or newer only; the server's certificate must chain to the CA certificates
// in `ca_file` (and only those: the system trust store is not used), and must name the
// endpoint's host (DNS name, or IP address for IP literals such as 127.0.0.1).
//
// Connections: one keep-alive connection, opened on first use and reused; when the server has
// closed it in the meantime, the request is sent once more on a fresh connection (only when no
// byte of an answer was received, so a request is never processed twice by a live server).
// Bounds: connect (TCP and TLS handshake) and request timeouts, a response body limit.
// Not thread-safe: one call at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "client/http_transport.h"
#include "common/result.h"

namespace gallery {

struct HttpsTransportOptions {
  // Base URL of the server, "https://host:port/" (a path prefix is kept: "https://h/arm/").
  std::string endpoint;
  // Path of a PEM file with the CA certificate(s) that the server's certificate must chain to.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  // Whole request: sending it and reading the full answer.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(120);
  uint64_t max_response_body_bytes = uint64_t{64} * 1024 * 1024;
  // Sent with every call; a header of the same name in the call replaces one of these.
  HttpHeaders default_headers;
};

class HttpsTransport final : public HttpTransport {
 public:
  // Validates the options and loads the CA file. InvalidArgument when the endpoint is not an
  // https URL; NotFound / Unavailable when the CA file is missing or unreadable;
  // InvalidArgument when it holds no usable certificate. Does not connect.
  static Result<std::unique_ptr<HttpsTransport>> Create(HttpsTransportOptions options);

  ~HttpsTransport() override;
  HttpsTransport(const HttpsTransport&) = delete;
  HttpsTransport& operator=(const HttpsTransport&) = delete;

  // See HttpTransport::Send. Connection failures are Unavailable with a message such as
  // "cannot connect to https://127.0.0.1:8443: Connection refused. Is galleryd running?";
  // a certificate that does not verify is Unavailable with reason
  // "CertificateVerificationFailed" and OpenSSL's explanation; a timeout is Unavailable;
  // an answer over the body limit is ResourceExhausted.
  Result<HttpResult> Send(const HttpCall& call) override;

 private:
  struct Impl;
  explicit HttpsTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gallery
