#include "api/https_server.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gallery {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Every client operation gives up after this long, so a broken server fails a test instead of
// hanging it.
constexpr std::chrono::seconds kClientTimeout{5};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "gallery_https_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A blocking HTTPS client for tests: each call runs one asynchronous operation to completion
// under kClientTimeout. Verifies the server certificate against `ca_pem` and `expected_name`.
class TestClient {
 public:
  explicit TestClient(const std::string& ca_pem, std::string expected_name = "127.0.0.1",
                      int max_tls_version = 0)
      : expected_name_(std::move(expected_name)) {
    ctx_.add_certificate_authority(net::buffer(ca_pem));
    ctx_.set_verify_mode(ssl::verify_peer);
    if (max_tls_version != 0) {
      SSL_CTX_set_min_proto_version(ctx_.native_handle(), 0);
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), max_tls_version);
      SSL_CTX_set_cipher_list(ctx_.native_handle(), "DEFAULT:@SECLEVEL=0");
    }
    stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, ctx_);
  }

  beast::error_code ConnectTcp(uint16_t port) {
    return Run([&](auto handler) {
      lowest().async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port), handler);
    });
  }

  beast::error_code Handshake() {
    X509_VERIFY_PARAM* param = SSL_get0_param(stream_->native_handle());
    if (X509_VERIFY_PARAM_set1_ip_asc(param, expected_name_.c_str()) != 1) {
      SSL_set1_host(stream_->native_handle(), expected_name_.c_str());
    }
    return Run([&](auto handler) { stream_->async_handshake(ssl::stream_base::client, handler); });
  }

  beast::error_code Connect(uint16_t port) {
    beast::error_code ec = ConnectTcp(port);
    return ec ? ec : Handshake();
  }

  beast::error_code Send(HttpRequest req) {
    req.prepare_payload();
    return Run([&](auto handler) { http::async_write(*stream_, req, handler); });
  }

  beast::error_code WriteRaw(const std::string& bytes) {
    return Run([&](auto handler) { net::async_write(*stream_, net::buffer(bytes), handler); });
  }

  beast::error_code Receive(HttpResponse& res) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    beast::error_code ec =
        Run([&](auto handler) { http::async_read(*stream_, buffer_, parser, handler); });
    res = parser.release();
    return ec;
  }

  // Sends `req` and reads the answer; fails the test on transport errors.
  HttpResponse RoundTrip(HttpRequest req) {
    HttpResponse res;
    beast::error_code ec = Send(std::move(req));
    EXPECT_FALSE(ec) << "send: " << ec.message();
    if (!ec) {
      ec = Receive(res);
      EXPECT_FALSE(ec) << "receive: " << ec.message();
    }
    return res;
  }

  // Reads decrypted bytes up to and including `delimiter`, which must end what the server sent
  // so far (bytes after it would be lost).
  std::string ReadUntil(const std::string& delimiter) {
    std::string data;
    beast::error_code ec = Run([&](auto handler) {
      net::async_read_until(*stream_, net::dynamic_buffer(data), delimiter, handler);
    });
    EXPECT_FALSE(ec) << ec.message();
    return data;
  }

  // Waits until the server ends the connection; returns what ended it (a timeout means the
  // server did not close within kClientTimeout).
  beast::error_code WaitForClose() {
    char scratch[512];
    for (;;) {
      beast::error_code ec =
          Run([&](auto handler) { stream_->async_read_some(net::buffer(scratch), handler); });
      if (ec) {
        return ec;
      }
    }
  }

  // The same, for a connection that never did the TLS handshake.
  beast::error_code WaitForTcpClose() {
    char scratch[512];
    for (;;) {
      beast::error_code ec =
          Run([&](auto handler) { lowest().async_read_some(net::buffer(scratch), handler); });
      if (ec) {
        return ec;
      }
    }
  }

  SSL* native_handle() { return stream_->native_handle(); }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(*stream_); }

  template <typename Initiate>
  beast::error_code Run(Initiate&& initiate) {
    beast::error_code result = net::error::would_block;
    lowest().expires_after(kClientTimeout);
    initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  std::string expected_name_;
  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
};

HttpRequest MakeRequest(http::verb verb, std::string target, std::string body = "") {
  HttpRequest req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = std::move(body);
  return req;
}

