#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace gallery {

namespace {

// `what` names the file in the path's place ("cannot open its folder") when `shown` is given.
Status OsError(const std::string& what, const std::filesystem::path& path, std::string_view shown,
               int err = errno) {
  const char* os_error = std::strerror(err);
  if (shown.empty()) {
    return Status::Unavailable(what + " '" + path.string() + "': " + os_error);
  }
  GLOG_WARN("{}: {} ('{}'): {}", shown, what, path.string(), os_error);
  return Status::Unavailable(std::string(shown) + ": " + what + ": " + os_error);
}

// The words for a file in an error: its path follows them, or, when `shown` is given, they say
// which of its files it is.
std::string Named(std::string_view shown, const char* plain, const char* named) {
  return shown.empty() ? plain : named;
}

Status FsyncPath(const std::filesystem::path& path, int flags, std::string_view shown) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return OsError(Named(shown, "cannot open", "cannot open its folder"), path, shown);
  }
  int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0
             ? Status::Ok()
             : OsError(Named(shown, "cannot fsync", "cannot flush its folder"), path, shown, err);
}

}  // namespace

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents, unsigned mode,
                       std::string_view shown) {
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return OsError(Named(shown, "cannot create", "cannot create its temporary file"), tmp, shown);
  }
  ::fchmod(fd, mode);  // open() applies the umask; the caller's mode is the contract
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      Status s =
          OsError(Named(shown, "cannot write", "cannot write its temporary file"), tmp, shown);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = OsError(Named(shown, "cannot fsync", "cannot flush its temporary file"), tmp, shown);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = OsError(Named(shown, "cannot rename into", "cannot replace it"), path, shown);
    ::unlink(tmp.c_str());
    return s;
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  return FsyncPath(dir, O_RDONLY | O_DIRECTORY, shown);
}

Result<std::string> ReadFile(const std::filesystem::path& path, std::string_view shown) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) {
      return Status::NotFound(shown.empty() ? "no file '" + path.string() + "'"
                                            : std::string(shown) + ": no such file");
    }
    return OsError(Named(shown, "cannot read", "cannot read it"), path, shown);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace gallery
