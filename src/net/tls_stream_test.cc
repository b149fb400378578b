#include "net/tls_stream.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace gallery {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Stream = TlsStream<tcp::socket>;
using boost::system::error_code;

// A P-256 key and a self-signed certificate for IP 127.0.0.1, made for the test run.
struct TestIdentity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  TestIdentity() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("tls stream test"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
  }
  ~TestIdentity() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

TestIdentity& Identity() {
  static TestIdentity identity;
  return identity;
}

std::vector<uint8_t> RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) {
    b = static_cast<uint8_t>(rng());
  }
  return v;
}

class TlsStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(SSL_CTX_use_certificate(server_ctx_.native_handle(), Identity().cert), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx_.native_handle(), Identity().key), 1);
    ASSERT_EQ(X509_STORE_add_cert(SSL_CTX_get_cert_store(client_ctx_.native_handle()),
                                  Identity().cert),
              1);
    client_ctx_.set_verify_mode(asio::ssl::verify_peer);
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
  }

  // Connects a client stream and accepts its server side; TCP only.
  void Connect() {
    tcp::socket client_socket(ioc_);
    client_socket.connect(acceptor_.local_endpoint());
    server_ = std::make_unique<Stream>(acceptor_.accept(), server_ctx_);
    client_ = std::make_unique<Stream>(std::move(client_socket), client_ctx_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(client_->native_handle()), "127.0.0.1");
  }

  // Both handshakes, run to completion.
  void Handshake() {
    Connect();
    error_code server_ec = asio::error::would_block, client_ec = asio::error::would_block;
    server_->async_handshake(TlsRole::kServer, [&](error_code ec) { server_ec = ec; });
    client_->async_handshake(TlsRole::kClient, [&](error_code ec) { client_ec = ec; });
    Run();
    ASSERT_FALSE(server_ec) << server_ec.message();
    ASSERT_FALSE(client_ec) << client_ec.message();
  }

  void Run() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_{1};
  asio::ssl::context server_ctx_{asio::ssl::context::tls_server};
  asio::ssl::context client_ctx_{asio::ssl::context::tls_client};
  tcp::acceptor acceptor_{ioc_};
  std::unique_ptr<Stream> server_;
  std::unique_ptr<Stream> client_;
};

TEST_F(TlsStreamTest, MovesLargeAndGatheredWritesBothWaysIntact) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  // Client to server: one buffer of many records and an odd tail.
  const std::vector<uint8_t> up = RandomBytes((5 << 20) + 3, 1);
  std::vector<uint8_t> got_up(up.size());
  error_code write_ec, read_ec;
  size_t written = 0, read = 0;
  asio::async_write(*client_, asio::buffer(up), [&](error_code ec, size_t n) {
    write_ec = ec;
    written = n;
  });
  asio::async_read(*server_, asio::buffer(got_up), [&](error_code ec, size_t n) {
    read_ec = ec;
    read = n;
  });
  Run();
  ASSERT_FALSE(write_ec) << write_ec.message();
  ASSERT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(written, up.size());
  EXPECT_EQ(read, up.size());
  EXPECT_EQ(got_up, up);

  // Server to client: a sequence of 200 small buffers (gathered, past one record's size) and
  // a large one, as an HTTP header and body come.
  const std::vector<uint8_t> down = RandomBytes(200 * 300 + (1 << 20), 2);
  std::vector<asio::const_buffer> pieces;
  for (size_t i = 0; i < 200; ++i) {
    pieces.emplace_back(down.data() + i * 300, 300);
  }
  pieces.emplace_back(down.data() + 200 * 300, 1 << 20);
  std::vector<uint8_t> got_down(down.size());
  asio::async_write(*server_, pieces, [&](error_code ec, size_t n) {
    write_ec = ec;
    written = n;
  });
  asio::async_read(*client_, asio::buffer(got_down), [&](error_code ec, size_t n) {
    read_ec = ec;
    read = n;
  });
  Run();
  ASSERT_FALSE(write_ec) << write_ec.message();
  ASSERT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(written, down.size());
  EXPECT_EQ(got_down, down);
}

TEST_F(TlsStreamTest, CompletionRunsAfterTheInitiatingCallEvenWhenDataIsBuffered) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  const std::vector<uint8_t> data = RandomBytes(100, 3);
  asio::async_write(*client_, asio::buffer(data), [](error_code, size_t) {});
  std::vector<uint8_t> first(10);
  asio::async_read(*server_, asio::buffer(first), [](error_code, size_t) {});
  Run();
  // The other 90 bytes are in OpenSSL's buffer now: the read finds them at once.
  std::vector<uint8_t> rest(90);
  bool done = false;
  size_t n = 0;
  server_->async_read_some(asio::buffer(rest), [&](error_code ec, size_t bytes) {
    EXPECT_FALSE(ec) << ec.message();
    n = bytes;
    done = true;
  });
  EXPECT_FALSE(done);
  Run();
  EXPECT_TRUE(done);
  EXPECT_EQ(n, 90u);
  EXPECT_TRUE(std::equal(rest.begin(), rest.end(), data.begin() + 10));
}

