#include "api/tls_material.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/file_util.h"
#include "common/log.h"

namespace gallery {

namespace {

namespace fs = std::filesystem;

constexpr char kCaCertFile[] = "ca.pem";
constexpr char kCaKeyFile[] = "ca.key";
constexpr char kServerCertFile[] = "server.pem";
constexpr char kServerKeyFile[] = "server.key";

constexpr unsigned kKeyFileMode = 0600;
constexpr unsigned kCertFileMode = 0644;
constexpr int kCaValidityDays = 3650;
constexpr int kServerValidityDays = 825;
// A server certificate this close to expiry is re-issued at the next start.
constexpr int64_t kRenewBeforeSeconds = int64_t{30} * 24 * 3600;
// notBefore lies a little in the past so that clients with a slow clock accept a new cert.
constexpr long kBackdateSeconds = 5 * 60;
constexpr int kSerialBits = 128;
constexpr char kOrganization[] = "Gallery";
constexpr char kCaCommonName[] = "Gallery Local CA";
constexpr char kServerCommonName[] = "Gallery Server";
constexpr size_t kMaxDnsNameLength = 253;
constexpr size_t kMaxDnsLabelLength = 63;

template <auto FreeFn>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<ASN1_OCTET_STRING_free>>;
using Asn1Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, OpenSslDeleter<ASN1_IA5STRING_free>>;

// Empties OpenSSL's thread-local error queue into one line of text.
std::string DrainOpenSslErrors() {
  std::string out;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    if (!out.empty()) {
      out += "; ";
    }
    out += buf;
  }
  return out.empty() ? "no OpenSSL error reported" : out;
}

Status OpenSslFailure(std::string_view what) {
  return Status::Internal(std::string(what) + ": " + DrainOpenSslErrors());
}

// One subject alternative name, in the form certificates store it.
struct SubjectAltName {
  int type = GEN_DNS;  // GEN_DNS or GEN_IPADD
  std::string value;   // lower-case host name, or the address's network-order bytes
  std::string text;    // "DNS:localhost", "IP:127.0.0.1" for messages
};

bool IsValidDnsName(std::string_view name) {
  if (name.starts_with("*.")) {
    name.remove_prefix(2);
  }
  if (name.empty() || name.size() > kMaxDnsNameLength) {
    return false;
  }
  size_t label_length = 0;
  char previous = '.';
  for (char c : name) {
    if (c == '.') {
      if (label_length == 0 || previous == '-') {
        return false;
      }
      label_length = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      if (c == '-' && label_length == 0) {
        return false;
      }
      if (++label_length > kMaxDnsLabelLength) {
        return false;
      }
    } else {
      return false;
    }
    previous = c;
  }
  return label_length > 0 && previous != '-';
}

Result<SubjectAltName> ParseSan(std::string_view text) {
  auto invalid = [&] {
    return Status::InvalidArgument("subject alternative name '" + std::string(text) +
                                   "' is invalid; use IP:<address> or DNS:<host name>");
  };
  if (text.starts_with("IP:")) {
    std::string address(text.substr(3));
    Asn1OctetStringPtr bytes(a2i_IPADDRESS(address.c_str()));
    if (bytes == nullptr) {
      ERR_clear_error();
      return invalid();
    }
    return SubjectAltName{
        GEN_IPADD,
        std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(bytes.get())),
                    static_cast<size_t>(ASN1_STRING_length(bytes.get()))),
        "IP:" + address};
  }
  if (text.starts_with("DNS:")) {
    std::string name(text.substr(4));
    if (!IsValidDnsName(name)) {
      return invalid();
    }
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return SubjectAltName{GEN_DNS, name, "DNS:" + name};
  }
  return invalid();
}