// Echoes "<method> <target> <body>" and the peer address (header X-Remote).
HttpResponse Echo(HttpRequest&& req, const RequestInfo& info) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain");
  res.set("X-Remote", info.remote_address);
  res.body() =
      std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body();
  return res;
}

std::string ErrorCodeOf(const HttpResponse& res) {
  nlohmann::json body = nlohmann::json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("error") || !body["error"].contains("code") ||
      !body["error"].contains("message") || body["error"]["message"].get<std::string>().empty()) {
    return "<not an ARM error body: " + res.body() + ">";
  }
  return body["error"]["code"].get<std::string>();
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// For the timeout tests, whose server deadlines are 1 s: the server closed the connection on
// the deadline counted from `since`, not before it and well before the client gives up.
void ExpectClosedOnOneSecondDeadline(Clock::time_point since) {
  EXPECT_GE(SecondsSince(since), 0.9);
  EXPECT_LT(SecondsSince(since), 3.0) << "the connection outlived its deadline";
}

class HttpsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(dir_->path());
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    tls_ = new TlsMaterial(std::move(tls).value());
  }
  static void TearDownTestSuite() {
    delete tls_;
    delete dir_;
  }

  static ServerOptions SmallOptions() {
    ServerOptions options;
    options.threads = 2;
    return options;
  }

  std::unique_ptr<HttpsServer> StartServer(ServerOptions options, HttpHandler handler = Echo) {
    Result<std::unique_ptr<HttpsServer>> server =
        HttpsServer::Start(std::move(options), *tls_, std::move(handler));
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  // An echoing server that refuses bodies over `max_body_bytes` and counts its handler's calls.
  std::unique_ptr<HttpsServer> StartCountingServer(uint64_t max_body_bytes,
                                                   std::atomic<int>& calls) {
    ServerOptions options = SmallOptions();
    options.max_body_bytes = max_body_bytes;
    return StartServer(options, [&calls](HttpRequest&& req, const RequestInfo& info) {
      ++calls;
      return Echo(std::move(req), info);
    });
  }

  static TestClient NewClient() { return TestClient(tls_->ca_cert_pem); }

  static TempDir* dir_;
  static TlsMaterial* tls_;
};

TempDir* HttpsServerTest::dir_ = nullptr;
TlsMaterial* HttpsServerTest::tls_ = nullptr;

TEST_F(HttpsServerTest, RequestReachesHandlerAndResponseComesBack) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  EXPECT_GE(SSL_version(client.native_handle()), TLS1_2_VERSION);

  HttpResponse res = client.RoundTrip(MakeRequest(http::verb::post, "/hello?x=1", "ping"));
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "POST /hello?x=1 ping");
  EXPECT_EQ(res[http::field::content_length], "20");
  EXPECT_EQ(res.version(), 11u);
  EXPECT_TRUE(res.keep_alive());
  EXPECT_TRUE(std::string(res["X-Remote"]).starts_with("127.0.0.1:")) << res["X-Remote"];
}

TEST_F(HttpsServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  std::string first_remote;
  for (int i = 0; i < 5; ++i) {
    HttpResponse res = client.RoundTrip(MakeRequest(http::verb::get, "/r" + std::to_string(i)));
    EXPECT_EQ(res.body(), "GET /r" + std::to_string(i) + " ");
    if (i == 0) {
      first_remote = std::string(res["X-Remote"]);
    }
    EXPECT_EQ(res["X-Remote"], first_remote);  // same client port: the same connection
  }
  EXPECT_EQ(server->active_connections(), 1u);
}

// A HEAD answer states the length of the body a GET would have and sends no body, even when
// the handler gives it one: otherwise the client would read that body as its next answer.
TEST_F(HttpsServerTest, HeadAnswerStatesTheLengthButSendsNoBody) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw("HEAD /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                               "GET /y HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string answers = client.ReadUntil("GET /y ");
  EXPECT_NE(answers.find("Content-Length: 8\r\n"), std::string::npos) << answers;
  EXPECT_EQ(answers.find("HEAD /x"), std::string::npos) << answers;
  EXPECT_NE(answers.find("Content-Length: 7\r\n"), std::string::npos) << answers;
}

TEST_F(HttpsServerTest, ConnectionCloseRequestIsAnsweredThenClosed) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  HttpRequest req = MakeRequest(http::verb::get, "/");
  req.keep_alive(false);
  HttpResponse res = client.RoundTrip(std::move(req));
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
}

