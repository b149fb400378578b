#pragma once
// Positioned reads and writes of local files for disk transfers, with errors as Status values
// naming the file and the OS error. Thread-safe (pread/pwrite) on a shared descriptor.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gallery::cli {

// The Status of a failed file operation from errno: NotFound for ENOENT, else Unavailable;
// the message is "cannot WHAT PATH: strerror".
Status FileError(const std::string& path, std::string_view what);

// Reads exactly out.size() bytes at `offset`; Unavailable on errors and at an early end of file.
Status ReadExactly(int fd, const std::string& path, uint64_t offset, std::span<char> out);

// Writes all of `bytes` at `offset`.
Status WriteExactly(int fd, const std::string& path, uint64_t offset, std::string_view bytes);

}  // namespace gallery::cli
