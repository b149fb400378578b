#include "net/tls_connection.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <new>

namespace gallery {

namespace {

// Plaintext per record (TLS's maximum), so each SSL_write call makes exactly one record.
constexpr size_t kRecordBytes = 16 * 1024;
// OpenSSL's read buffer with read-ahead: several records per recv.
constexpr size_t kReadBufferBytes = 64 * 1024;

using SocketIo = TlsConnection::SocketIo;

SocketIo* IoOf(BIO* bio) { return static_cast<SocketIo*>(BIO_get_data(bio)); }

// One send or recv (`call`), repeated when a signal interrupts it, in a BIO's terms: 1 with
// *moved set, or 0 with the errno kept and, when the socket would block, the retry flag
// OpenSSL waits on. A recv of 0 is the peer's end of stream (BIO_CTRL_EOF then says so).
template <typename Call>
int SocketCall(BIO* bio, bool writing, size_t* moved, Call call) {
  SocketIo* io = IoOf(bio);
  BIO_clear_retry_flags(bio);
  ssize_t n;
  do {
    n = call(*io);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    io->error = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BIO_set_flags(bio, (writing ? BIO_FLAGS_WRITE : BIO_FLAGS_READ) | BIO_FLAGS_SHOULD_RETRY);
    }
    return 0;
  }
  if (n == 0 && !writing) {
    io->eof = true;
    return 0;
  }
  *moved = static_cast<size_t>(n);
  return 1;
}

int SocketWrite(BIO* bio, const char* data, size_t size, size_t* written) {
  return SocketCall(bio, true, written, [&](const SocketIo& io) {
    return ::send(io.fd, data, size, MSG_NOSIGNAL | (io.more ? MSG_MORE : 0));
  });
}

int SocketRead(BIO* bio, char* data, size_t size, size_t* read) {
  return SocketCall(bio, false, read,
                    [&](const SocketIo& io) { return ::recv(io.fd, data, size, 0); });
}

long SocketCtrl(BIO* bio, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:  // every write goes straight to the socket
      return 1;
    case BIO_CTRL_EOF:
      return IoOf(bio)->eof ? 1 : 0;
    default:
      return 0;
  }
}

int SocketCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// The BIO method, made once; OpenSSL keeps it for the life of the process.
const BIO_METHOD* SocketMethod() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gallery socket");
    if (m == nullptr || BIO_meth_set_write_ex(m, SocketWrite) != 1 ||
        BIO_meth_set_read_ex(m, SocketRead) != 1 || BIO_meth_set_ctrl(m, SocketCtrl) != 1 ||
        BIO_meth_set_create(m, SocketCreate) != 1) {
      throw std::bad_alloc();
    }
    return m;
  }();
  return method;
}

}  // namespace

TlsConnection::TlsConnection(SSL_CTX* ctx) {
  ssl_ = SSL_new(ctx);
  BIO* bio = ssl_ != nullptr ? BIO_new(SocketMethod()) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  BIO_set_data(bio, &io_);
  SSL_set_bio(ssl_, bio, bio);  // one reference, for both directions
  // A retried write may come from another address holding the same bytes (TlsStream's gathering
  // buffer or the caller's), and returns once a record is sent.
  SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_set_read_ahead(ssl_, 1);
  SSL_set_default_read_buffer_len(ssl_, kReadBufferBytes);
}

TlsConnection::~TlsConnection() { SSL_free(ssl_); }

// Before each OpenSSL call: SSL_get_error reads this thread's error queue and the BIO's errno.
void TlsConnection::Begin() {
  ERR_clear_error();
  io_.error = 0;
}

void TlsConnection::SetRole(bool server) {
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
}

TlsOutcome TlsConnection::Handshake() {
  Begin();
  const int ret = SSL_do_handshake(ssl_);
  return ret == 1 ? TlsOutcome{} : Failed(ret, 0);
}

TlsOutcome TlsConnection::Read(uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    Begin();
    size_t n = 0;
    const int ret = SSL_read_ex(ssl_, data + done, size - done, &n);
    if (ret != 1) {
      return Failed(ret, done);
    }
    done += n;
    if (SSL_has_pending(ssl_) == 0) {
      break;  // nothing more buffered: return rather than try the socket again
    }
  }
  return TlsOutcome{done};
}

TlsOutcome TlsConnection::Write(const uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const size_t piece = std::min(size - done, kRecordBytes);
    io_.more = done + piece < size;
    Begin();
    size_t n = 0;
    const int ret = SSL_write_ex(ssl_, data + done, piece, &n);
    if (ret != 1) {
      io_.more = false;
      return Failed(ret, done);
    }
    done += n;
  }
  io_.more = false;
  return TlsOutcome{done};
}

TlsOutcome TlsConnection::Shutdown() {
  Begin();
  const int ret = SSL_shutdown(ssl_);
  return ret >= 0 ? TlsOutcome{} : Failed(ret, 0);
}

// A call returned `ret` != 1 after moving `done` bytes. Bytes moved are reported first: a
// Want or an error then comes again on the next call (OpenSSL keeps a connection's fatal
// state and its close_notify).
TlsOutcome TlsConnection::Failed(int ret, size_t done) {
  const int code = SSL_get_error(ssl_, ret);
  if (done > 0) {
    ERR_clear_error();
    return TlsOutcome{done};
  }
  TlsOutcome out;
  switch (code) {
    case SSL_ERROR_WANT_READ:
      out.want = TlsOutcome::Want::kReadable;
      return out;
    case SSL_ERROR_WANT_WRITE:
      out.want = TlsOutcome::Want::kWritable;
      return out;
    case SSL_ERROR_ZERO_RETURN:
      out.error = boost::asio::error::eof;
      return out;
    case SSL_ERROR_SSL: {
      const unsigned long e = ERR_peek_error();
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        out.error = boost::asio::ssl::error::stream_truncated;
      } else {
        // A connection that failed before fails again with an empty error queue.
        const unsigned long first = ERR_get_error();
        out.error = first != 0 ? boost::system::error_code(static_cast<int>(first),
                                                           boost::asio::error::get_ssl_category())
                               : boost::asio::ssl::error::unexpected_result;
      }
      ERR_clear_error();
      return out;
    }
    default:  // SSL_ERROR_SYSCALL and anything else: the socket call's errno, if there was one
      ERR_clear_error();
      out.error = io_.error != 0 ? boost::system::error_code(io_.error,
                                                             boost::system::system_category())
                                 : boost::asio::ssl::error::stream_truncated;
      return out;
  }
}

}  // namespace gallery
