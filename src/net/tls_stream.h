#pragma once
// TlsStream<Socket>: a TLS stream for Asio and Beast over a TCP socket, with OpenSSL reading and
// writing the socket itself (tls_connection.h says what that saves). It models AsyncReadStream
// and AsyncWriteStream; beast::get_lowest_layer reaches the socket.
//
//   TlsStream<tcp::socket> stream(std::move(socket), ssl_context);
//   stream.async_handshake(TlsRole::kServer, handler);
//   http::async_read(stream, buffer, parser, handler);
//
// Contract: at most one read and one write outstanding at a time (as for any stream), and the
// socket's executor is run by one thread (an io_context per thread, or the caller's own loop):
// the operations wait for readiness with socket.async_wait after OpenSSL found the socket empty
// or full, which is race-free only when no other thread takes the reactor's events meanwhile.
// Closing the socket (e.g. at a deadline) ends pending operations with operation_aborted.
// Completions never run inside the initiating call. Errors are Asio's: eof after the peer's
// close_notify, ssl::error::stream_truncated when TCP closed without one, system errors of the
// socket, and the ssl category for TLS failures.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "net/tls_connection.h"

namespace gallery {

enum class TlsRole { kClient, kServer };

template <class Socket>
class TlsStream {
 public:
  using executor_type = typename Socket::executor_type;
  using next_layer_type = Socket;

  TlsStream(Socket socket, boost::asio::ssl::context& context)
      : socket_(std::move(socket)), tls_(context.native_handle()) {}
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  Socket& next_layer() noexcept { return socket_; }
  const Socket& next_layer() const noexcept { return socket_; }
  // For settings before the handshake (host name, verification).
  SSL* native_handle() { return tls_.native_handle(); }

  // Handler: void(boost::system::error_code).
  template <class Handler>
  auto async_handshake(TlsRole role, Handler&& handler) {
    tls_.SetRole(role == TlsRole::kServer);
    return boost::asio::async_compose<Handler, void(boost::system::error_code)>(
        Op<HandshakeStep, false>{*this, HandshakeStep{}}, handler, socket_);
  }

  // Sends close_notify; does not wait for the peer's. Handler: void(boost::system::error_code).
  template <class Handler>
  auto async_shutdown(Handler&& handler) {
    return boost::asio::async_compose<Handler, void(boost::system::error_code)>(
        Op<ShutdownStep, false>{*this, ShutdownStep{}}, handler, socket_);
  }

  // Reads into the first non-empty buffer. Handler: void(boost::system::error_code, size_t).
  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && first.size() == 0; ++it) {
      first = *it;
    }
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(
        Op<ReadStep, true>{*this, ReadStep{static_cast<uint8_t*>(first.data()), first.size()}},
        handler, socket_);
  }

  // Writes from the buffers: small leading buffers (an HTTP header and a small body) are
  // gathered into one record; a buffer of a record or more is sent from where it lies.
  // Handler: void(boost::system::error_code, size_t).
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    WriteStep step{nullptr, 0};
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    while (it != end && boost::asio::const_buffer(*it).size() == 0) {
      ++it;
    }
    if (it != end && boost::asio::const_buffer(*it).size() >= kGatherBytes) {
      const boost::asio::const_buffer first(*it);
      step = WriteStep{static_cast<const uint8_t*>(first.data()), first.size()};
    } else if (it != end) {
      gathered_.resize(kGatherBytes);
      size_t size = 0;
      for (; it != end && size < kGatherBytes; ++it) {
        size += boost::asio::buffer_copy(boost::asio::buffer(gathered_.data() + size,
                                                             kGatherBytes - size),
                                         boost::asio::const_buffer(*it));
      }
      step = WriteStep{gathered_.data(), size};
    }
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(
        Op<WriteStep, true>{*this, step}, handler, socket_);
  }

 private:
  // One TLS record's plaintext: smaller leading buffers are gathered up to this size.
  static constexpr size_t kGatherBytes = 16 * 1024;

  struct HandshakeStep {
    TlsOutcome operator()(TlsConnection& tls) const { return tls.Handshake(); }
  };
  struct ShutdownStep {
    TlsOutcome operator()(TlsConnection& tls) const { return tls.Shutdown(); }
  };
  struct ReadStep {
    uint8_t* data;
    size_t size;
    TlsOutcome operator()(TlsConnection& tls) const { return tls.Read(data, size); }
  };
  struct WriteStep {
    const uint8_t* data;
    size_t size;
    TlsOutcome operator()(TlsConnection& tls) const { return tls.Write(data, size); }
  };

  // Calls `step` until it no longer waits for the socket; between calls, waits for the
  // readiness it asked for. A result found at once is delivered through a post.
  template <class Step, bool kWithBytes>
  struct Op {
    TlsStream& stream;
    Step step;
    bool waited = false;
    bool have_result = false;
    TlsOutcome result;

    template <class Self>
    void operator()(Self& self, boost::system::error_code wait_error = {}) {
      if (have_result) {
        return Complete(self);
      }
      if (wait_error) {
        result.error = wait_error;
        return Complete(self);
      }
      if (!stream.socket_.is_open()) {
        result.error = boost::asio::error::bad_descriptor;
      } else {
        stream.tls_.set_fd(stream.socket_.native_handle());
        boost::system::error_code ec;
        if (!stream.socket_.non_blocking()) {  // once per socket: the setter is a system call
          stream.socket_.non_blocking(true, ec);
        }
        result = ec ? TlsOutcome{0, TlsOutcome::Want::kNothing, ec} : step(stream.tls_);
      }
      switch (result.want) {
        case TlsOutcome::Want::kReadable:
          waited = true;
          return stream.socket_.async_wait(Socket::wait_read, std::move(self));
        case TlsOutcome::Want::kWritable:
          waited = true;
          return stream.socket_.async_wait(Socket::wait_write, std::move(self));
        case TlsOutcome::Want::kNothing:
          break;
      }
      if (!waited) {  // still inside the initiating call
        have_result = true;
        return boost::asio::post(stream.socket_.get_executor(), std::move(self));
      }
      Complete(self);
    }

    template <class Self>
    void Complete(Self& self) {
      if constexpr (kWithBytes) {
        self.complete(result.error, result.bytes);
      } else {
        self.complete(result.error);
      }
    }
  };

  Socket socket_;
  TlsConnection tls_;
  std::vector<uint8_t> gathered_;  // a write's small leading buffers, as one record
};

}  // namespace gallery