TEST_F(TlsStreamTest, ZeroLengthReadCompletesWithNothing) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  error_code result = asio::error::would_block;
  size_t n = 1;
  server_->async_read_some(asio::mutable_buffer(), [&](error_code ec, size_t bytes) {
    result = ec;
    n = bytes;
  });
  Run();
  EXPECT_FALSE(result);
  EXPECT_EQ(n, 0u);
}

TEST_F(TlsStreamTest, CloseNotifyReadsAsEof) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  error_code shutdown_ec = asio::error::would_block, read_ec;
  client_->async_shutdown([&](error_code ec) { shutdown_ec = ec; });
  std::vector<uint8_t> buf(16);
  server_->async_read_some(asio::buffer(buf), [&](error_code ec, size_t) { read_ec = ec; });
  Run();
  EXPECT_FALSE(shutdown_ec) << shutdown_ec.message();
  EXPECT_EQ(read_ec, asio::error::eof) << read_ec.message();
}

TEST_F(TlsStreamTest, TcpCloseWithoutCloseNotifyReadsAsTruncated) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  // A FIN without close_notify (closing with the server's session tickets unread would send a
  // reset instead).
  client_->next_layer().shutdown(tcp::socket::shutdown_send);
  error_code read_ec;
  std::vector<uint8_t> buf(16);
  server_->async_read_some(asio::buffer(buf), [&](error_code ec, size_t) { read_ec = ec; });
  Run();
  EXPECT_EQ(read_ec, asio::ssl::error::stream_truncated) << read_ec.message();
}

TEST_F(TlsStreamTest, ClosingTheSocketAbortsAPendingRead) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  error_code read_ec;
  std::vector<uint8_t> buf(16);
  server_->async_read_some(asio::buffer(buf), [&](error_code ec, size_t) { read_ec = ec; });
  asio::post(ioc_, [&] { server_->next_layer().close(); });
  Run();
  EXPECT_EQ(read_ec, asio::error::operation_aborted) << read_ec.message();
  // A stream whose socket is closed refuses further work without touching a descriptor.
  server_->async_read_some(asio::buffer(buf), [&](error_code ec, size_t) { read_ec = ec; });
  Run();
  EXPECT_EQ(read_ec, asio::error::bad_descriptor) << read_ec.message();
}

TEST_F(TlsStreamTest, WritingToAPeerThatLeftIsAnErrorNotASignal) {
  ASSERT_NO_FATAL_FAILURE(Handshake());
  client_->next_layer().close();
  const std::vector<uint8_t> data(1 << 20, 7);
  error_code write_ec;
  // The first writes may still land in the socket buffer; the peer's reset ends them.
  for (int i = 0; i < 64 && !write_ec; ++i) {
    asio::async_write(*server_, asio::buffer(data), [&](error_code ec, size_t) { write_ec = ec; });
    Run();
  }
  EXPECT_TRUE(write_ec == asio::error::broken_pipe || write_ec == asio::error::connection_reset)
      << write_ec.message();
}

TEST_F(TlsStreamTest, HandshakeWithAPlainTextPeerFailsWithATlsError) {
  tcp::socket plain(ioc_);
  plain.connect(acceptor_.local_endpoint());
  server_ = std::make_unique<Stream>(acceptor_.accept(), server_ctx_);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(plain, asio::buffer(request));
  error_code ec;
  server_->async_handshake(TlsRole::kServer, [&](error_code e) { ec = e; });
  Run();
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec.category(), asio::error::get_ssl_category()) << ec.message();
}

TEST_F(TlsStreamTest, ClientRefusesACertificateItDoesNotTrust) {
  asio::ssl::context strict{asio::ssl::context::tls_client};
  strict.set_verify_mode(asio::ssl::verify_peer);  // trusts nothing
  tcp::socket client_socket(ioc_);
  client_socket.connect(acceptor_.local_endpoint());
  server_ = std::make_unique<Stream>(acceptor_.accept(), server_ctx_);
  client_ = std::make_unique<Stream>(std::move(client_socket), strict);
  error_code client_ec, server_ec;
  server_->async_handshake(TlsRole::kServer, [&](error_code e) { server_ec = e; });
  client_->async_handshake(TlsRole::kClient, [&](error_code e) { client_ec = e; });
  Run();
  ASSERT_TRUE(client_ec);
  EXPECT_EQ(SSL_get_verify_result(client_->native_handle()),
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_TRUE(server_ec);  // the client's alert ends the server's handshake too
}

}  // namespace
}  // namespace gallery
