#pragma once
// UploadJournal: what `gallery disk upload` remembers about an upload in progress, so that
// `--resume` continues it only with the file it started with. The server keeps the pages an
// interrupted upload wrote; resuming with another file of the same size would send only the
// pieces the page list lacks and seal a mix of two files.
//
//   GALLERY_ASSIGN_OR_RETURN(FileIdentity file, IdentifyFile("disk.vhd", "vhd"));
//   UploadJournal journal(config_dir);
//   GALLERY_RETURN_IF_ERROR(journal.Record(endpoint, disk_id, file));  // a new upload
//   ...
//   GALLERY_RETURN_IF_ERROR(journal.CheckResume(endpoint, disk_id, file, start_over));
//   ...
//   GALLERY_RETURN_IF_ERROR(journal.Remove(endpoint, disk_id));  // sealed
//
// One JSON file per upload under `<config dir>/uploads/`, named by the SHA-256 of the server's
// endpoint and the disk's resource id (lower case), written crash-safely (WriteFileAtomic).
// Thread-compatible.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace gallery::cli {

// The identity of a local file: where it is, what it is on its file system, and a digest of
// its first and last MiB (or of the whole file, when smaller).
struct FileIdentity {
  std::string path;    // absolute
  std::string format;  // "vhd" or "raw": how it is read (--format)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t device = 0;
  uint64_t inode = 0;
  std::string head_sha256;  // hex, of bytes [0, min(size, 1 MiB))
  std::string tail_sha256;  // hex, of the last min(size, 1 MiB) bytes

  nlohmann::json ToJson() const;
  // InvalidArgument naming the missing or mistyped field.
  static Result<FileIdentity> FromJson(const nlohmann::json& j);
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// Stats and reads `path`. NotFound when it does not exist; Unavailable when it cannot be read.
Result<FileIdentity> IdentifyFile(const std::string& path, const std::string& format);

// The first property in which `now` differs from `recorded`, as "its size (A, was B)";
// nullopt when they are the same file. A file moved (same device and inode, other path) is
// the same file.
std::optional<std::string> FileDifference(const FileIdentity& recorded, const FileIdentity& now);

class UploadJournal {
 public:
  explicit UploadJournal(std::filesystem::path config_dir);

  // Records that the disk `disk_id` of the server at `endpoint` is being uploaded from `file`,
  // replacing any earlier record. Unavailable when the file cannot be written.
  Status Record(const std::string& endpoint, const std::string& disk_id, const FileIdentity& file);
  // The record of the disk's upload; nullopt when there is none. Unavailable when it cannot be
  // read, DataLoss when it is not a journal.
  Result<std::optional<FileIdentity>> Find(const std::string& endpoint,
                                           const std::string& disk_id) const;
  // Ok when `file` is the one the recorded upload started with. FailedPrecondition
  // (UploadNotResumable) when no upload of the disk is recorded, (UploadFileMismatch) when the
  // file differs, each message naming the file, the difference and ending with `start_over`.
  Status CheckResume(const std::string& endpoint, const std::string& disk_id,
                     const FileIdentity& file, const std::string& start_over) const;
  // Removes the record (Ok when there is none).
  Status Remove(const std::string& endpoint, const std::string& disk_id);

 private:
  std::filesystem::path PathOf(const std::string& endpoint, const std::string& disk_id) const;

  std::filesystem::path dir_;
};

}  // namespace gallery::cli
