#include "api/https_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "net/tls_stream.h"

namespace gallery {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
// A connection's executor is its I/O thread's io_context, named by its concrete type: the
// type-erased any_io_executor cost measurable CPU on every read of a large upload. One thread
// runs each io_context, so a connection's handlers never run concurrently without a strand.
using ConnectionExecutor = net::io_context::executor_type;
using ConnectionSocket = tcp::socket::rebind_executor<ConnectionExecutor>::other;
using ConnectionTimer =
    net::basic_waitable_timer<std::chrono::steady_clock,
                              net::wait_traits<std::chrono::steady_clock>, ConnectionExecutor>;

// The interim answer to `Expect: 100-continue`; its bytes are static, so writing it costs nothing.
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";
// Bound on the TLS close_notify exchange at the end of a connection.
constexpr std::chrono::seconds kShutdownTimeout{5};
// After an error answer the server stops sending and reads (and drops) what the client still
// sends, for at most this long and this many bytes. Closing a socket with unread input makes
// the kernel send a reset, which can destroy the error answer before the client reads it.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr uint64_t kMaxLingerBytes = uint64_t{1} << 20;
constexpr size_t kLingerBufferBytes = 16 * 1024;
// A streamed body (BodySource) is read and written this much at a time.
constexpr size_t kStreamPieceBytes = 256 * 1024;
// Bodies of at least this many bytes with a Content-Length are read straight into the request
// (Session::DoReadBody).
constexpr uint64_t kDirectBodyBytes = 64 * 1024;
constexpr uint64_t kBodyStepBytes = 256 * 1024;
// Pause before accepting again after a failed accept (e.g. out of file descriptors), so that
// a persistent failure does not spin an I/O thread.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

HttpResponse JsonError(http::status status, std::string_view code, std::string_view message) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.body() = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  return res;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) {
    address = "[" + address + "]";
  }
  return address + ":" + std::to_string(endpoint.port());
}

bool IsExpectContinue(const HttpRequest& req) {
  auto it = req.find(http::field::expect);
  return it != req.end() && beast::iequals(it->value(), "100-continue");
}

// Errors that are a normal part of a peer going away; logged at debug level only.
bool IsRoutineDisconnect(const beast::error_code& ec) {
  return ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor ||
         ec == ssl::error::stream_truncated || ec == http::error::end_of_stream ||
         ec == http::error::partial_message;
}

class Session;

// The open sessions, so that Stop() can close them and max_connections can be enforced.
// Touched once when a connection opens and once when it closes, never per request.
class ConnectionRegistry {
 public:
  enum class Admission { kAdmitted, kFull, kStopping };

  explicit ConnectionRegistry(size_t max_connections) : max_connections_(max_connections) {}

