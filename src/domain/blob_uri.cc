#include "domain/blob_uri.h"

#include <optional>

#include "common/resource_id.h"

namespace gallery::domain {

namespace {

constexpr std::string_view kBlobPrefix = "/blob/";

Status BadName(std::string_view what, std::string_view value, std::string_view rule) {
  return Status::InvalidArgument("The " + std::string(what) + " name '" + std::string(value) +
                                 "' is not valid: " + std::string(rule))
      .WithReason("InvalidResourceName");
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// %XX sequences decoded; nullopt for a malformed one.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Status BadUri(std::string_view path) {
  return Status::InvalidArgument("The path '" + std::string(path) +
                                 "' does not name a blob: expected "
                                 "/blob/{account}/{container}/{blob}.")
      .WithReason("InvalidUri");
}

}  // namespace

Status ValidateStorageAccountName(std::string_view name) {
  if (name.size() < 3 || name.size() > 24) {
    return BadName("storage account", name, "it must be 3 to 24 characters long.");
  }
  for (char c : name) {
    if (!IsLowerAlnum(c)) {
      return BadName("storage account", name,
                     "only lower-case letters and digits are allowed.");
    }
  }
  return Status::Ok();
}

Status ValidateContainerName(std::string_view name) {
  constexpr std::string_view kRule =
      "it must be 3 to 63 lower-case letters, digits and '-', start and end with a letter or "
      "digit, and have no two '-' in a row.";
  if (name.size() < 3 || name.size() > 63 || !IsLowerAlnum(name.front()) ||
      !IsLowerAlnum(name.back()) || name.find("--") != std::string_view::npos) {
    return BadName("container", name, kRule);
  }
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') {
      return BadName("container", name, kRule);
    }
  }
  return Status::Ok();
}

Status ValidateBlobName(std::string_view name) {
  constexpr std::string_view kRule =
      "it must be 1 to 1024 characters, without control characters or '\\', and no path "
      "segment may be empty, '.' or '..'.";
  if (name.empty() || name.size() > 1024) {
    return BadName("blob", name, kRule);
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
      return BadName("blob", name, kRule);
    }
  }
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = name.find('/', start);
    const std::string_view segment =
        name.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                           : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return BadName("blob", name, kRule);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return Status::Ok();
}

Result<BlobLocation> ParseBlobPath(std::string_view path) {
  if (path.substr(0, kBlobPrefix.size()) != kBlobPrefix) {
    return BadUri(path);
  }
  const std::string_view rest = path.substr(kBlobPrefix.size());
  const size_t first = rest.find('/');
  const size_t second = first == std::string_view::npos ? first : rest.find('/', first + 1);
  if (second == std::string_view::npos) {
    return BadUri(path);
  }
  BlobLocation at;
  std::optional<std::string> account = PercentDecode(rest.substr(0, first));
  std::optional<std::string> container = PercentDecode(rest.substr(first + 1, second - first - 1));
  std::optional<std::string> blob = PercentDecode(rest.substr(second + 1));
  if (!account || !container || !blob) {
    return BadUri(path);
  }
  GALLERY_RETURN_IF_ERROR(ValidateStorageAccountName(*account));
  GALLERY_RETURN_IF_ERROR(ValidateContainerName(*container));
  GALLERY_RETURN_IF_ERROR(ValidateBlobName(*blob));
  at.account = std::move(*account);
  at.container = std::move(*container);
  at.blob = std::move(*blob);
  return at;
}

Result<BlobLocation> ParseServedBlobUri(std::string_view uri,
                                        const std::vector<std::string>& endpoints,
                                        std::string_view field) {
  std::string_view without_query = uri.substr(0, uri.find_first_of("?#"));
  for (const std::string& endpoint : endpoints) {
    if (without_query.size() > endpoint.size() &&
        EqualsIgnoreCase(without_query.substr(0, endpoint.size()), endpoint) &&
        without_query[endpoint.size()] == '/') {
      Result<BlobLocation> at = ParseBlobPath(without_query.substr(endpoint.size()));
      if (!at.ok()) {
        return Status::InvalidArgument("The blob URI '" + std::string(uri) + "' of " +
                                           std::string(field) + " is not valid: " +
                                           at.status().message(),
                                       std::string(field))
            .WithReason("InvalidParameter");
      }
      return at;
    }
  }
  const std::string ours = endpoints.empty() ? std::string("https://HOST:PORT") : endpoints[0];
  return Status::InvalidArgument(
             "The blob URI '" + std::string(uri) + "' of " + std::string(field) +
                 " is not on this server's blob endpoint: upload the VHD as a page blob to " +
                 ours + "/blob/{account}/{container}/{blob} (gallery storage blob upload) and "
                 "name that URI.",
             std::string(field))
      .WithReason("InvalidParameter");
}

std::string BlobUri(std::string_view endpoint, const BlobLocation& at) {
  return std::string(endpoint) + std::string(kBlobPrefix) + at.account + "/" + at.container +
         "/" + at.blob;
}

}  // namespace gallery::domain