TEST_F(HttpsServerTest, Http10ResponseKeepsTheRequestVersion) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  HttpRequest req = MakeRequest(http::verb::get, "/old");
  req.version(10);
  HttpResponse res = client.RoundTrip(std::move(req));
  EXPECT_EQ(res.version(), 10u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
}

TEST_F(HttpsServerTest, BodyOverLimitGets413JsonWithoutReachingTheHandler) {
  std::atomic<int> calls{0};
  auto server = StartCountingServer(1024, calls);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  // At the limit is fine.
  EXPECT_EQ(client.RoundTrip(MakeRequest(http::verb::put, "/", std::string(1024, 'a'))).result(),
            http::status::ok);

  HttpResponse res = client.RoundTrip(MakeRequest(http::verb::put, "/", std::string(4096, 'a')));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(ErrorCodeOf(res), "RequestEntityTooLarge");
  EXPECT_EQ(res[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
  EXPECT_EQ(calls.load(), 1);
}

// An endpoint with its own error shape (the storage endpoints' XML) answers the server's own
// refusals in it; the others keep the JSON body.
TEST_F(HttpsServerTest, TheErrorAnswerHookShapesTheServersRefusalsByTarget) {
  ServerOptions options = SmallOptions();
  options.max_body_bytes = 1024;
  options.error_answer = [](http::status status, std::string_view code, const std::string& message,
                            std::string_view target) -> std::optional<HttpResponse> {
    if (target.substr(0, 6) != "/blob/") {
      return std::nullopt;
    }
    HttpResponse res{status, 11};
    res.set(http::field::content_type, "application/xml");
    res.body() = "<Error><Code>" + std::string(code) + "</Code><Message>" + message + " (" +
                 std::string(target) + ")</Message></Error>";
    return res;
  };
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient storage = NewClient();
  ASSERT_FALSE(storage.Connect(server->port()));
  HttpResponse res = storage.RoundTrip(
      MakeRequest(http::verb::put, "/blob/a/c/b?comp=page", std::string(4096, 'a')));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(res.body(),
            "<Error><Code>RequestEntityTooLarge</Code><Message>The request body exceeds the "
            "limit of 1024 bytes. (/blob/a/c/b?comp=page)</Message></Error>");
  TestClient arm = NewClient();
  ASSERT_FALSE(arm.Connect(server->port()));
  res = arm.RoundTrip(MakeRequest(http::verb::put, "/subscriptions", std::string(4096, 'a')));
  EXPECT_EQ(ErrorCodeOf(res), "RequestEntityTooLarge");
}

TEST_F(HttpsServerTest, ChunkedBodyOverLimitGets413Json) {
  ServerOptions options = SmallOptions();
  options.max_body_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  HttpRequest req = MakeRequest(http::verb::put, "/", std::string(4096, 'a'));
  req.chunked(true);
  ASSERT_FALSE(client.Send(std::move(req)));
  HttpResponse res;
  ASSERT_FALSE(client.Receive(res));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(ErrorCodeOf(res), "RequestEntityTooLarge");
}

TEST_F(HttpsServerTest, HeaderOverLimitGets431Json) {
  ServerOptions options = SmallOptions();
  options.max_header_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  HttpRequest req = MakeRequest(http::verb::get, "/");
  req.set("X-Big", std::string(2000, 'b'));
  HttpResponse res = client.RoundTrip(std::move(req));
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
  EXPECT_EQ(ErrorCodeOf(res), "RequestHeaderFieldsTooLarge");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
}

TEST_F(HttpsServerTest, GarbageBytesGet400Json) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw("\x01\x02\x03 garbage \xff\r\n\r\n"));
  HttpResponse res;
  ASSERT_FALSE(client.Receive(res));
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(ErrorCodeOf(res), "BadRequest");
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
}

TEST_F(HttpsServerTest, HandlerExceptionGets500JsonAndTheConnectionStaysUsable) {
  auto server = StartServer(SmallOptions(), [](HttpRequest&& req, const RequestInfo& info) {
    if (req.target() == "/throw") {
      throw std::runtime_error("boom");
    }
    return Echo(std::move(req), info);
  });
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  HttpResponse res = client.RoundTrip(MakeRequest(http::verb::get, "/throw"));
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(ErrorCodeOf(res), "InternalServerError");
  EXPECT_EQ(client.RoundTrip(MakeRequest(http::verb::get, "/ok")).body(), "GET /ok ");
}

