#pragma once
// Crash-safe file writes and small-file reads.

#include <filesystem>
#include <string>

#include "common/result.h"

namespace gallery {

// Writes `contents` to `path` so that after a crash the file holds either its old contents or
// all of the new ones: write to a temporary name beside it, fsync, rename over `path`, fsync
// the directory. `mode` is applied to the new file (e.g. 0600 for secrets).
// Returns Unavailable naming the path and the OS error on failure; the old file is untouched.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents,
                       unsigned mode = 0644);

// Reads a whole (small) file. NotFound when it does not exist; Unavailable on other errors.
Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace gallery
