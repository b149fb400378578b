#include "test_image.h"

#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "client/page_blob_client.h"
#include "storage/vhd_format.h"

namespace gallery::testing {

namespace {

constexpr uint64_t kPatternBytes = uint64_t{1} << 20;

}  // namespace

std::string SmallFixedVhd() {
  std::string bytes(kTestVhdDiskBytes, '\0');
  for (uint64_t i = 0; i < kPatternBytes; ++i) {
    bytes[i] = static_cast<char>((i * 131 + 7) % 251);
  }
  storage::VhdUniqueId id{};
  id[0] = 0x42;
  const auto footer = storage::SerializeVhdFooter(
      storage::FixedFooterFor(kTestVhdDiskBytes, std::nullopt, 1'700'000'000'000, id));
  bytes.append(reinterpret_cast<const char*>(footer.data()), footer.size());
  return bytes;
}

Result<std::string> UploadTestVhd(HttpTransport& client, const std::string& endpoint,
                                  const std::string& blob) {
  const std::string vhd = SmallFixedVhd();
  const std::string url = endpoint + "/blob/" + blob;
  PageBlobClient page_blob(client, url);
  GALLERY_RETURN_IF_ERROR(page_blob.Create(vhd.size()));
  // Only what is not zero: the pattern and the footer.
  const std::pair<uint64_t, uint64_t> pieces[] = {{0, kPatternBytes},
                                                  {kTestVhdDiskBytes, vhd.size() - kTestVhdDiskBytes}};
  for (const auto& [offset, length] : pieces) {
    GALLERY_RETURN_IF_ERROR(page_blob.PutPages(offset, vhd.substr(offset, length)));
  }
  return url;
}

Status WriteRawTestDisk(const std::string& path, uint64_t size, uint64_t seed,
                        const std::vector<uint64_t>& offsets) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::Unavailable("cannot create " + path);
  }
  bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
  std::mt19937_64 rng(seed);
  std::string block(kPatternBytes, '\0');
  for (uint64_t offset : offsets) {
    for (char& c : block) {
      c = static_cast<char>(rng());
    }
    ok = ok && ::pwrite(fd, block.data(), block.size(), static_cast<off_t>(offset)) ==
                   static_cast<ssize_t>(block.size());
  }
  ok = ::close(fd) == 0 && ok;
  return ok ? Status::Ok() : Status::Unavailable("cannot write " + path);
}

}  // namespace gallery::testing