TEST_F(HttpsServerTest, ExpectContinueGetsTheInterimResponseBeforeTheBody) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw(
      "PUT /blob HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_FALSE(client.WriteRaw("hello"));
  HttpResponse res;
  ASSERT_FALSE(client.Receive(res));
  EXPECT_EQ(res.body(), "PUT /blob hello");
}

// Bodies of 64 KiB and more with a Content-Length are read straight into the request; they
// arrive whole and in order, whatever part of them came with the headers, and the next request
// on the connection (even one sent in the same write) is read after them.
std::string Pattern(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  for (char& c : out) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

TEST_F(HttpsServerTest, LargeBodiesArriveWholeThenTheNextRequest) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  for (size_t size : {size_t{64} << 10, size_t{700'017}, size_t{200'000}}) {  // echoed: < 1 MiB
    const std::string body = Pattern(size, static_cast<uint32_t>(size));
    HttpResponse res = client.RoundTrip(MakeRequest(http::verb::put, "/big", body));
    ASSERT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.body() == "PUT /big " + body) << size;
  }
  // Two requests in one write: the large body, then a small request right behind it.
  const std::string body = Pattern(100'000, 5);
  ASSERT_FALSE(client.WriteRaw("PUT /one HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body +
                               "GET /two HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse first;
  ASSERT_FALSE(client.Receive(first));
  EXPECT_TRUE(first.body() == "PUT /one " + body);
  HttpResponse second;
  ASSERT_FALSE(client.Receive(second));
  EXPECT_EQ(second.body(), "GET /two ");
  // After 100 Continue too.
  ASSERT_FALSE(client.WriteRaw("PUT /three HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_FALSE(client.WriteRaw(body));
  HttpResponse third;
  ASSERT_FALSE(client.Receive(third));
  EXPECT_TRUE(third.body() == "PUT /three " + body);
}

TEST_F(HttpsServerTest, ALargeBodyOverTheLimitOrCutShortNeverReachesTheHandler) {
  std::atomic<int> calls{0};
  auto server = StartCountingServer(100'000, calls);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  HttpResponse res = client.RoundTrip(MakeRequest(http::verb::put, "/", Pattern(200'000, 1)));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(ErrorCodeOf(res), "RequestEntityTooLarge");
  // Half a body, then the client leaves: nothing is handled.
  auto quitter = std::make_unique<TestClient>(tls_->ca_cert_pem);
  ASSERT_FALSE(quitter->Connect(server->port()));
  ASSERT_FALSE(quitter->WriteRaw("PUT /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 90000\r\n\r\n" +
                                 Pattern(45'000, 2)));
  quitter.reset();  // closes its connection
  for (int i = 0; i < 100 && server->active_connections() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server->active_connections(), 1u);  // the refused client's, closing after its 413
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpsServerTest, IdleKeepAliveConnectionIsClosedAfterReadTimeout) {
  ServerOptions options = SmallOptions();
  options.read_timeout = std::chrono::seconds(1);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  EXPECT_EQ(client.RoundTrip(MakeRequest(http::verb::get, "/")).result(), http::status::ok);
  Clock::time_point start = Clock::now();
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
  ExpectClosedOnOneSecondDeadline(start);
}

// Each request starts a new deadline: a connection used more often than the timeout stays
// open past the first deadline, then closes once it has been idle for the timeout.
TEST_F(HttpsServerTest, EachRequestMovesTheDeadline) {
  ServerOptions options = SmallOptions();
  options.read_timeout = std::chrono::seconds(1);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  Clock::time_point start = Clock::now();
  for (int i = 0; i < 4; ++i) {  // at 0, 0.6, 1.2 and 1.8 s
    std::this_thread::sleep_until(start + std::chrono::milliseconds(600 * i));
    EXPECT_EQ(client.RoundTrip(MakeRequest(http::verb::get, "/" + std::to_string(i))).body(),
              "GET /" + std::to_string(i) + " ");
  }
  Clock::time_point last = Clock::now();
  EXPECT_NE(client.WaitForClose(), beast::error::timeout);
  ExpectClosedOnOneSecondDeadline(last);
}

// The read deadline covers the whole request, not each read: a peer trickling bytes faster
// than the timeout still loses the connection when the request takes longer than it.
TEST_F(HttpsServerTest, RequestTrickledPastTheReadTimeoutIsCut) {
  ServerOptions options = SmallOptions();
  options.read_timeout = std::chrono::seconds(1);
  std::atomic<bool> reached = false;
  auto server = StartServer(options, [&reached](HttpRequest&& req, const RequestInfo& info) {
    reached = true;
    return Echo(std::move(req), info);
  });
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.Connect(server->port()));
  Clock::time_point start = Clock::now();
  const std::string head = "PUT /blob HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40\r\n\r\n";
  beast::error_code ec = client.WriteRaw(head);
  for (int i = 0; i < 40 && !ec; ++i) {  // one byte every 100 ms: 4 s for the body
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ec = client.WriteRaw("x");
  }
  if (!ec) {
    ec = client.WaitForClose();
    EXPECT_NE(ec, beast::error::timeout);
  }
  ExpectClosedOnOneSecondDeadline(start);
  EXPECT_FALSE(reached);
}

TEST_F(HttpsServerTest, SilentPeerIsClosedAfterHandshakeTimeout) {
  ServerOptions options = SmallOptions();
  options.handshake_timeout = std::chrono::seconds(1);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client = NewClient();
  ASSERT_FALSE(client.ConnectTcp(server->port()));
  Clock::time_point start = Clock::now();
  EXPECT_NE(client.WaitForTcpClose(), beast::error::timeout);
  ExpectClosedOnOneSecondDeadline(start);
}

TEST_F(HttpsServerTest, StopReturnsPromptlyAndClosesOpenConnections) {
  auto server = StartServer(SmallOptions());  // 30 s timeouts: only Stop() can close these
  ASSERT_NE(server, nullptr);
  TestClient idle = NewClient();
  ASSERT_FALSE(idle.Connect(server->port()));
  TestClient mid_request = NewClient();
  ASSERT_FALSE(mid_request.Connect(server->port()));
  ASSERT_FALSE(mid_request.WriteRaw("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab"));
  TestClient no_tls = NewClient();
  ASSERT_FALSE(no_tls.ConnectTcp(server->port()));
  for (int i = 0; i < 100 && server->active_connections() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(server->active_connections(), 3u);

  Clock::time_point start = Clock::now();
  server->Stop();
  EXPECT_LT(SecondsSince(start), 1.0);
  EXPECT_EQ(server->active_connections(), 0u);
  EXPECT_NE(idle.WaitForClose(), beast::error::timeout);
  EXPECT_NE(mid_request.WaitForClose(), beast::error::timeout);
  EXPECT_NE(no_tls.WaitForTcpClose(), beast::error::timeout);
  server->Stop();                                       // idempotent
  EXPECT_TRUE(NewClient().ConnectTcp(server->port()));  // nobody listens any more
}

TEST_F(HttpsServerTest, ConnectionOverMaxConnectionsIsClosedAtOnce) {
  ServerOptions options = SmallOptions();
  options.max_connections = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto first = std::make_unique<TestClient>(tls_->ca_cert_pem);
  ASSERT_FALSE(first->Connect(server->port()));
  EXPECT_EQ(first->RoundTrip(MakeRequest(http::verb::get, "/")).result(), http::status::ok);

  TestClient second = NewClient();
  beast::error_code ec = second.Connect(server->port());
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, beast::error::timeout);

  first.reset();  // frees the slot
  for (int i = 0; i < 200 && server->active_connections() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  TestClient third = NewClient();
  ASSERT_FALSE(third.Connect(server->port()));
  EXPECT_EQ(third.RoundTrip(MakeRequest(http::verb::get, "/")).result(), http::status::ok);
}

TEST_F(HttpsServerTest, ConcurrentClientsAreAllServed) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      TestClient client = NewClient();
      if (client.Connect(server->port())) {
        return;
      }
      for (int i = 0; i < kRequests; ++i) {
        std::string target = "/" + std::to_string(c) + "/" + std::to_string(i);
        HttpResponse res = client.RoundTrip(MakeRequest(http::verb::get, target));
        if (res.body() == "GET " + target + " ") {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(HttpsServerTest, AHandlerThatBlocksHoldsUpNeitherAcceptingNorOtherThreads) {
  std::atomic<bool> release{false};
  auto server = StartServer(SmallOptions(), [&](HttpRequest&& req, const RequestInfo& info) {
    if (req.target() == "/block") {
      while (!release.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    return Echo(std::move(req), info);
  });
  ASSERT_NE(server, nullptr);
  // Unblocks the handler on every way out of the test, before the server stops (it waits for
  // handlers): declared after the server, so destroyed before it.
  struct Release {
    std::atomic<bool>& flag;
    ~Release() { flag = true; }
  } unblock_at_exit{release};
  // The first connection goes to the first I/O thread, and its handler blocks that thread.
  TestClient blocked = NewClient();
  ASSERT_FALSE(blocked.Connect(server->port()));
  ASSERT_FALSE(blocked.WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The next connection is accepted and served by the other thread meanwhile.
  Clock::time_point start = Clock::now();
  TestClient other = NewClient();
  ASSERT_FALSE(other.Connect(server->port()));
  EXPECT_EQ(other.RoundTrip(MakeRequest(http::verb::get, "/free")).body(), "GET /free ");
  EXPECT_LT(SecondsSince(start), 2.0);
}

TEST_F(HttpsServerTest, ConnectionsAreDealtToTheIoThreadsInTurnAndStayOnTheirs) {
  std::mutex mu;
  std::map<std::string, std::set<std::thread::id>> threads_of;  // remote address -> threads
  ServerOptions options = SmallOptions();
  options.threads = 3;
  auto server = StartServer(options, [&](HttpRequest&& req, const RequestInfo& info) {
    std::lock_guard<std::mutex> lock(mu);
    threads_of[info.remote_address].insert(std::this_thread::get_id());
    return Echo(std::move(req), info);
  });
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int c = 0; c < 6; ++c) {
    clients.push_back(std::make_unique<TestClient>(tls_->ca_cert_pem));
    ASSERT_FALSE(clients.back()->Connect(server->port()));
  }
  for (int round = 0; round < 4; ++round) {
    for (const auto& client : clients) {
      EXPECT_EQ(client->RoundTrip(MakeRequest(http::verb::get, "/")).result(), http::status::ok);
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(threads_of.size(), 6u);
  std::map<std::thread::id, int> connections_of;
  for (const auto& [remote, threads] : threads_of) {
    EXPECT_EQ(threads.size(), 1u) << remote << " was served by more than one thread";
    ++connections_of[*threads.begin()];
  }
  EXPECT_EQ(connections_of.size(), 3u);  // every I/O thread serves
  for (const auto& [thread, count] : connections_of) {
    EXPECT_EQ(count, 2);  // six connections, three threads, in turn
  }
}

TEST_F(HttpsServerTest, ClientExpectingAnotherNameRejectsTheCertificate) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(tls_->ca_cert_pem, "gallery.invalid");
  beast::error_code ec = client.Connect(server->port());
  ASSERT_TRUE(ec);
  EXPECT_EQ(SSL_get_verify_result(client.native_handle()), X509_V_ERR_HOSTNAME_MISMATCH)
      << ec.message();
}

TEST_F(HttpsServerTest, TlsBelow12IsRefused) {
  auto server = StartServer(SmallOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(tls_->ca_cert_pem, "127.0.0.1", TLS1_1_VERSION);
  beast::error_code ec = client.Connect(server->port());
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, beast::error::timeout);
}

TEST_F(HttpsServerTest, PortInUseIsUnavailableNamingTheAddress) {
  auto first = StartServer(SmallOptions());
  ASSERT_NE(first, nullptr);
  ServerOptions options = SmallOptions();
  options.port = first->port();
  Result<std::unique_ptr<HttpsServer>> second = HttpsServer::Start(options, *tls_, Echo);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << second.status().ToString();
}

TEST_F(HttpsServerTest, InvalidOptionsAreInvalidArgument) {
  ServerOptions bad_address = SmallOptions();
  bad_address.listen_address = "not-an-address";
  EXPECT_EQ(HttpsServer::Start(bad_address, *tls_, Echo).status().code(),
            StatusCode::kInvalidArgument);
  ServerOptions no_connections = SmallOptions();
  no_connections.max_connections = 0;
  EXPECT_EQ(HttpsServer::Start(no_connections, *tls_, Echo).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpsServer::Start(SmallOptions(), *tls_, nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(HttpsServerTest, UnusableTlsMaterialIsInternal) {
  TlsMaterial broken = *tls_;
  broken.server_key_pem = "not a key";
  Result<std::unique_ptr<HttpsServer>> server = HttpsServer::Start(SmallOptions(), broken, Echo);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace gallery
