#pragma once
// TlsConnection: one TLS connection whose OpenSSL object reads and writes a non-blocking socket
// itself, one call at a time, saying what it waits for instead of blocking. TlsStream
// (tls_stream.h) drives it with Asio; this part holds every OpenSSL call.
//
// What it does differently from Asio's ssl::stream, and why (uploads move GiBs through it):
//   - no memory BIO pair between OpenSSL and the socket: Asio copies every received byte into
//     its buffer, then into the BIO, and every sent byte out of the BIO, one 16 KiB record per
//     socket call; here OpenSSL's own buffers meet the socket;
//   - reads ahead into a 64 KiB buffer, so one recv takes several records;
//   - a large write is sent record by record with MSG_MORE on all but the last, so the kernel
//     sends the records of one write in large segments;
//   - sends with MSG_NOSIGNAL: a peer that went away is an EPIPE error, never a SIGPIPE.
//
// Not thread-safe: the owner serializes every call (TlsStream runs them on one executor).

#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace gallery {

// What a call did: `bytes` moved, or what it waits for, or `error`.
struct TlsOutcome {
  enum class Want { kNothing, kReadable, kWritable };
  size_t bytes = 0;
  Want want = Want::kNothing;
  boost::system::error_code error;
};

class TlsConnection {
 public:
  // A connection of `ctx` (a client or server context). Throws std::bad_alloc when OpenSSL
  // cannot allocate it, as Asio's ssl::stream does.
  explicit TlsConnection(SSL_CTX* ctx);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  SSL* native_handle() { return ssl_; }

  // The socket every following call uses: set before each call, so a closed and reused
  // descriptor number is never read. The socket must be non-blocking.
  void set_fd(int fd) { io_.fd = fd; }

  // Each returns bytes > 0 (Read, Write), or Want (call again once the socket is ready), or an
  // error: eof for a close_notify, stream_truncated for a TCP close without one (as Asio).
  // Once, before the first Handshake (setting the role again would restart it).
  void SetRole(bool server);
  TlsOutcome Handshake();
  // Decrypts into [data, data + size): as much as has arrived, up to size.
  TlsOutcome Read(uint8_t* data, size_t size);
  // Encrypts and sends from [data, data + size), record by record, until the socket is full.
  // After a Want, the next call must start with the same bytes (TlsStream does).
  TlsOutcome Write(const uint8_t* data, size_t size);
  // Sends close_notify; does not wait for the peer's.
  TlsOutcome Shutdown();

  // What the socket BIO sees of the connection (tls_connection.cc).
  struct SocketIo {
    int fd = -1;
    bool more = false;  // more records of this write follow: send with MSG_MORE
    bool eof = false;   // the peer closed TCP
    int error = 0;      // errno of the last failed socket call
  };

 private:
  void Begin();
  TlsOutcome Failed(int ret, size_t done);

  SSL* ssl_ = nullptr;
  SocketIo io_;
};

}  // namespace gallery