  Admission Add(const std::shared_ptr<Session>& session) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return Admission::kStopping;
    }
    if (sessions_.size() >= max_connections_) {
      return Admission::kFull;
    }
    sessions_.emplace(session.get(), session);
    return Admission::kAdmitted;
  }

  void Remove(Session* session) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(session);
  }

  // Refuses further sessions and returns those still alive.
  std::vector<std::shared_ptr<Session>> StopAndTakeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    std::vector<std::shared_ptr<Session>> live;
    live.reserve(sessions_.size());
    for (auto& [ptr, weak] : sessions_) {
      if (std::shared_ptr<Session> session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
    return live;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sessions_.size();
  }

 private:
  const size_t max_connections_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

// What every session of one server reads. Outlives all sessions (see HttpsServer::Impl).
struct ServerContext {
  ServerContext(ServerOptions o, HttpHandler h)
      : options(std::move(o)),
        handler(std::move(h)),
        registry(static_cast<size_t>(options.max_connections)) {}

  const ServerOptions options;
  const HttpHandler handler;
  ConnectionRegistry registry;
};

// One connection: TLS handshake, then a loop of read request -> handler -> write response.
// Every member is touched only from the connection's I/O thread, except Close().
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ConnectionSocket&& socket, ssl::context& ssl_ctx, ServerContext& server,
          std::string remote)
      : server_(server), stream_(std::move(socket), ssl_ctx), timer_(stream_.get_executor()) {
    info_.remote_address = std::move(remote);
  }

  ~Session() {
    if (registered_) {
      server_.registry.Remove(this);
    }
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Called once, after the registry admitted the session.
  void Start() {
    registered_ = true;
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoHandshake, shared_from_this()));
  }

  // Closes the socket, which cancels whatever the session waits for. Thread-safe.
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseSocket(); });
  }

 private:
  ConnectionSocket& lowest() { return beast::get_lowest_layer(stream_); }
  const ServerOptions& options() const { return server_.options; }

  // The connection's one deadline: when it passes, the socket is closed, which ends whatever
  // the session waits for with an error. Each phase (handshake, a request, a response) sets
  // its own. One timer per connection, re-armed only when it fires or when a deadline comes
  // sooner than the one it waits for, instead of a timer armed and cancelled around every
  // socket operation (a 4 MiB upload reads 256 TLS records).
  void SetDeadline(std::chrono::steady_clock::duration timeout) {
    deadline_ = std::chrono::steady_clock::now() + timeout;
    if (!timer_armed_ || deadline_ < timer_.expiry()) {
      ArmTimer();
    }
  }

  void ArmTimer() {
    timer_armed_ = true;
    timer_.expires_at(deadline_);  // cancels a wait for a later deadline
    // A weak reference: a pending deadline does not keep a finished session alive.
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec == net::error::operation_aborted) {
        return;  // re-armed, or the session is closing
      }
      if (std::shared_ptr<Session> self = weak.lock()) {
        self->OnTimer();
      }
    });
  }

  void OnTimer() {
    timer_armed_ = false;
    if (std::chrono::steady_clock::now() < deadline_) {
      ArmTimer();  // the deadline moved on since the timer was armed
      return;
    }
    GLOG_DEBUG("{}: deadline passed; closing the connection", info_.remote_address);
    CloseSocket();
  }

  void CloseSocket() {
    beast::error_code ignored;
    lowest().close(ignored);
    timer_.cancel();
    timer_armed_ = false;
  }

  void DoHandshake() {
    SetDeadline(options().handshake_timeout);
    stream_.async_handshake(TlsRole::kServer,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      LogDisconnect("TLS handshake", ec);
      return;
    }
    DoRead();
  }

  void DoRead() {
    parser_.emplace();
    parser_->header_limit(options().max_header_bytes);
    parser_->body_limit(options().max_body_bytes);
    // One deadline for the whole request, including the wait for it on an idle connection.
    SetDeadline(options().read_timeout);
    // Headers first: the limits and `Expect: 100-continue` are decided before any body byte.
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
  }

  void OnReadHeader(beast::error_code ec, size_t) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    if (parser_->is_done()) {  // no body: the common case, one read per request
      HandleRequest();
      return;
    }
    if (IsExpectContinue(parser_->get())) {
      SetDeadline(options().write_timeout);
      net::async_write(stream_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                       beast::bind_front_handler(&Session::OnContinueWritten, shared_from_this()));
      return;
    }
    DoReadBody();
  }

  void OnContinueWritten(beast::error_code ec, size_t) {
    if (ec) {
      LogDisconnect("write 100 Continue", ec);
      return;
    }
    SetDeadline(options().read_timeout);
    DoReadBody();
  }

  // A large body of known length is decrypted straight into the request's string, TLS record
  // by record: Beast's parser would take each 16 KiB record into buffer_, then copy it into the
  // body, through several layers of completion handlers (a sixth of galleryd's CPU in uploads).
  // Chunked and small bodies go through the parser. A Content-Length over the body limit never
  // gets here: the parser refuses it with the header.
  void DoReadBody() {
    const boost::optional<uint64_t> length = parser_->content_length();
    if (!length.has_value() || parser_->chunked() || *length < kDirectBodyBytes) {
      http::async_read(stream_, buffer_, *parser_,
                       beast::bind_front_handler(&Session::OnReadBody, shared_from_this()));
      return;
    }
    body_length_ = *length;
    std::string& body = parser_->get().body();
    // What the header read took beyond the header is the body's start (a body this large is
    // never whole in it: the parser would be done).
    body.resize(std::min<uint64_t>(buffer_.size(), body_length_));
    const size_t have = net::buffer_copy(net::buffer(body), buffer_.data());
    buffer_.consume(have);
    body_read_ = have;
    ReadBodyBytes();
  }

  // The body grows as its bytes arrive, kBodyStepBytes at a time: a client that announces a
  // large body and sends nothing holds no more memory than that. Once a first step has
  // arrived, the whole announced length is reserved, so growing never moves what arrived (in
  // steps that copied 30 MiB per 4 MiB body); only the pages written become resident.
  void ReadBodyBytes() {
    std::string& body = parser_->get().body();
    if (body_read_ == body_length_) {
      HandleRequest();
      return;
    }
    if (body_read_ == body.size()) {
      if (body_read_ >= kBodyStepBytes && body.capacity() < body_length_) {
        body.reserve(body_length_);
      }
      body.resize(std::min<uint64_t>(body_length_, body_read_ + kBodyStepBytes));
    }
    stream_.async_read_some(net::buffer(body.data() + body_read_, body.size() - body_read_),
                            beast::bind_front_handler(&Session::OnBodyBytes, shared_from_this()));
  }

  void OnBodyBytes(beast::error_code ec, size_t n) {
    if (ec) {
      LogDisconnect("read body", ec);  // cut short: the request is dropped, as by Beast
      return;
    }
    body_read_ += n;
    ReadBodyBytes();
  }

  void OnReadBody(beast::error_code ec, size_t) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    HandleRequest();
  }

  void OnReadError(const beast::error_code& ec) {
    if (ec == http::error::end_of_stream) {  // the peer closed between requests
      DoShutdown();
      return;
    }
    if (ec == http::error::body_limit) {
      WriteErrorAndClose(http::status::payload_too_large, "RequestEntityTooLarge",
                         "The request body exceeds the limit of " +
                             std::to_string(options().max_body_bytes) + " bytes.");
      return;
    }
    if (ec == http::error::header_limit) {
      WriteErrorAndClose(http::status::request_header_fields_too_large,
                         "RequestHeaderFieldsTooLarge",
                         "The request line and headers exceed the limit of " +
                             std::to_string(options().max_header_bytes) + " bytes.");
      return;
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::partial_message) {
      WriteErrorAndClose(http::status::bad_request, "BadRequest",
                         "The request is not valid HTTP/1.1: " + ec.message() + ".");
      return;
    }
    LogDisconnect("read", ec);
  }

  void HandleRequest() {
    const HttpRequest& req = parser_->get();
    const unsigned version = req.version();
    const bool client_keeps_alive = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    GLOG_DEBUG("{} {} {}", info_.remote_address, req.method_string(), req.target());
    HttpResponse res;
    std::unique_ptr<BodySource> source;
    try {
      HttpReply reply = server_.handler(parser_->release(), info_);
      res = std::move(reply.response);
      source = std::move(reply.body);
      const bool handler_keeps_alive = res.keep_alive();
      res.version(version);
      res.keep_alive(client_keeps_alive && handler_keeps_alive);
      if (source != nullptr) {
        res.body().clear();
        if (head) {  // the length of the body a GET would stream, and no body
          res.content_length(source->size());
          source.reset();
        }
      }
      // A HEAD answer may state the length of the body a GET would have.
      if (!(head && res.body().empty() && res.has_content_length())) {
        res.prepare_payload();  // throws for a body on a 1xx, 204 or 304 response
      }
      // ... and never sends a body (a handler may answer HEAD as GET, e.g. with an error body):
      // the client reads none, so its bytes would be taken for the next answer.
      if (head) {
        res.body().clear();
      }
    } catch (const std::exception& e) {
      GLOG_ERROR("request handler failed for {}: {}", info_.remote_address, e.what());
      res = InternalError(version, client_keeps_alive);
    } catch (...) {
      GLOG_ERROR("request handler failed for {}: unknown exception", info_.remote_address);
      res = InternalError(version, client_keeps_alive);
    }
    GLOG_DEBUG("{} -> {}", info_.remote_address, res.result_int());
    if (source != nullptr) {
      StartStream(std::move(res), std::move(source));
      return;
    }
    res_ = std::move(res);
    SetDeadline(options().write_timeout);
    http::async_write(
        stream_, res_,
        beast::bind_front_handler(&Session::OnWrite, shared_from_this(), res_.need_eof()));
  }

  // A streamed body: the header, then pieces of at most kStreamPieceBytes from the source, each
  // written before the next is read, so memory stays one piece per connection.
  void StartStream(HttpResponse head, std::unique_ptr<BodySource> source) {
    stream_res_.emplace(head.result(), head.version());
    for (const auto& field : head.base()) {
      stream_res_->set(field.name_string(), field.value());
    }
    stream_res_->keep_alive(head.keep_alive());
    stream_res_->content_length(source->size());
    stream_res_->body().data = nullptr;
    stream_res_->body().more = true;
    stream_remaining_ = source->size();
    source_ = std::move(source);
    piece_.resize(kStreamPieceBytes);
    stream_sr_.emplace(*stream_res_);
    SetDeadline(options().write_timeout);
    http::async_write_header(stream_, *stream_sr_,
                             beast::bind_front_handler(&Session::OnStreamWritten,
                                                       shared_from_this()));
  }

  void OnStreamWritten(beast::error_code ec, size_t) {
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      LogDisconnect("write a streamed body", ec);
      return;
    }
    if (stream_sr_->is_done()) {
      const bool close = stream_res_->need_eof();
      EndStream();
      OnWrite(close, {}, 0);
      return;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(stream_remaining_, piece_.size()));
    Result<size_t> got = want == 0 ? Result<size_t>(size_t{0})
                                   : source_->Read(std::span<uint8_t>(piece_.data(), want));
    if (!got.ok() || (want > 0 && *got == 0) || *got > want) {
      // The status line is sent: the only honest answer left is to cut the connection.
      GLOG_WARN("{}: streamed body failed after {} bytes: {}", info_.remote_address,
                source_->size() - stream_remaining_,
                got.ok() ? std::string("the source ended early") : got.status().ToString());
      EndStream();
      CloseSocket();
      return;
    }
    stream_remaining_ -= *got;
    stream_res_->body().data = piece_.data();
    stream_res_->body().size = *got;
    stream_res_->body().more = stream_remaining_ > 0;
    SetDeadline(options().write_timeout);
    http::async_write(stream_, *stream_sr_,
                      beast::bind_front_handler(&Session::OnStreamWritten, shared_from_this()));
  }

  void EndStream() {
    stream_sr_.reset();
    stream_res_.reset();
    source_.reset();
    piece_ = {};
  }

  static HttpResponse InternalError(unsigned version, bool keep_alive) {
    HttpResponse res = JsonError(http::status::internal_server_error, "InternalServerError",
                                 "The server failed to handle the request.");
    res.version(version);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
  }

  void OnWrite(bool close, beast::error_code ec, size_t) {
    if (ec) {
      LogDisconnect("write", ec);
      return;
    }
    if (close) {
      DoShutdown();
      return;
    }
    res_ = {};  // free the body now rather than when the next response replaces it
    DoRead();
  }

  // Answers a request the server refuses by itself, then closes the connection.
  void WriteErrorAndClose(http::status status, std::string_view code, std::string message) {
    GLOG_WARN("{}: answering {} {}: {}", info_.remote_address, static_cast<unsigned>(status), code,
              message);
    // The request line is kept as soon as it is parsed: a body over the limit is found from
    // its Content-Length before the header is done. Empty when no request line was read.
    const std::string_view target =
        parser_.has_value()
            ? std::string_view(parser_->get().target().data(), parser_->get().target().size())
            : std::string_view();
    std::optional<HttpResponse> answer;
    if (options().error_answer) {
      answer = options().error_answer(status, code, message, target);
    }
    res_ = answer.has_value() ? std::move(*answer) : JsonError(status, code, message);
    res_.keep_alive(false);
    res_.prepare_payload();
    SetDeadline(options().write_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::OnErrorWritten, shared_from_this()));
  }

  void OnErrorWritten(beast::error_code ec, size_t) {
    if (ec) {
      LogDisconnect("write error response", ec);
      return;
    }
    // No TLS close_notify here: the peer may still be sending a body we will not decrypt.
    // Half-close TCP so the client sees the end of the answer, then drain (see kLingerTimeout).
    lowest().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      CloseSocket();
      return;
    }
    linger_buffer_ = std::make_unique<char[]>(kLingerBufferBytes);
    SetDeadline(std::min<std::chrono::seconds>(kLingerTimeout, options().read_timeout));
    DoLinger();
  }

  void DoLinger() {
    lowest().async_read_some(net::buffer(linger_buffer_.get(), kLingerBufferBytes),
                             beast::bind_front_handler(&Session::OnLinger, shared_from_this()));
  }

  void OnLinger(beast::error_code ec, size_t bytes) {
    lingered_bytes_ += bytes;
    if (ec || lingered_bytes_ >= kMaxLingerBytes) {
      CloseSocket();
      return;
    }
    DoLinger();
  }

  void DoShutdown() {
    SetDeadline(
        std::min<std::chrono::seconds>(kShutdownTimeout, options().write_timeout));
    stream_.async_shutdown(beast::bind_front_handler(&Session::OnShutdown, shared_from_this()));
  }

  void OnShutdown(beast::error_code) {
    // Peers often close TCP without their close_notify; nothing is left to do either way.
    CloseSocket();
  }

  void LogDisconnect(std::string_view what, const beast::error_code& ec) {
    if (IsRoutineDisconnect(ec)) {
      GLOG_DEBUG("{}: connection closed during {}: {}", info_.remote_address, what, ec.message());
      return;
    }
    GLOG_WARN("{}: connection failed during {}: {}", info_.remote_address, what, ec.message());
  }

  ServerContext& server_;
  TlsStream<ConnectionSocket> stream_;
  ConnectionTimer timer_;
  std::chrono::steady_clock::time_point deadline_{};
  // DoReadBody's direct read: the body's length and the bytes of it read so far.
  uint64_t body_length_ = 0;
  size_t body_read_ = 0;
  bool timer_armed_ = false;  // a wait on timer_ is pending (for deadline_ or a later one)
  beast::flat_buffer buffer_;  // reused across requests; may hold the start of the next one
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpResponse res_;  // the response being written; must live until the write completes
  // A streamed response being written (StartStream).
  std::optional<http::response<http::buffer_body>> stream_res_;
  std::optional<http::response_serializer<http::buffer_body>> stream_sr_;
  std::unique_ptr<BodySource> source_;
  std::vector<uint8_t> piece_;
  uint64_t stream_remaining_ = 0;
  RequestInfo info_;
  bool registered_ = false;
  std::unique_ptr<char[]> linger_buffer_;  // only for connections closed after an error
  uint64_t lingered_bytes_ = 0;
};