// The names every server certificate carries, then `extra` without duplicates.
Result<std::vector<SubjectAltName>> RequiredSans(const std::vector<std::string>& extra) {
  std::vector<SubjectAltName> sans;
  std::vector<std::string> texts = {"IP:127.0.0.1", "DNS:localhost"};
  texts.insert(texts.end(), extra.begin(), extra.end());
  for (const std::string& text : texts) {
    GALLERY_ASSIGN_OR_RETURN(SubjectAltName san, ParseSan(text));
    bool duplicate = std::any_of(sans.begin(), sans.end(), [&](const SubjectAltName& s) {
      return s.type == san.type && s.value == san.value;
    });
    if (!duplicate) {
      sans.push_back(std::move(san));
    }
  }
  return sans;
}

// ---- PEM <-> objects ----

Result<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (length <= 0 || data == nullptr) {
    return OpenSslFailure("cannot read PEM from memory BIO");
  }
  return std::string(data, static_cast<size_t>(length));
}

Result<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslFailure("cannot encode certificate as PEM");
  }
  return BioContents(bio.get());
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("cannot encode private key as PEM");
  }
  return BioContents(bio.get());
}

BioPtr ReadOnlyBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

Result<X509Ptr> CertFromPem(const std::string& pem, const fs::path& path) {
  BioPtr bio = ReadOnlyBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (cert == nullptr) {
    return Status::DataLoss("'" + path.string() +
                            "' holds no valid PEM certificate: " + DrainOpenSslErrors());
  }
  return cert;
}

// Never prompts for a pass phrase: our keys are unencrypted, and a server must not block on a
// terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

Result<EvpPkeyPtr> KeyFromPem(const std::string& pem, const fs::path& path) {
  BioPtr bio = ReadOnlyBio(pem);
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr)
                     : nullptr);
  if (key == nullptr) {
    return Status::DataLoss("'" + path.string() + "' holds no valid unencrypted PEM private key: " +
                            DrainOpenSslErrors());
  }
  return key;
}

// ---- issuing ----

Result<EvpPkeyPtr> NewP256Key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) {
    return OpenSslFailure("cannot generate an ECDSA P-256 key");
  }
  return key;
}

Status SetRandomSerial(X509* cert) {
  BignumPtr bn(BN_new());
  if (bn == nullptr || BN_rand(bn.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return OpenSslFailure("cannot draw a random serial number");
  }
  if (BN_is_zero(bn.get()) && BN_one(bn.get()) != 1) {  // serials must be positive
    return OpenSslFailure("cannot set serial number");
  }
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (serial == nullptr || X509_set_serialNumber(cert, serial.get()) != 1) {
    return OpenSslFailure("cannot set serial number");
  }
  return Status::Ok();
}

Result<X509NamePtr> MakeName(const char* common_name) {
  X509NamePtr name(X509_NAME_new());
  auto add = [&](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(value), -1, -1,
                                      0) == 1;
  };
  if (name == nullptr || !add("O", kOrganization) || !add("CN", common_name)) {
    return OpenSslFailure("cannot build certificate name");
  }
  return name;
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("cannot add extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return Status::Ok();
}

Status AddSubjectAltNames(X509* cert, const std::vector<SubjectAltName>& sans) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) {
    return OpenSslFailure("cannot allocate subjectAltName");
  }
  for (const SubjectAltName& san : sans) {
    GeneralNamePtr name(GENERAL_NAME_new());
    if (name == nullptr) {
      return OpenSslFailure("cannot allocate subjectAltName entry");
    }
    if (san.type == GEN_IPADD) {
      Asn1OctetStringPtr ip(ASN1_OCTET_STRING_new());
      if (ip == nullptr ||
          ASN1_OCTET_STRING_set(ip.get(), reinterpret_cast<const unsigned char*>(san.value.data()),
                                static_cast<int>(san.value.size())) != 1) {
        return OpenSslFailure("cannot encode " + san.text);
      }
      GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip.release());
    } else {
      Asn1Ia5StringPtr dns(ASN1_IA5STRING_new());
      if (dns == nullptr ||
          ASN1_STRING_set(dns.get(), san.value.data(), static_cast<int>(san.value.size())) != 1) {
        return OpenSslFailure("cannot encode " + san.text);
      }
      GENERAL_NAME_set0_value(name.get(), GEN_DNS, dns.release());
    }
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return OpenSslFailure("cannot build subjectAltName");
    }
    name.release();  // owned by `names` now
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslFailure("cannot add subjectAltName");
  }
  return Status::Ok();
}

