#include "client/https_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <system_error>

#include "client/url.h"
#include "net/tls_stream.h"

namespace gallery {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
// A plain socket: timeouts are deadlines on the whole step (Impl::Run), not a timer armed and
// cancelled for every socket operation, which a 4 MiB upload does once per 16 KiB TLS record.
using Stream = TlsStream<tcp::socket>;
// Requests are sent from the caller's bytes, never copied (an upload sends 4 MiB pieces).
using RequestBody = http::span_body<const char>;
using Request = http::request<RequestBody>;

constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr unsigned kHttpVersion11 = 11;
constexpr uint64_t kMiB = 1024 * 1024;

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + " s";
  }
  return std::to_string(d.count()) + " ms";
}

std::string FormatBytes(uint64_t n) {
  if (n % kMiB == 0) {
    return std::to_string(n / kMiB) + " MiB";
  }
  return std::to_string(n) + " bytes";
}

// True when `ec` says the peer closed the connection (e.g. an idle keep-alive connection that
// the server dropped), as opposed to a protocol or timeout error.
bool IsConnectionClosed(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::connection_aborted ||
         ec == net::error::broken_pipe || ec == ssl::error::stream_truncated;
}

}  // namespace

struct HttpsTransport::Impl {
  HttpsTransportOptions options;
  Url endpoint;
  std::string base_path;  // endpoint path without the trailing '/', "" for the root
  net::io_context ioc{1};
  ssl::context ssl_ctx{ssl::context::tls_client};
  std::unique_ptr<Stream> stream;
  beast::flat_buffer buffer;

  ~Impl() { Close(); }

  // Starts one asynchronous operation with `initiate(handler)` and runs it to completion or
  // until `deadline`, whichever comes first; returns its error. The calls are asynchronous only
  // so that a deadline applies; from the caller's view each step is synchronous. When the
  // deadline passes first, the socket is closed, the operation ends, and the result is
  // beast::error::timeout.
  template <typename Initiate>
  beast::error_code Step(std::chrono::steady_clock::time_point deadline, Initiate&& initiate) {
    beast::error_code ec;
    bool done = false;
    initiate([&ec, &done](const beast::error_code& e, auto&&...) {
      ec = e;
      done = true;
    });
    ioc.restart();
    ioc.run_until(deadline);
    if (done) {
      return ec;
    }
    beast::error_code ignored;
    stream->next_layer().close(ignored);
    ioc.restart();
    ioc.run();
    return beast::error::timeout;
  }

  static std::chrono::steady_clock::time_point After(std::chrono::milliseconds timeout) {
    return std::chrono::steady_clock::now() + timeout;
  }

  void Close() {
    if (stream != nullptr) {
      beast::error_code ignored;
      stream->next_layer().close(ignored);
      stream.reset();
    }
    buffer.clear();
  }

  std::string HostHeader() const {
    std::string host =
        endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
    return endpoint.port == "443" ? host : host + ":" + endpoint.port;
  }

  Result<std::string> Target(const std::string& url) const {
    if (!url.empty() && url.front() == '/') {
      return base_path + url;
    }
    if (url.find("://") == std::string::npos) {
      return Status::InvalidArgument("request URL '" + url +
                                     "' is neither a path nor an absolute URL");
    }
    GALLERY_ASSIGN_OR_RETURN(Url parsed, Url::Parse(url));
    if (!parsed.SameOrigin(endpoint)) {
      return Status::InvalidArgument("refusing to send a request to '" + url +
                                     "': it is not on the configured server " + endpoint.Origin());
    }
    return parsed.target;
  }

  Status ConnectError(const beast::error_code& ec) const {
    std::string why = ec == beast::error::timeout
                          ? "timed out after " + FormatDuration(options.connect_timeout)
                          : ec.message();
    return Status::Unavailable("cannot connect to " + endpoint.Origin() + ": " + why +
                               ". Is galleryd running?");
  }

