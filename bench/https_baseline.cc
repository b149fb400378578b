// https_baseline: a benchmark-only HTTPS server that answers every request with one constant
// JSON body, through the same HttpsServer class as galleryd (src/api/https_server.h).
//
// bench/run.sh measures it next to galleryd at the same connection counts, so that
// "galleryd / baseline" isolates what ARM routing, the service layer and SQLite cost on top of
// TLS, HTTP parsing and the socket work both share.
//
//   https_baseline --tls-dir DIR [--port 0] [--body-bytes N] [--threads 0]
//
// Prints "https_baseline listening on https://127.0.0.1:PORT/" once it serves; stops on
// SIGINT/SIGTERM.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "api/http_types.h"
#include "api/https_server.h"
#include "api/tls_material.h"

namespace {

// A valid JSON object of exactly `bytes` bytes (at least 12): {"pad":"xxx...x"}.
std::string JsonBodyOfSize(size_t bytes) {
  const std::string head = R"({"pad":")";
  const std::string tail = R"("})";
  if (bytes < head.size() + tail.size()) {
    bytes = head.size() + tail.size();
  }
  return head + std::string(bytes - head.size() - tail.size(), 'x') + tail;
}

[[noreturn]] void Usage(const char* why) {
  std::cerr << "https_baseline: " << why << "\n"
            << "usage: https_baseline --tls-dir DIR [--port N] [--body-bytes N] [--threads N]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string tls_dir;
  long port = 0;
  long body_bytes = 1024;
  long threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      Usage(("missing value after " + arg).c_str());
    }
    const char* value = argv[++i];
    if (arg == "--tls-dir") {
      tls_dir = value;
    } else if (arg == "--port") {
      port = std::strtol(value, nullptr, 10);
    } else if (arg == "--body-bytes") {
      body_bytes = std::strtol(value, nullptr, 10);
    } else if (arg == "--threads") {
      threads = std::strtol(value, nullptr, 10);
    } else {
      Usage(("unknown option " + arg).c_str());
    }
  }
  if (tls_dir.empty()) {
    Usage("--tls-dir is required");
  }
  if (port < 0 || port > 65535 || body_bytes < 0 || body_bytes > (64L << 20) || threads < 0 ||
      threads > 256) {
    Usage("a value is out of range");
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  gallery::Result<gallery::TlsMaterial> tls = gallery::LoadOrCreateTlsMaterial(tls_dir);
  if (!tls.ok()) {
    std::cerr << "https_baseline: cannot prepare TLS: " << tls.status().message() << "\n";
    return 1;
  }

  const std::string body = JsonBodyOfSize(static_cast<size_t>(body_bytes));
  gallery::ServerOptions options;
  options.port = static_cast<uint16_t>(port);
  options.threads = static_cast<int>(threads);
  gallery::Result<std::unique_ptr<gallery::HttpsServer>> server = gallery::HttpsServer::Start(
      options, *tls, [&body](gallery::HttpRequest&& req, const gallery::RequestInfo&) {
        gallery::HttpResponse res{boost::beast::http::status::ok, req.version()};
        res.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
        res.body() = body;
        return res;
      });
  if (!server.ok()) {
    std::cerr << "https_baseline: cannot listen: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "https_baseline listening on https://127.0.0.1:" << (*server)->port() << "/\n"
            << "  body bytes    " << body.size() << "\n"
            << std::flush;

  int received = 0;
  sigwait(&stop_signals, &received);
  (*server)->Stop();
  return 0;
}
