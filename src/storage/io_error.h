#pragma once
// The errors of a storage object's files, worded for clients: they name the object, never a
// path (messages reach clients: an operation's error, a disk PUT's error), and the path goes
// to the server's log. Chunk stores (StoreIoError) and blobs (BlobIoError) word theirs so.
//
//   return PathlessIoError("chunk store 'westus'", "cannot flush a pack", path, errno);

#include <filesystem>
#include <string_view>

#include "common/status.h"

namespace gallery::storage {

// "{subject}: {what}: {OS error}": ResourceExhausted for a full disk or quota, else
// Unavailable; logs "{subject}: {what} '{path}': {OS error}".
Status PathlessIoError(std::string_view subject, std::string_view what,
                       const std::filesystem::path& path, int err);

}  // namespace gallery::storage