  Status HandshakeError(const beast::error_code& ec, SSL* ssl) const {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      return Status::Unavailable("TLS certificate verification failed for " + endpoint.Origin() +
                                 ": " + X509_verify_cert_error_string(verify) +
                                 " (trusted CA file: '" + options.ca_file + "')")
          .WithReason("CertificateVerificationFailed");
    }
    if (ec == beast::error::timeout) {
      return Status::Unavailable("TLS handshake with " + endpoint.Origin() + " timed out after " +
                                 FormatDuration(options.connect_timeout));
    }
    return Status::Unavailable("TLS handshake with " + endpoint.Origin() +
                               " failed: " + ec.message());
  }

  Status RequestError(const beast::error_code& ec) const {
    if (ec == beast::error::timeout) {
      return Status::Unavailable("request to " + endpoint.Origin() + " timed out after " +
                                 FormatDuration(options.request_timeout));
    }
    if (ec == http::error::body_limit) {
      return Status::ResourceExhausted("the answer of " + endpoint.Origin() + " exceeds the " +
                                       FormatBytes(options.max_response_body_bytes) +
                                       " response size limit");
    }
    if (ec == http::error::header_limit) {
      return Status::ResourceExhausted("the answer of " + endpoint.Origin() +
                                       " has headers over the " +
                                       FormatBytes(kMaxResponseHeaderBytes) + " limit");
    }
    return Status::Unavailable("connection to " + endpoint.Origin() + " failed: " + ec.message());
  }

  Status Connect() {
    Close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(endpoint.host, endpoint.port, ec);
    if (ec) {
      return ConnectError(ec);
    }
    stream = std::make_unique<Stream>(tcp::socket(ioc), ssl_ctx);
    SSL* ssl = stream->native_handle();
    if (IsIpLiteral(endpoint.host)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), endpoint.host.c_str()) != 1) {
        Close();  // a later Send must not take the unconnected stream for a reused one
        return Status::Internal("cannot set the expected IP address " + endpoint.host);
      }
    } else if (SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) != 1 ||
               SSL_set1_host(ssl, endpoint.host.c_str()) != 1) {
      Close();
      return Status::Internal("cannot set the expected host name " + endpoint.host);
    }
    ec = Step(After(options.connect_timeout), [&](auto handler) {
      net::async_connect(stream->next_layer(), endpoints, std::move(handler));
    });
    if (ec) {
      Close();
      return ConnectError(ec);
    }
    // A request's last segment must leave at once: with Nagle's algorithm it waits for the ACK
    // of the segments before it, which the server delays (up to 40 ms) as it has nothing to
    // send until the request is whole. The TLS stream already gathers a write's records
    // (MSG_MORE), so nothing is gained by delaying.
    beast::error_code ignored;
    stream->next_layer().set_option(tcp::no_delay(true), ignored);
    ec = Step(After(options.connect_timeout), [&](auto handler) {
      stream->async_handshake(TlsRole::kClient, std::move(handler));
    });
    if (ec) {
      Status error = HandshakeError(ec, ssl);
      Close();
      return error;
    }
    return Status::Ok();
  }

  struct Attempt {
    Result<HttpResult> result;
    bool retryable = false;  // the server closed a reused connection before answering
  };

  Attempt RoundTrip(Request& request) {
    const auto deadline = After(options.request_timeout);
    beast::error_code ec = Step(deadline, [&](auto handler) {
      http::async_write(*stream, request, std::move(handler));
    });
    if (ec) {
      return {RequestError(ec), IsConnectionClosed(ec)};
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_body_bytes);
    parser.header_limit(kMaxResponseHeaderBytes);
    // An answer to HEAD has no body, whatever its Content-Length says.
    parser.skip(request.method() == http::verb::head);
    // The header is read on its own: Beast 1.74's eager body parsing does not enforce the body
    // limit against a Content-Length (it is checked while reading the header alone).
    ec = Step(deadline, [&](auto handler) {
      http::async_read_header(*stream, buffer, parser, std::move(handler));
    });
    if (!ec && !parser.is_done()) {
      ec = Step(deadline, [&](auto handler) {
        http::async_read(*stream, buffer, parser, std::move(handler));
      });
    }
    if (ec) {
      return {RequestError(ec), IsConnectionClosed(ec) && !parser.got_some()};
    }
    http::response<http::string_body> response = parser.release();
    HttpResult out;
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(response.body());
    if (!response.keep_alive()) {
      Close();
    }
    return {std::move(out), false};
  }

  Result<HttpResult> Send(const HttpCall& call) {
    GALLERY_ASSIGN_OR_RETURN(std::string target, Target(call.url));
    http::verb verb = http::string_to_verb(call.method);
    if (verb == http::verb::unknown) {
      return Status::InvalidArgument("unknown HTTP method '" + call.method + "'");
    }
    Request request{verb, target, kHttpVersion11};
    request.set(http::field::host, HostHeader());
    for (const auto& [name, value] : options.default_headers) {
      request.set(name, value);
    }
    for (const auto& [name, value] : call.headers) {
      request.set(name, value);
    }
    request.body() = RequestBody::value_type(call.body.data(), call.body.size());
    request.prepare_payload();
    request.keep_alive(true);
    for (int attempt = 0;; ++attempt) {
      bool reused = stream != nullptr;
      if (!reused) {
        GALLERY_RETURN_IF_ERROR(Connect());
      }
      Attempt result = RoundTrip(request);
      if (result.result.ok()) {
        return std::move(result.result);
      }
      Close();
      if (!(reused && result.retryable && attempt == 0)) {
        return std::move(result.result).status();
      }
    }
  }
};