struct CertSpec {
  const char* common_name;
  bool is_ca;
  int validity_days;
  std::vector<SubjectAltName> sans;  // server certificates only
};

// Issues a certificate for `subject_key`. `issuer` null means self-signed by `issuer_key`.
Result<X509Ptr> IssueCertificate(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                 EVP_PKEY* issuer_key, time_t now) {
  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslFailure("cannot create certificate");
  }
  GALLERY_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  GALLERY_ASSIGN_OR_RETURN(X509NamePtr subject, MakeName(spec.common_name));
  const X509_NAME* issuer_name = issuer != nullptr ? X509_get_subject_name(issuer) : subject.get();
  if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer_name) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1 ||
      X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -kBackdateSeconds, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), spec.validity_days, 0, &now) == nullptr) {
    return OpenSslFailure("cannot set certificate fields");
  }
  // A certificate must not outlive its issuer, or clients reject it before it expires.
  if (issuer != nullptr &&
      ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(issuer)) > 0 &&
      X509_set1_notAfter(cert.get(), X509_get0_notAfter(issuer)) != 1) {
    return OpenSslFailure("cannot cap certificate validity");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  if (spec.is_ca) {
    GALLERY_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE"));
    GALLERY_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
    GALLERY_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  } else {
    GALLERY_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    GALLERY_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature"));
    GALLERY_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth"));
    GALLERY_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
    GALLERY_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
    GALLERY_RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), spec.sans));
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslFailure("cannot sign certificate");
  }
  return cert;
}

// ---- checks on existing material ----

// Returns "" when `cert` (with `key`) may keep serving, else why not.
std::string WhyServerCertUnusable(X509* cert, EVP_PKEY* key, X509* ca,
                                  const std::vector<SubjectAltName>& sans, time_t now) {
  if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    return "it does not match server.key";
  }
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) {
    return "it cannot be checked: " + DrainOpenSslErrors();
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), now);
  if (X509_verify_cert(ctx.get()) != 1) {
    ERR_clear_error();
    return std::string("it does not verify against ca.pem: ") +
           X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  time_t renew_at = now + kRenewBeforeSeconds;
  if (X509_cmp_time(X509_get0_notAfter(cert), &renew_at) <= 0) {
    return "it expires within 30 days";
  }
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (const SubjectAltName& san : sans) {
    bool found = false;
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get()) && !found; ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      int type = 0;
      const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
      if (type != san.type || value == nullptr) {
        continue;
      }
      std::string_view have(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                            static_cast<size_t>(ASN1_STRING_length(value)));
      found = type == GEN_IPADD ? have == san.value
                                : std::equal(have.begin(), have.end(), san.value.begin(),
                                             san.value.end(), [](char a, char b) {
                                               return std::tolower(static_cast<unsigned char>(a)) ==
                                                      std::tolower(static_cast<unsigned char>(b));
                                             });
    }
    if (!found) {
      return "it lacks " + san.text;
    }
  }
  return "";
}

// ---- files ----

// Reads `path`; a missing file is an empty optional, other failures a Status.
Result<std::optional<std::string>> ReadIfExists(const fs::path& path) {
  Result<std::string> contents = ReadFile(path);
  if (contents.ok()) {
    return std::optional<std::string>(std::move(contents).value());
  }
  if (contents.status().code() == StatusCode::kNotFound) {
    return std::optional<std::string>();
  }
  return std::move(contents).status();
}

