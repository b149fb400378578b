// `gallery`: the command-line client. Wires the real transport (HTTPS), randomness, sleeper
// and configuration directory into the CLI; everything else lives in src/cli and src/client.

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "client/https_transport.h"
#include "client/profile.h"
#include "client/sleeper.h"
#include "common/random.h"

int main(int argc, char** argv) {
  // Transfers allocate a 4 MiB buffer per piece. Served from fresh pages each time (mmap, or a
  // heap trimmed after every free), they cost more to fault in than the transfer itself did.
  // Pieces below the mmap threshold (at most 32 MiB in glibc) come from the heap, and a high
  // trim threshold keeps freed pieces for reuse. Memory stays bounded by the peak (pieces in
  // flight). Failing to set either is harmless: the defaults are slower, not wrong.
  (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
  (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::unique_ptr<gallery::Random> random = gallery::NewSystemRandom();
  gallery::RealSleeper sleeper;

  gallery::cli::CliEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.config_dir =
      gallery::ConfigDirFromEnvironment(std::getenv("GALLERY_CONFIG_DIR"), std::getenv("HOME"));
  env.make_transport =
      [](const std::string& endpoint,
         const std::string& ca_file) -> gallery::Result<std::unique_ptr<gallery::HttpTransport>> {
    gallery::HttpsTransportOptions options;
    options.endpoint = endpoint;
    options.ca_file = ca_file;
    GALLERY_ASSIGN_OR_RETURN(auto transport, gallery::HttpsTransport::Create(options));
    return std::unique_ptr<gallery::HttpTransport>(std::move(transport));
  };
  env.random = random.get();
  env.sleeper = &sleeper;
  env.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;

  std::vector<std::string> args(argv + 1, argv + argc);
  return gallery::cli::RunGallery(args, env);
}
