#include "api/tls_material.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"

namespace gallery {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "gallery_tls_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), -1), BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string Slurp(const fs::path& path) {
  Result<std::string> contents = ReadFile(path);
  return contents.ok() ? *contents : "<" + contents.status().ToString() + ">";
}

unsigned FileMode(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

// The subject alternative names of `cert` as "IP:x" / "DNS:y".
std::vector<std::string> SansOf(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(
                                             ASN1_STRING_get0_data(name->d.dNSName)),
                                         ASN1_STRING_length(name->d.dNSName)));
    } else if (name->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(name->d.iPAddress) == 4 ? AF_INET : AF_INET6;
      ::inet_ntop(family, ASN1_STRING_get0_data(name->d.iPAddress), text, sizeof(text));
      out.push_back(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

// `openssl verify -CAfile ca.pem -purpose sslserver` plus a host or IP check, as a TLS client
// does it. Returns the X509_V_* result.
int VerifyServerCert(const std::string& ca_pem, const std::string& server_pem,
                     const std::string& host_or_ip) {
  X509Ptr ca = ParseCert(ca_pem);
  X509Ptr server = ParseCert(server_pem);
  if (ca == nullptr || server == nullptr) {
    return X509_V_ERR_UNSPECIFIED;
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_add_cert(store.get(), ca.get());
  X509_STORE_CTX_init(ctx.get(), store.get(), server.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host_or_ip.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, host_or_ip.c_str(), 0);
  }
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

int ValidityDays(X509* cert) {
  int days = 0;
  int seconds = 0;
  ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  return days;
}

bool IsCriticalExtension(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

bool IsP256Key(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), -1), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  char group[64] = {};
  return key != nullptr && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC &&
         EVP_PKEY_get_group_name(key.get(), group, sizeof(group), nullptr) == 1 &&
         std::string(group) == "prime256v1";
}

struct Snapshot {
  std::string ca_pem, ca_key, server_pem, server_key;
};

Snapshot Files(const fs::path& dir) {
  return {Slurp(dir / "ca.pem"), Slurp(dir / "ca.key"), Slurp(dir / "server.pem"),
          Slurp(dir / "server.key")};
}

TEST(TlsMaterialTest, FirstCallCreatesCaAndServerCertificateFiles) {
  TempDir tmp;
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path() / "tls");
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->ca_cert_path, tmp.path() / "tls" / "ca.pem");
  EXPECT_EQ(tls->ca_key_path, tmp.path() / "tls" / "ca.key");
  EXPECT_EQ(tls->server_cert_path, tmp.path() / "tls" / "server.pem");
  EXPECT_EQ(tls->server_key_path, tmp.path() / "tls" / "server.key");
  EXPECT_EQ(tls->ca_cert_pem, Slurp(tls->ca_cert_path));
  EXPECT_EQ(tls->server_cert_pem, Slurp(tls->server_cert_path));
  EXPECT_EQ(tls->server_key_pem, Slurp(tls->server_key_path));
  EXPECT_TRUE(IsP256Key(Slurp(tls->ca_key_path)));
  EXPECT_TRUE(IsP256Key(tls->server_key_pem));
}

TEST(TlsMaterialTest, PrivateKeysAreReadableByTheOwnerOnly) {
  TempDir tmp;
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(FileMode(tls->ca_key_path), 0600u);
  EXPECT_EQ(FileMode(tls->server_key_path), 0600u);
  EXPECT_EQ(FileMode(tls->ca_cert_path), 0644u);
  EXPECT_EQ(FileMode(tls->server_cert_path), 0644u);
}

TEST(TlsMaterialTest, NewDirectoryIsPrivate) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path() / "a" / "tls").ok());
  EXPECT_EQ(FileMode(tmp.path() / "a" / "tls"), 0700u);
}

TEST(TlsMaterialTest, CaCertificateIsACriticalCaForSigningOnly) {
  TempDir tmp;
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  X509Ptr ca = ParseCert(tls->ca_cert_pem);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_TRUE(IsCriticalExtension(ca.get(), NID_basic_constraints));
  EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(ValidityDays(ca.get()), 3650);
  EXPECT_EQ(X509_check_issued(ca.get(), ca.get()), X509_V_OK);  // self-signed
}