// Private keys must be readable by their owner only; repair what someone loosened.
void RestrictKeyFileMode(const fs::path& path) {
  std::error_code ec;
  fs::perms perms = fs::status(path, ec).permissions();
  if (ec || (perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none) {
    return;
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  GLOG_WARN("private key {} was accessible to group or others; mode reset to 0600{}", path.string(),
            ec ? " failed: " + ec.message() : "");
}

Status EnsureDirectory(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    return Status::Ok();
  }
  if (!fs::create_directories(dir, ec) && ec) {
    return Status::Unavailable("cannot create TLS directory '" + dir.string() +
                               "': " + ec.message());
  }
  // The directory holds private keys; nobody else needs to list it.
  fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) {
    return Status::Unavailable("cannot set mode 0700 on '" + dir.string() + "': " + ec.message());
  }
  return Status::Ok();
}

Status WriteKeyAndCert(const fs::path& key_path, EVP_PKEY* key, const fs::path& cert_path,
                       X509* cert, std::string* key_pem, std::string* cert_pem) {
  GALLERY_ASSIGN_OR_RETURN(*key_pem, KeyToPem(key));
  GALLERY_ASSIGN_OR_RETURN(*cert_pem, CertToPem(cert));
  // Key first: a crash in between leaves a key that does not match the old certificate,
  // which the next call detects and repairs; the reverse could serve a cert without its key.
  GALLERY_RETURN_IF_ERROR(WriteFileAtomic(key_path, *key_pem, kKeyFileMode));
  return WriteFileAtomic(cert_path, *cert_pem, kCertFileMode);
}

struct Ca {
  X509Ptr cert;
  EvpPkeyPtr key;  // null until needed: reusing a valid server certificate does not read ca.key
};

Result<Ca> CreateCa(TlsMaterial& m, time_t now) {
  GALLERY_ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  GALLERY_ASSIGN_OR_RETURN(
      X509Ptr cert, IssueCertificate({kCaCommonName, true, kCaValidityDays, {}}, key.get(), nullptr,
                                     key.get(), now));
  std::string key_pem;
  GALLERY_RETURN_IF_ERROR(WriteKeyAndCert(m.ca_key_path, key.get(), m.ca_cert_path, cert.get(),
                                          &key_pem, &m.ca_cert_pem));
  GLOG_INFO("created local certificate authority {}", m.ca_cert_path.string());
  return Ca{std::move(cert), std::move(key)};
}

Result<Ca> LoadOrCreateCa(TlsMaterial& m, time_t now) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadIfExists(m.ca_cert_path));
  if (!pem.has_value()) {
    return CreateCa(m, now);
  }
  GALLERY_ASSIGN_OR_RETURN(X509Ptr cert, CertFromPem(*pem, m.ca_cert_path));
  if (X509_check_ca(cert.get()) < 1) {
    return Status::FailedPrecondition("'" + m.ca_cert_path.string() + "' is not a CA certificate");
  }
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &now) <= 0) {
    return Status::FailedPrecondition(
        "the CA certificate '" + m.ca_cert_path.string() +
        "' has expired; remove ca.pem and ca.key to create a new CA (clients must then trust "
        "the new ca.pem)");
  }
  m.ca_cert_pem = std::move(*pem);
  return Ca{std::move(cert), nullptr};
}

Status LoadCaKey(const TlsMaterial& m, Ca& ca) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadIfExists(m.ca_key_path));
  if (!pem.has_value()) {
    return Status::FailedPrecondition("the server certificate must be re-issued but the CA key '" +
                                      m.ca_key_path.string() + "' is missing");
  }
  RestrictKeyFileMode(m.ca_key_path);
  GALLERY_ASSIGN_OR_RETURN(ca.key, KeyFromPem(*pem, m.ca_key_path));
  if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1) {
    ERR_clear_error();
    return Status::FailedPrecondition("the CA key '" + m.ca_key_path.string() +
                                      "' does not match '" + m.ca_cert_path.string() + "'");
  }
  return Status::Ok();
}

