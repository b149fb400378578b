#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gallery {

namespace {

Status OsError(const std::string& what, const std::filesystem::path& path) {
  return Status::Unavailable(what + " '" + path.string() + "': " + std::strerror(errno));
}

Status FsyncPath(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return OsError("cannot open", path);
  }
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : OsError("cannot fsync", path);
}

}  // namespace

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents,
                       unsigned mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return OsError("cannot create", tmp);
  }
  ::fchmod(fd, mode);  // open() applies the umask; the caller's mode is the contract
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      Status s = OsError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = OsError("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = OsError("cannot rename into", path);
    ::unlink(tmp.c_str());
    return s;
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  return FsyncPath(dir, O_RDONLY | O_DIRECTORY);
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) {
      return Status::NotFound("no file '" + path.string() + "'");
    }
    return OsError("cannot read", path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace gallery