HttpsTransport::HttpsTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsTransport::~HttpsTransport() = default;

Result<std::unique_ptr<HttpsTransport>> HttpsTransport::Create(HttpsTransportOptions options) {
  auto impl = std::make_unique<Impl>();
  GALLERY_ASSIGN_OR_RETURN(impl->endpoint, Url::Parse(options.endpoint));
  if (impl->endpoint.scheme != "https") {
    return Status::InvalidArgument("the endpoint '" + options.endpoint +
                                   "' is not an https:// URL");
  }
  impl->base_path = impl->endpoint.target.substr(0, impl->endpoint.target.find('?'));
  while (!impl->base_path.empty() && impl->base_path.back() == '/') {
    impl->base_path.pop_back();
  }
  std::error_code fs_error;
  if (!std::filesystem::is_regular_file(options.ca_file, fs_error)) {
    return Status::NotFound("CA certificate file '" + options.ca_file +
                            "' does not exist or is not a file");
  }
  SSL_CTX* ctx = impl->ssl_ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return Status::Internal("cannot require TLS 1.2 or newer");
  }
  beast::error_code ec;
  impl->ssl_ctx.load_verify_file(options.ca_file, ec);
  if (ec) {
    return Status::InvalidArgument("cannot load CA certificate file '" + options.ca_file +
                                   "': " + ec.message());
  }
  impl->ssl_ctx.set_verify_mode(ssl::verify_peer, ec);
  if (ec) {
    return Status::Internal("cannot enable certificate verification: " + ec.message());
  }
  impl->options = std::move(options);
  return std::unique_ptr<HttpsTransport>(new HttpsTransport(std::move(impl)));
}

Result<HttpResult> HttpsTransport::Send(const HttpCall& call) {
  // Boost and OpenSSL report through error codes above; this guards against a throwing
  // allocation or a library path that still throws, so no exception leaves the transport.
  try {
    return impl_->Send(call);
  } catch (const std::exception& e) {
    impl_->Close();
    return Status::Internal(std::string("HTTPS request failed: ") + e.what());
  }
}

}  // namespace gallery