TEST(TlsMaterialTest, ServerCertificateIsForServerAuthWithRandomSerial) {
  TempDir tmp;
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  X509Ptr server = ParseCert(tls->server_cert_pem);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(X509_check_ca(server.get()), 0);
  EXPECT_EQ(X509_get_key_usage(server.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(server.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(ValidityDays(server.get()), 825);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(server.get()), nullptr), BN_free);
  EXPECT_LE(BN_num_bits(serial.get()), 128);
  EXPECT_GT(BN_num_bits(serial.get()), 64);  // fails with probability 2^-64
  X509Ptr ca = ParseCert(tls->ca_cert_pem);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(server.get()), X509_get0_serialNumber(ca.get())), 0);
}

TEST(TlsMaterialTest, ServerCertificateVerifiesAgainstCaForLoopbackNames) {
  TempDir tmp;
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "127.0.0.1"), X509_V_OK);
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "localhost"), X509_V_OK);
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "gallery.example.com"),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "10.0.0.1"),
            X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(TlsMaterialTest, ServerCertificateCarriesDefaultAndRequestedSans) {
  TempDir tmp;
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(
      tmp.path(), {"IP:10.1.2.3", "DNS:Gallery.Example.com", "IP:::1", "DNS:localhost"});
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  X509Ptr server = ParseCert(tls->server_cert_pem);
  EXPECT_EQ(SansOf(server.get()),
            (std::vector<std::string>{"IP:127.0.0.1", "DNS:localhost", "IP:10.1.2.3",
                                      "DNS:gallery.example.com", "IP:::1"}));
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "10.1.2.3"), X509_V_OK);
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "gallery.example.com"),
            X509_V_OK);
}

TEST(TlsMaterialTest, SecondCallReusesEveryFileUnchanged) {
  TempDir tmp;
  Result<TlsMaterial> first = LoadOrCreateTlsMaterial(tmp.path(), {"DNS:gallery.lan"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Snapshot before = Files(tmp.path());
  Result<TlsMaterial> second = LoadOrCreateTlsMaterial(tmp.path(), {"DNS:gallery.lan"});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Snapshot after = Files(tmp.path());
  EXPECT_EQ(after.ca_pem, before.ca_pem);
  EXPECT_EQ(after.ca_key, before.ca_key);
  EXPECT_EQ(after.server_pem, before.server_pem);
  EXPECT_EQ(after.server_key, before.server_key);
  EXPECT_EQ(second->ca_cert_pem, first->ca_cert_pem);
  EXPECT_EQ(second->server_cert_pem, first->server_cert_pem);
  EXPECT_EQ(second->server_key_pem, first->server_key_pem);
}

TEST(TlsMaterialTest, MissingSanReissuesServerCertificateFromTheSameCa) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  Snapshot before = Files(tmp.path());
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path(), {"DNS:new.example.com"});
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  Snapshot after = Files(tmp.path());
  EXPECT_EQ(after.ca_pem, before.ca_pem);
  EXPECT_EQ(after.ca_key, before.ca_key);
  EXPECT_NE(after.server_pem, before.server_pem);
  EXPECT_NE(after.server_key, before.server_key);
  EXPECT_EQ(tls->server_cert_pem, after.server_pem);
  EXPECT_EQ(VerifyServerCert(before.ca_pem, after.server_pem, "new.example.com"), X509_V_OK);
  EXPECT_EQ(VerifyServerCert(before.ca_pem, after.server_pem, "127.0.0.1"), X509_V_OK);
  EXPECT_EQ(FileMode(tls->server_key_path), 0600u);
  // Asking again for the same names reuses the re-issued certificate.
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path(), {"DNS:new.example.com"}).ok());
  EXPECT_EQ(Slurp(tls->server_cert_path), after.server_pem);
}

TEST(TlsMaterialTest, MissingServerCertificateIsReissuedFromTheSameCa) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  Snapshot before = Files(tmp.path());
  fs::remove(tmp.path() / "server.pem");
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(Slurp(tmp.path() / "ca.pem"), before.ca_pem);
  EXPECT_EQ(VerifyServerCert(before.ca_pem, tls->server_cert_pem, "127.0.0.1"), X509_V_OK);
}

TEST(TlsMaterialTest, ExpiredServerCertificateIsReissuedFromTheSameCa) {
  TempDir tmp;
  SystemClock real;
  FakeClock long_ago(real.Now() - 900 * kDayMs);  // the server cert lives 825 days
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path(), {}, long_ago).ok());
  Snapshot before = Files(tmp.path());
  ASSERT_EQ(VerifyServerCert(before.ca_pem, before.server_pem, "127.0.0.1"),
            X509_V_ERR_CERT_HAS_EXPIRED);
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path(), {}, real);
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(Slurp(tmp.path() / "ca.pem"), before.ca_pem);
  EXPECT_NE(tls->server_cert_pem, before.server_pem);
  EXPECT_EQ(VerifyServerCert(before.ca_pem, tls->server_cert_pem, "127.0.0.1"), X509_V_OK);
}

