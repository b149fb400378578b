#include "cli/upload_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "cli/file_io.h"
#include "common/file_util.h"
#include "common/resource_id.h"
#include "storage/chunk_digest.h"

namespace gallery::cli {

namespace {

using nlohmann::json;

// How much of each end of the file is hashed: enough to tell two images of one size apart
// (their footers and boot sectors differ) without reading a large file.
constexpr uint64_t kDigestBytes = uint64_t{1} << 20;
constexpr unsigned kJournalMode = 0600;

std::string DigestOfRange(int fd, const std::string& path, uint64_t offset, uint64_t length,
                          Status& status) {
  std::string bytes(length, '\0');
  status = ReadExactly(fd, path, offset, bytes);
  if (!status.ok()) {
    return "";
  }
  return storage::ToHex(
      storage::DigestOf(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
}

}  // namespace

json FileIdentity::ToJson() const {
  return {{"path", path},
          {"format", format},
          {"size", size},
          {"mtimeNs", mtime_ns},
          {"device", device},
          {"inode", inode},
          {"headSha256", head_sha256},
          {"tailSha256", tail_sha256}};
}

Result<FileIdentity> FileIdentity::FromJson(const json& j) {
  try {
    FileIdentity f;
    f.path = j.at("path").get<std::string>();
    f.format = j.at("format").get<std::string>();
    f.size = j.at("size").get<uint64_t>();
    f.mtime_ns = j.at("mtimeNs").get<int64_t>();
    f.device = j.at("device").get<uint64_t>();
    f.inode = j.at("inode").get<uint64_t>();
    f.head_sha256 = j.at("headSha256").get<std::string>();
    f.tail_sha256 = j.at("tailSha256").get<std::string>();
    return f;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("upload journal: ") + e.what());
  }
}

Result<FileIdentity> IdentifyFile(const std::string& path, const std::string& format) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  FileIdentity f;
  f.path = ec ? path : absolute.lexically_normal().string();
  f.format = format;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return FileError(path, "open");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status error = FileError(path, "stat");
    ::close(fd);
    return error;
  }
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  f.device = static_cast<uint64_t>(st.st_dev);
  f.inode = static_cast<uint64_t>(st.st_ino);
  const uint64_t length = std::min(f.size, kDigestBytes);
  Status status;
  f.head_sha256 = DigestOfRange(fd, path, 0, length, status);
  if (status.ok()) {
    f.tail_sha256 = DigestOfRange(fd, path, f.size - length, length, status);
  }
  ::close(fd);
  GALLERY_RETURN_IF_ERROR(status);
  return f;
}

std::optional<std::string> FileDifference(const FileIdentity& recorded, const FileIdentity& now) {
  auto differs = [](const std::string& what, const auto& is, const auto& was) {
    return what + " (" + is + ", was " + was + ")";
  };
  if (recorded.format != now.format) {
    return differs("its --format", now.format, recorded.format);
  }
  if (recorded.size != now.size) {
    return differs("its size", std::to_string(now.size) + " bytes",
                   std::to_string(recorded.size) + " bytes");
  }
  if (recorded.device != now.device || recorded.inode != now.inode) {
    return "it is another file (" + now.path + ", the upload started from " + recorded.path + ")";
  }
  if (recorded.head_sha256 != now.head_sha256 || recorded.tail_sha256 != now.tail_sha256) {
    return std::string("its content changed since the upload started");
  }
  if (recorded.mtime_ns != now.mtime_ns) {
    return std::string("it was modified since the upload started");
  }
  return std::nullopt;
}

UploadJournal::UploadJournal(std::filesystem::path config_dir)
    : dir_(std::move(config_dir) / "uploads") {}

std::filesystem::path UploadJournal::PathOf(const std::string& endpoint,
                                            const std::string& disk_id) const {
  const std::string key = endpoint + "\n" + ToLower(disk_id);
  return dir_ / (storage::ToHex(storage::DigestOf(
                     std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()))) +
                 ".json");
}

Status UploadJournal::Record(const std::string& endpoint, const std::string& disk_id,
                             const FileIdentity& file) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    return Status::Unavailable("cannot create " + dir_.string() + ": " + ec.message());
  }
  json record = {{"endpoint", endpoint}, {"diskId", disk_id}, {"file", file.ToJson()}};
  return WriteFileAtomic(PathOf(endpoint, disk_id), record.dump(2) + "\n", kJournalMode);
}

Result<std::optional<FileIdentity>> UploadJournal::Find(const std::string& endpoint,
                                                        const std::string& disk_id) const {
  const std::filesystem::path path = PathOf(endpoint, disk_id);
  Result<std::string> text = ReadFile(path);
  if (text.status().code() == StatusCode::kNotFound) {
    return std::optional<FileIdentity>();
  }
  GALLERY_RETURN_IF_ERROR(text.status());
  json record = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  Result<FileIdentity> file = Status::InvalidArgument("no 'file'");
  if (record.is_object() && record.contains("file")) {
    file = FileIdentity::FromJson(record["file"]);
  }
  if (!file.ok()) {
    return Status::DataLoss("The upload journal " + path.string() + " is damaged (" +
                            file.status().message() + "); delete it and start the upload over.");
  }
  return std::optional<FileIdentity>(std::move(*file));
}

Status UploadJournal::CheckResume(const std::string& endpoint, const std::string& disk_id,
                                  const FileIdentity& file, const std::string& start_over) const {
  GALLERY_ASSIGN_OR_RETURN(std::optional<FileIdentity> recorded, Find(endpoint, disk_id));
  if (!recorded.has_value()) {
    return Status::FailedPrecondition("No upload to '" + disk_id +
                                      "' was started from this machine (no record under " +
                                      dir_.string() +
                                      "), so --resume cannot tell whether the pages the disk holds "
                                      "are " +
                                      file.path + "'s. " + start_over)
        .WithReason("UploadNotResumable");
  }
  std::optional<std::string> difference = FileDifference(*recorded, file);
  if (difference.has_value()) {
    return Status::FailedPrecondition("--resume continues the upload of " + recorded->path +
                                      ", but " + file.path + " is not that file: " + *difference +
                                      ". " + start_over)
        .WithReason("UploadFileMismatch");
  }
  return Status::Ok();
}

Status UploadJournal::Remove(const std::string& endpoint, const std::string& disk_id) {
  std::error_code ec;
  std::filesystem::remove(PathOf(endpoint, disk_id), ec);
  if (ec) {
    return Status::Unavailable("cannot remove the upload journal " +
                               PathOf(endpoint, disk_id).string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace gallery::cli