// Returns the reason the existing server pair cannot be reused, or "" after loading it into `m`.
Result<std::string> TryReuseServerPair(TlsMaterial& m, X509* ca,
                                       const std::vector<SubjectAltName>& sans, time_t now) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, ReadIfExists(m.server_cert_path));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> key_pem, ReadIfExists(m.server_key_path));
  if (!cert_pem.has_value() || !key_pem.has_value()) {
    return std::string("it is missing");
  }
  Result<X509Ptr> cert = CertFromPem(*cert_pem, m.server_cert_path);
  Result<EvpPkeyPtr> key = KeyFromPem(*key_pem, m.server_key_path);
  if (!cert.ok() || !key.ok()) {
    return std::string("it cannot be parsed");  // derived data: re-issuing repairs it
  }
  std::string why = WhyServerCertUnusable(cert->get(), key->get(), ca, sans, now);
  if (!why.empty()) {
    return why;
  }
  RestrictKeyFileMode(m.server_key_path);
  m.server_cert_pem = std::move(*cert_pem);
  m.server_key_pem = std::move(*key_pem);
  return std::string();
}

Status IssueServerPair(TlsMaterial& m, Ca& ca, const std::vector<SubjectAltName>& sans,
                       time_t now) {
  GALLERY_ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  GALLERY_ASSIGN_OR_RETURN(X509Ptr cert,
                           IssueCertificate({kServerCommonName, false, kServerValidityDays, sans},
                                            key.get(), ca.cert.get(), ca.key.get(), now));
  return WriteKeyAndCert(m.server_key_path, key.get(), m.server_cert_path, cert.get(),
                         &m.server_key_pem, &m.server_cert_pem);
}

Result<TlsMaterial> LoadOrCreate(const fs::path& dir, const std::vector<std::string>& extra_sans,
                                 const Clock& clock) {
  ERR_clear_error();  // so that error texts describe this call only
  GALLERY_ASSIGN_OR_RETURN(std::vector<SubjectAltName> sans, RequiredSans(extra_sans));
  GALLERY_RETURN_IF_ERROR(EnsureDirectory(dir));
  TlsMaterial m;
  m.ca_cert_path = dir / kCaCertFile;
  m.ca_key_path = dir / kCaKeyFile;
  m.server_cert_path = dir / kServerCertFile;
  m.server_key_path = dir / kServerKeyFile;
  const time_t now = static_cast<time_t>(clock.Now() / 1000);

  GALLERY_ASSIGN_OR_RETURN(Ca ca, LoadOrCreateCa(m, now));
  GALLERY_ASSIGN_OR_RETURN(std::string why, TryReuseServerPair(m, ca.cert.get(), sans, now));
  if (why.empty()) {
    return m;
  }
  if (ca.key == nullptr) {
    GALLERY_RETURN_IF_ERROR(LoadCaKey(m, ca));
  }
  GALLERY_RETURN_IF_ERROR(IssueServerPair(m, ca, sans, now));
  GLOG_INFO("issued server certificate {} because {}", m.server_cert_path.string(), why);
  return m;
}

}  // namespace

Result<TlsMaterial> LoadOrCreateTlsMaterial(const fs::path& dir,
                                            const std::vector<std::string>& extra_sans) {
  SystemClock clock;
  return LoadOrCreateTlsMaterial(dir, extra_sans, clock);
}

Result<TlsMaterial> LoadOrCreateTlsMaterial(const fs::path& dir,
                                            const std::vector<std::string>& extra_sans,
                                            const Clock& clock) {
  try {
    return LoadOrCreate(dir, extra_sans, clock);
  } catch (const std::exception& e) {  // std::bad_alloc, std::filesystem errors
    return Status::Internal(std::string("cannot load TLS material: ") + e.what());
  }
}

}  // namespace gallery