TEST(TlsMaterialTest, ServerCertificateNearExpiryIsRenewed) {
  TempDir tmp;
  SystemClock real;
  FakeClock issued(real.Now() - 810 * kDayMs);  // 15 days left
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path(), {}, issued).ok());
  Snapshot before = Files(tmp.path());
  ASSERT_EQ(VerifyServerCert(before.ca_pem, before.server_pem, "127.0.0.1"), X509_V_OK);
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path(), {}, real);
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_NE(tls->server_cert_pem, before.server_pem);
  EXPECT_EQ(tls->ca_cert_pem, before.ca_pem);
}

TEST(TlsMaterialTest, ExpiredCaIsFailedPrecondition) {
  TempDir tmp;
  SystemClock real;
  FakeClock long_ago(real.Now() - 3700 * kDayMs);
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path(), {}, long_ago).ok());
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path(), {}, real);
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(tls.status().message().find("ca.pem"), std::string::npos);
}

TEST(TlsMaterialTest, ServerKeyWithLooseModeIsRestrictedTo0600) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  ::chmod((tmp.path() / "server.key").c_str(), 0644);
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  EXPECT_EQ(FileMode(tmp.path() / "server.key"), 0600u);
}

TEST(TlsMaterialTest, ValidServerCertificateIsReusedWithoutTheCaKey) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  fs::remove(tmp.path() / "ca.key");  // e.g. kept offline by a careful operator
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  EXPECT_TRUE(tls.ok()) << tls.status().ToString();
}

TEST(TlsMaterialTest, ReissueWithoutTheCaKeyIsFailedPrecondition) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  fs::remove(tmp.path() / "ca.key");
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path(), {"DNS:other.example.com"});
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(tls.status().message().find("ca.key"), std::string::npos);
}

TEST(TlsMaterialTest, CaKeyThatDoesNotMatchTheCaIsFailedPrecondition) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  fs::copy_file(tmp.path() / "server.key", tmp.path() / "ca.key",
                fs::copy_options::overwrite_existing);
  fs::remove(tmp.path() / "server.pem");
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kFailedPrecondition);
}

TEST(TlsMaterialTest, CorruptCaCertificateIsDataLoss) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  ASSERT_TRUE(WriteFileAtomic(tmp.path() / "ca.pem", "not a certificate").ok());
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(tls.status().message().find("ca.pem"), std::string::npos);
}

TEST(TlsMaterialTest, CorruptServerFilesAreReissued) {
  TempDir tmp;
  ASSERT_TRUE(LoadOrCreateTlsMaterial(tmp.path()).ok());
  ASSERT_TRUE(WriteFileAtomic(tmp.path() / "server.key", "garbage", 0600).ok());
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(VerifyServerCert(tls->ca_cert_pem, tls->server_cert_pem, "127.0.0.1"), X509_V_OK);
  EXPECT_TRUE(IsP256Key(Slurp(tmp.path() / "server.key")));
}

TEST(TlsMaterialTest, MalformedExtraSanIsInvalidArgumentAndWritesNothing) {
  TempDir tmp;
  for (const char* bad : {"FOO:x", "IP:300.1.1.1", "IP:", "DNS:", "DNS:a b", "DNS:a,IP:1.2.3.4",
                          "DNS:-a.example.com", "DNS:a..b", "localhost"}) {
    Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path() / "tls", {bad});
    ASSERT_FALSE(tls.ok()) << bad;
    EXPECT_EQ(tls.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(tls.status().message().find(bad), std::string::npos) << bad;
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "tls"));
  EXPECT_TRUE(LoadOrCreateTlsMaterial(tmp.path() / "tls", {"DNS:*.gallery.lan"}).ok());
}

TEST(TlsMaterialTest, DirectoryThatCannotBeCreatedIsUnavailable) {
  TempDir tmp;
  ASSERT_TRUE(WriteFileAtomic(tmp.path() / "file", "x").ok());
  Result<TlsMaterial> tls = LoadOrCreateTlsMaterial(tmp.path() / "file" / "tls");
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(tls.status().message().find("file/tls"), std::string::npos);
}

}  // namespace
}  // namespace gallery