int ThreadCount(const ServerOptions& options) {
  if (options.threads > 0) {
    return options.threads;
  }
  // Four per core: a handler that blocks its thread (a write waiting for SQLite) holds up a
  // quarter as many connections as with one per core, and so does a thread the kernel
  // preempts. At 64 busy connections (a GET each, wrk on the same 2 cores, 9 interleaved pairs
  // of 5 s runs) four per core had a lower p99 than two in 8 of the 9 pairs (median 6.7 ms
  // against 9.4 ms) for 5% fewer GETs per second (median 27.0k against 28.5k).
  return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Status ValidateOptions(const ServerOptions& options) {
  if (options.threads < 0) {
    return Status::InvalidArgument("threads must not be negative", "threads");
  }
  if (options.max_connections < 1) {
    return Status::InvalidArgument("max_connections must be at least 1", "max_connections");
  }
  if (options.max_header_bytes == 0) {
    return Status::InvalidArgument("max_header_bytes must be positive", "max_header_bytes");
  }
  if (options.handshake_timeout.count() <= 0 || options.read_timeout.count() <= 0 ||
      options.write_timeout.count() <= 0) {
    return Status::InvalidArgument("timeouts must be positive");
  }
  return Status::Ok();
}

}  // namespace

class HttpsServer::Impl {
 public:
  Impl(ServerOptions options, HttpHandler handler)
      : context_(std::move(options), std::move(handler)),
        iocs_(MakeContexts(ThreadCount(context_.options))),
        acceptor_(accept_ioc_.get_executor()),
        accept_retry_timer_(acceptor_.get_executor()) {
    for (const std::unique_ptr<net::io_context>& ioc : iocs_) {
      work_.push_back(net::make_work_guard(*ioc));
    }
  }

