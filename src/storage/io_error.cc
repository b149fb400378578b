#include "storage/io_error.h"

#include <cerrno>
#include <string>
#include <system_error>

#include "common/log.h"

namespace gallery::storage {

Status PathlessIoError(std::string_view subject, std::string_view what,
                       const std::filesystem::path& path, int err) {
  const std::string os_error = std::error_code(err, std::system_category()).message();
  GLOG_WARN("{}: {} '{}': {}", subject, what, path.string(), os_error);
  std::string message = std::string(subject) + ": " + std::string(what) + ": " + os_error;
  if (err == ENOSPC || err == EDQUOT) {
    return Status::ResourceExhausted(std::move(message));
  }
  return Status::Unavailable(std::move(message));
}

}  // namespace gallery::storage
