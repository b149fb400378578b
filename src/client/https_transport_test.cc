#include "client/https_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

namespace gallery {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;

// Certificates made once for the suite with the `openssl` command in a temporary directory:
// ca (trusted by the client), rogue_ca (not trusted), and server certificates signed by them.
class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/gallery-https-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      return;
    }
    dir_ = tmpl;
    ok_ = MakeCa("ca") && MakeCa("rogue_ca") && MakeServer("server", "ca", "IP:127.0.0.1") &&
          MakeServer("rogue_server", "rogue_ca", "IP:127.0.0.1") &&
          MakeServer("wrong_ip_server", "ca", "IP:10.1.2.3,DNS:example.test");
  }
  ~TestPki() {
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  bool Run(const std::string& command) {
    return std::system(("cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1").c_str()) ==
           0;
  }
  bool MakeCa(const std::string& name) {
    return Run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout " +
        name + ".key -out " + name + ".pem -days 2 -subj '/CN=" + name +
        "' -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign");
  }
  bool MakeServer(const std::string& name, const std::string& ca, const std::string& san) {
    std::ofstream(dir_ / (name + ".ext"))
        << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
    return Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
               name + ".key -out " + name + ".csr -subj '/CN=" + name + "'") &&
           Run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -CAcreateserial -out " + name + ".pem -days 2 -extfile " + name + ".ext");
  }

  std::filesystem::path dir_;
  bool ok_ = false;
};

struct Reply {
  http::response<http::string_body> response;
  bool close_connection = false;  // drop the connection after answering (no Connection: close)
  std::chrono::milliseconds delay{0};
};

// A small blocking Beast SSL server on 127.0.0.1, port 0, serving one connection at a time.
class TestHttpsServer {
 public:
  using Handler = std::function<Reply(const http::request<http::string_body>&)>;

  TestHttpsServer(const std::string& cert, const std::string& key, Handler handler)
      : handler_(std::move(handler)) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestHttpsServer() {
    stopping_ = true;
    int fd = current_fd_.load();
    if (fd >= 0) {
      ::shutdown(fd, SHUT_RDWR);
    }
    beast::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect({net::ip::make_address("127.0.0.1"), port()}, ec);
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(port()) + "/"; }
  int accepted() const { return accepted_.load(); }
  std::vector<http::request<http::string_body>> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) {
        return;
      }
      ++accepted_;
      Serve(std::move(socket));
    }
  }

  void Serve(tcp::socket socket) {
    ssl::stream<tcp::socket> stream(std::move(socket), ctx_);
    current_fd_ = stream.next_layer().native_handle();
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    beast::flat_buffer buffer;
    while (!ec && !stopping_) {
      http::request<http::string_body> request;
      http::read(stream, buffer, request, ec);
      if (ec) {
        break;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      Reply reply = handler_(request);
      std::this_thread::sleep_for(reply.delay);
      reply.response.prepare_payload();
      http::write(stream, reply.response, ec);
      if (reply.close_connection) {
        break;
      }
    }
    current_fd_ = -1;
    stream.next_layer().close(ec);
  }

  Handler handler_;
  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_server};
  tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> current_fd_{-1};
  std::mutex mu_;
  std::vector<http::request<http::string_body>> requests_;
};

Reply Ok(std::string body, bool close = false) {
  Reply r;
  r.response.result(http::status::ok);
  r.response.set(http::field::content_type, "application/json");
  r.response.set("x-ms-request-id", "req-1");
  r.response.body() = std::move(body);
  r.close_connection = close;
  return r;
}

class HttpsTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(pki_->ok()) << "openssl could not make test certificates"; }

  static std::unique_ptr<HttpsTransport> Connect(const std::string& endpoint,
                                                 HttpsTransportOptions options = {}) {
    options.endpoint = endpoint;
    options.ca_file = pki_->Path("ca.pem");
    Result<std::unique_ptr<HttpsTransport>> t = HttpsTransport::Create(options);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : nullptr;
  }

  static TestPki* pki_;
};

