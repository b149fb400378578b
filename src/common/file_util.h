#pragma once
// Crash-safe file writes and small-file reads.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery {

// Writes `contents` to `path` so that after a crash the file holds either its old contents or
// all of the new ones: write to a temporary name beside it, fsync, rename over `path`, fsync
// the directory. `mode` is applied to the new file (e.g. 0600 for secrets).
// Returns Unavailable with the OS error on failure; the old file is untouched. The message
// names the path, or, when `shown` is given, reads "{shown}: WHAT: OS error" and the path goes
// to the server's log instead (for messages that reach clients of a server).
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents,
                       unsigned mode = 0644, std::string_view shown = {});

// Reads a whole (small) file. NotFound when it does not exist; Unavailable on other errors.
// Messages name the file as WriteFileAtomic's do.
Result<std::string> ReadFile(const std::filesystem::path& path, std::string_view shown = {});

}  // namespace gallery
