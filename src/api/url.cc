#include "api/url.h"

#include "common/resource_id.h"

namespace gallery::api {

namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the percent-decoding of `in` to `out`. Returns null, or what is wrong with an escape.
const char* DecodeInto(std::string_view in, bool plus_is_space, std::string& out) {
  // find() of one character is a memchr; find_first_of would search per character.
  if (in.find('%') == std::string_view::npos &&
      (!plus_is_space || in.find('+') == std::string_view::npos)) {
    out.append(in);  // nothing to decode: the common case
    return nullptr;
  }
  out.reserve(out.size() + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return "The request URI has a truncated escape sequence.";
      }
      int hi = Hex(in[i + 1]);
      int lo = Hex(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return "The request URI has an invalid escape sequence.";
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return nullptr;
}

// True for well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsUtf8(std::string_view s) {
  static constexpr uint32_t kMinCodePoint[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char lead = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (lead < 0x80) {
      extra = 0;
    } else if ((lead >> 5) == 0x6) {
      extra = 1;
    } else if ((lead >> 4) == 0xe) {
      extra = 2;
    } else if ((lead >> 3) == 0x1e) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= s.size() && extra > 0) {
      return false;  // truncated sequence
    }
    uint32_t cp = extra == 0 ? lead : lead & (0x3fu >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cont & 0x3f);
    }
    if (cp < kMinCodePoint[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// A decoded path segment names one thing: no '/', no control characters, valid UTF-8.
Status CheckSegment(std::string_view segment) {
  for (unsigned char c : segment) {
    if (c == '/' || c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
                 "The request URI has a path segment with a '/' or a control character once "
                 "decoded; resource names may not contain them.")
          .WithReason("InvalidUri");
    }
  }
  if (!IsUtf8(segment)) {
    return Status::InvalidArgument("The request URI is not valid UTF-8 once decoded.")
        .WithReason("InvalidUri");
  }
  return Status::Ok();
}

}  // namespace

std::string Target::Query(std::string_view name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

Result<Target> ParseTarget(std::string_view target) {
  Target out;
  out.segments.reserve(12);
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    if (slash > pos) {
      std::string& seg = out.segments.emplace_back();
      if (const char* bad = DecodeInto(path.substr(pos, slash - pos), false, seg)) {
        return Status::InvalidArgument(bad).WithReason("InvalidUri");
      }
      GALLERY_RETURN_IF_ERROR(CheckSegment(seg));
    }
    pos = slash + 1;
  }
  if (q == std::string_view::npos) {
    return out;
  }
  std::string_view query = target.substr(q + 1);
  pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) {
      amp = query.size();
    }
    std::string_view pair = query.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    std::string name;
    std::string value;
    const char* bad = DecodeInto(pair.substr(0, eq), true, name);
    if (bad == nullptr && eq != std::string_view::npos) {
      bad = DecodeInto(pair.substr(eq + 1), true, value);
    }
    if (bad != nullptr) {
      return Status::InvalidArgument(bad).WithReason("InvalidUri");
    }
    if (!name.empty()) {
      out.query[ToLower(name)] = std::move(value);
    }
    pos = amp + 1;
  }
  return out;
}

bool PathIsOrUnder(std::string_view target, std::string_view prefix) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path.size() >= prefix.size() && EqualsIgnoreCase(path.substr(0, prefix.size()), prefix) &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace gallery::api