TestPki* HttpsTransportTest::pki_ = nullptr;

TEST_F(HttpsTransportTest, ExchangesARequestWithATrustedServer) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto& req) { return Ok("{\"echo\":\"" + req.body() + "\"}"); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  HttpCall call{"PUT", "/subscriptions/S?api-version=1", {{"x-test", "yes"}}, "hello"};
  Result<HttpResult> r = transport->Send(call);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"echo\":\"hello\"}");
  EXPECT_EQ(r->Header("X-MS-Request-Id"), "req-1");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method(), http::verb::put);
  EXPECT_EQ(requests[0].target(), "/subscriptions/S?api-version=1");
  EXPECT_EQ(requests[0][http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0]["x-test"], "yes");
}

TEST_F(HttpsTransportTest, ReusesOneKeepAliveConnection) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto&) { return Ok("{}"); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  for (int i = 0; i < 3; ++i) {
    Result<HttpResult> r = transport->Send({"GET", "/x"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(server.accepted(), 1);
  transport.reset();
}

TEST_F(HttpsTransportTest, ReconnectsWhenTheServerClosedTheConnection) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto&) { return Ok("{}", /*close=*/true); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->Send({"GET", "/a"}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the close arrive
  Result<HttpResult> r = transport->Send({"GET", "/b"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

// Bodies are sent from the caller's bytes (no copy): a 512 KiB body (32 TLS records; the test
// server reads at most 1 MiB) arrives whole, twice over one connection, and the call still
// holds it afterwards.
TEST_F(HttpsTransportTest, LargeBodiesArriveWholeAndTheCallKeepsThem) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto&) { return Ok("{}"); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  std::string body(512 << 10, '\0');
  for (size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<char>(i * 131 % 251);
  }
  HttpCall call{"PUT", "/blob"};
  call.body = body;
  for (int i = 0; i < 2; ++i) {
    Result<HttpResult> r = transport->Send(call);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(call.body, body);
  ASSERT_EQ(server.requests().size(), 2u);
  for (const auto& request : server.requests()) {
    EXPECT_TRUE(request.body() == body) << "a body of " << request.body().size() << " bytes";
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(HttpsTransportTest, AbsoluteUrlOnTheSameServerIsUsedVerbatim) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto&) { return Ok("{}"); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->Send({"GET", server.endpoint() + "ops/1?api-version=2&$skip=x"}).ok());
  EXPECT_EQ(server.requests()[0].target(), "/ops/1?api-version=2&$skip=x");
}

TEST_F(HttpsTransportTest, EndpointPathPrefixIsKept) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto&) { return Ok("{}"); });
  auto transport = Connect(server.endpoint() + "arm/");
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->Send({"GET", "/subscriptions"}).ok());
  EXPECT_EQ(server.requests()[0].target(), "/arm/subscriptions");
}

TEST_F(HttpsTransportTest, RefusesUrlsOnOtherServers) {
  auto transport = Connect("https://127.0.0.1:1/");
  ASSERT_NE(transport, nullptr);
  Result<HttpResult> r = transport->Send({"GET", "https://evil.example:1/x"});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("not on the configured server"));
  EXPECT_EQ(transport->Send({"GET", "relative/x"}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpsTransportTest, CertificateFromAnotherCaFailsWithACertificateError) {
  TestHttpsServer server(pki_->Path("rogue_server.pem"), pki_->Path("rogue_server.key"),
                         [](const auto&) { return Ok("{}"); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  Result<HttpResult> r = transport->Send({"GET", "/x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().reason(), "CertificateVerificationFailed");
  EXPECT_THAT(r.status().message(), HasSubstr("TLS certificate verification failed for "
                                              "https://127.0.0.1:" +
                                              std::to_string(server.port())));
  EXPECT_THAT(r.status().message(), HasSubstr("unable to get local issuer certificate"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsTransportTest, CertificateForAnotherAddressFailsVerification) {
  TestHttpsServer server(pki_->Path("wrong_ip_server.pem"), pki_->Path("wrong_ip_server.key"),
                         [](const auto&) { return Ok("{}"); });
  auto transport = Connect(server.endpoint());
  ASSERT_NE(transport, nullptr);
  Result<HttpResult> r = transport->Send({"GET", "/x"});
  EXPECT_EQ(r.status().reason(), "CertificateVerificationFailed");
  EXPECT_THAT(r.status().message(), HasSubstr("IP address mismatch"));
}

TEST_F(HttpsTransportTest, ConnectionRefusedSaysWhatToCheck) {
  uint16_t port = 0;
  {
    net::io_context ioc;
    tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto transport = Connect("https://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_NE(transport, nullptr);
  Result<HttpResult> r = transport->Send({"GET", "/x"});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "cannot connect to https://127.0.0.1:" + std::to_string(port) +
                                      ": Connection refused. Is galleryd running?");
}

TEST_F(HttpsTransportTest, SlowAnswerTimesOut) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"), [](const auto&) {
    Reply r = Ok("{}");
    r.delay = std::chrono::milliseconds(600);
    return r;
  });
  HttpsTransportOptions options;
  options.request_timeout = std::chrono::milliseconds(100);
  auto transport = Connect(server.endpoint(), options);
  ASSERT_NE(transport, nullptr);
  Result<HttpResult> r = transport->Send({"GET", "/x"});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("timed out after 100 ms"));
}

// A server that accepts TCP (the kernel does, from the listen backlog) and never answers the
// TLS handshake: the connect timeout applies to the handshake too, and the transport is
// usable again afterwards.
TEST_F(HttpsTransportTest, SilentServerTimesOutInTheHandshake) {
  net::io_context ioc;
  tcp::acceptor silent(ioc, {net::ip::make_address("127.0.0.1"), 0});
  const std::string endpoint =
      "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/";
  HttpsTransportOptions options;
  options.connect_timeout = std::chrono::milliseconds(200);
  auto transport = Connect(endpoint, options);
  ASSERT_NE(transport, nullptr);
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResult> r = transport->Send({"GET", "/x"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "TLS handshake with " + endpoint.substr(0, endpoint.size() - 1) +
                " timed out after 200 ms");
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_LT(took, std::chrono::seconds(5));
  // Still failing the same way, not crashing on the stream the timeout closed.
  EXPECT_EQ(transport->Send({"GET", "/x"}).status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpsTransportTest, BodyOverTheLimitIsResourceExhausted) {
  TestHttpsServer server(pki_->Path("server.pem"), pki_->Path("server.key"),
                         [](const auto&) { return Ok(std::string(5000, 'x')); });
  HttpsTransportOptions options;
  options.max_response_body_bytes = 1000;
  auto transport = Connect(server.endpoint(), options);
  ASSERT_NE(transport, nullptr);
  Result<HttpResult> r = transport->Send({"GET", "/x"});
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(HttpsTransportTest, CreateChecksEndpointAndCaFile) {
  HttpsTransportOptions options;
  options.endpoint = "http://127.0.0.1:8443/";
  options.ca_file = pki_->Path("ca.pem");
  EXPECT_EQ(HttpsTransport::Create(options).status().code(), StatusCode::kInvalidArgument);

  options.endpoint = "https://127.0.0.1:8443/";
  options.ca_file = pki_->Path("missing.pem");
  Result<std::unique_ptr<HttpsTransport>> r = HttpsTransport::Create(options);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("missing.pem"));

  options.ca_file = pki_->Path("ca.ext");  // not a certificate
  std::filesystem::copy_file(pki_->Path("server.ext"), pki_->Path("ca.ext"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(HttpsTransport::Create(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpsTransportTest, UnknownMethodIsInvalidArgument) {
  auto transport = Connect("https://127.0.0.1:1/");
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(transport->Send({"FROB", "/x"}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gallery