  ~Impl() { Stop(); }

  Status ConfigureTls(const TlsMaterial& tls) {
    SSL_CTX* ctx = ssl_ctx_.native_handle();
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
      return Status::Internal("cannot require TLS 1.2 or later");
    }
    SSL_CTX_set_options(
        ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    beast::error_code ec;
    ssl_ctx_.use_certificate_chain(net::buffer(tls.server_cert_pem), ec);
    if (ec) {
      return Status::Internal("cannot use the server certificate '" +
                              tls.server_cert_path.string() + "': " + ec.message());
    }
    ssl_ctx_.use_private_key(net::buffer(tls.server_key_pem), ssl::context::pem, ec);
    if (ec) {
      return Status::Internal("cannot use the server key '" + tls.server_key_path.string() +
                              "': " + ec.message());
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return Status::Internal("the server key '" + tls.server_key_path.string() +
                              "' does not match the certificate");
    }
    return Status::Ok();
  }

  Status Listen() {
    const ServerOptions& options = context_.options;
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(options.listen_address, ec);
    if (ec) {
      return Status::InvalidArgument(
          "listen address '" + options.listen_address + "' is not an IP address", "listen_address");
    }
    const tcp::endpoint endpoint(address, options.port);
    auto fail = [&](std::string_view step) {
      return Status::Unavailable("cannot " + std::string(step) + " on " + FormatEndpoint(endpoint) +
                                 ": " + ec.message());
    };
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return fail("open a socket");
    }
    if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) {
      return fail("set SO_REUSEADDR");
    }
    if (acceptor_.bind(endpoint, ec); ec) {
      return fail("bind");
    }
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
      return fail("listen");
    }
    const tcp::endpoint local = acceptor_.local_endpoint(ec);
    if (ec) {
      return fail("read the bound port");
    }
    port_ = local.port();
    return Status::Ok();
  }

  // Starts accepting and the I/O threads. Called once, after Listen() succeeded.
  void Run() {
    // No thread runs the io_contexts yet: this call races with nothing. From here on the
    // accepting context always has work (an accept or its retry timer) until Stop closes the
    // acceptor, so its thread needs no work guard.
    DoAccept();
    accept_thread_ = std::thread([this] { RunIoLoop(accept_ioc_); });
    threads_.reserve(iocs_.size());
    for (const std::unique_ptr<net::io_context>& ioc : iocs_) {
      threads_.emplace_back([this, &ioc] { RunIoLoop(*ioc); });
    }
    GLOG_INFO("HTTPS server listening on {}:{} with {} I/O threads",
              context_.options.listen_address, port_, iocs_.size());
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      accept_retry_timer_.cancel();
    });
    // The accepting thread ends first (its run() returns once the acceptor is closed), so every
    // session it admitted has been started (its handshake is work in its I/O thread's context)
    // and no other follows.
    if (accept_thread_.joinable()) {
      accept_thread_.join();
    }
    for (const std::shared_ptr<Session>& session : context_.registry.StopAndTakeAll()) {
      session->Close();
    }
    for (auto& guard : work_) {  // let run() return once each context's work is done
      guard.reset();
    }
    // With every socket closed, each pending operation completes with an error, no new work
    // starts, and run() returns in every thread.
    for (std::thread& thread : threads_) {
      thread.join();
    }
    threads_.clear();
    GLOG_INFO("HTTPS server on port {} stopped", port_);
  }

  uint16_t port() const { return port_; }
  size_t active_connections() const { return context_.registry.size(); }

 private:
  // One io_context per I/O thread, each with concurrency hint 1: a thread never wakes another
  // to share its work, and nothing contends for one scheduler's lock. With one context run by
  // every thread, those wake-ups and the strands cost a quarter of the CPU of a small GET.
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int count) {
    std::vector<std::unique_ptr<net::io_context>> iocs;
    for (int i = 0; i < count; ++i) {
      iocs.push_back(std::make_unique<net::io_context>(1));
    }
    return iocs;
  }

  void RunIoLoop(net::io_context& ioc) {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {  // defensive: session code catches what it expects
        GLOG_ERROR("HTTPS server I/O thread caught an exception: {}", e.what());
      } catch (...) {
        GLOG_ERROR("HTTPS server I/O thread caught an unknown exception");
      }
    }
  }

  void DoAccept() {
    // Connections are dealt to the I/O threads in turn.
    net::io_context& ioc = *iocs_[next_context_++ % iocs_.size()];
    acceptor_.async_accept(ioc.get_executor(),
                           beast::bind_front_handler(&Impl::OnAccept, this));
  }

  void OnAccept(beast::error_code ec, ConnectionSocket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
        return;  // stopping
      }
      GLOG_WARN("accept on port {} failed: {}; retrying", port_, ec.message());
      accept_retry_timer_.expires_after(kAcceptRetryDelay);
      accept_retry_timer_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) {
          DoAccept();
        }
      });
      return;
    }
    StartSession(std::move(socket));
    DoAccept();
  }

  void StartSession(ConnectionSocket socket) {
    beast::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) {
      return;  // the peer is already gone
    }
    // Requests and responses are small and latency-bound; do not wait to coalesce them.
    socket.set_option(tcp::no_delay(true), ec);
    auto session =
        std::make_shared<Session>(std::move(socket), ssl_ctx_, context_, FormatEndpoint(remote));
    switch (context_.registry.Add(session)) {
      case ConnectionRegistry::Admission::kAdmitted:
        session->Start();
        return;
      case ConnectionRegistry::Admission::kFull:
        GLOG_WARN("refusing connection from {}: max_connections ({}) reached",
                  FormatEndpoint(remote), context_.options.max_connections);
        return;  // destroying the session closes the socket
      case ConnectionRegistry::Admission::kStopping:
        return;
    }
  }

  // Declaration order matters: sessions still queued in iocs_ when they are destroyed refer to
  // context_ and ssl_ctx_, so those are declared (constructed) first and destroyed last.
  ServerContext context_;
  ssl::context ssl_ctx_{ssl::context::tls_server};
  std::vector<std::unique_ptr<net::io_context>> iocs_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  // Accepting has a context and a thread of its own, which run no request handler: a handler
  // that blocks its I/O thread never holds up new connections.
  net::io_context accept_ioc_{1};
  size_t next_context_ = 0;  // touched only by the accepting thread, as acceptor_ is
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_timer_;
  std::thread accept_thread_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

Result<std::unique_ptr<HttpsServer>> HttpsServer::Start(ServerOptions options,
                                                        const TlsMaterial& tls,
                                                        HttpHandler handler) {
  GALLERY_RETURN_IF_ERROR(ValidateOptions(options));
  if (!handler) {
    return Status::InvalidArgument("the request handler is empty");
  }
  try {
    auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
    GALLERY_RETURN_IF_ERROR(impl->ConfigureTls(tls));
    GALLERY_RETURN_IF_ERROR(impl->Listen());
    impl->Run();
    return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
  } catch (const std::exception& e) {  // asio/ssl constructors, std::thread, allocation
    return Status::Internal(std::string("cannot start the HTTPS server: ") + e.what());
  }
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() { Stop(); }

uint16_t HttpsServer::port() const { return impl_->port(); }

size_t HttpsServer::active_connections() const { return impl_->active_connections(); }

void HttpsServer::Stop() { impl_->Stop(); }

}  // namespace gallery
