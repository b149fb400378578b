#include "test_image.h"

#include "storage/vhd_format.h"

namespace gallery::testing {

namespace {

constexpr uint64_t kPatternBytes = uint64_t{1} << 20;

Status Expect(const Result<HttpResult>& r, int status, const std::string& what) {
  if (!r.ok()) {
    return r.status();
  }
  if (r->status != status) {
    return Status::Internal(what + " answered " + std::to_string(r->status) + ": " + r->body);
  }
  return Status::Ok();
}

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
  const std::string path = "/blob/" + blob;
  HttpCall create{"PUT",
                  path,
                  {{"x-ms-blob-type", "PageBlob"},
                   {"x-ms-blob-content-length", std::to_string(vhd.size())},
                   {"x-ms-version", "2018-03-28"}},
                  ""};
  GALLERY_RETURN_IF_ERROR(Expect(client.Send(create), 201, "PUT " + path));
  // Only what is not zero: the pattern and the footer.
  const std::pair<uint64_t, uint64_t> pieces[] = {{0, kPatternBytes},
                                                  {kTestVhdDiskBytes, vhd.size() - kTestVhdDiskBytes}};
  for (const auto& [offset, length] : pieces) {
    HttpCall write{"PUT",
                   path + "?comp=page",
                   {{"x-ms-page-write", "update"},
                    {"x-ms-range", "bytes=" + std::to_string(offset) + "-" +
                                       std::to_string(offset + length - 1)},
                    {"x-ms-version", "2018-03-28"}},
                   vhd.substr(offset, length)};
    GALLERY_RETURN_IF_ERROR(Expect(client.Send(write), 201, "PUT " + path + "?comp=page"));
  }
  return endpoint + path;
}

}  // namespace gallery::testing
