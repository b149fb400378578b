#pragma once
// TLS material for the HTTPS server: a local certificate authority (CA) and a server
// certificate signed by it, kept in one directory.
//
// The first start creates the CA; users hand ca.pem to their clients once (curl --cacert,
// REQUESTS_CA_BUNDLE for the Azure CLI, the OS trust store). Later starts reuse the same CA, so
// that trust survives restarts; only the server certificate is re-issued when needed.
//
//   GALLERY_ASSIGN_OR_RETURN(TlsMaterial tls,
//                            LoadOrCreateTlsMaterial(data_dir / "tls", {"DNS:gallery.lan"}));
//   GALLERY_ASSIGN_OR_RETURN(auto server, HttpsServer::Start(options, tls, handler));
//   std::cout << "clients trust " << tls.ca_cert_path << "\n";
//
// Files in the directory:
//   ca.pem      CA certificate: basicConstraints critical CA:TRUE, keyUsage critical
//               keyCertSign+cRLSign, valid 10 years.
//   ca.key      CA private key, mode 0600.
//   server.pem  server certificate: subjectAltName IP:127.0.0.1, DNS:localhost and the requested
//               extra names, extendedKeyUsage serverAuth, keyUsage critical digitalSignature,
//               valid 825 days (never beyond the CA), random 128-bit serial.
//   server.key  server private key, mode 0600.
// All keys are ECDSA P-256; certificates are signed with SHA-256. Every file is written with
// WriteFileAtomic, a key before its certificate, so a crash leaves either the old pair or a
// mismatch that the next call detects and repairs.

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"

namespace gallery {

struct TlsMaterial {
  std::filesystem::path ca_cert_path;      // <dir>/ca.pem
  std::filesystem::path ca_key_path;       // <dir>/ca.key
  std::filesystem::path server_cert_path;  // <dir>/server.pem
  std::filesystem::path server_key_path;   // <dir>/server.key
  std::string ca_cert_pem;                 // contents of ca.pem
  std::string server_cert_pem;             // contents of server.pem (the leaf only)
  std::string server_key_pem;              // contents of server.key (unencrypted PKCS#8 PEM)
  // The CA private key is deliberately not held here: serving needs only the server pair.
};

// Loads the TLS material in `dir`, creating what is missing. `extra_sans` are subject
// alternative names beyond IP:127.0.0.1 and DNS:localhost, each "IP:<v4 or v6 address>" or
// "DNS:<host name>" (a leading "*." label is allowed).
//
// - No ca.pem: creates `dir` (mode 0700) if needed, a new CA and a server certificate.
// - ca.pem present: reuses it unchanged. The server certificate is reused when it exists,
//   matches server.key, verifies against the CA, holds every requested name and stays valid
//   for at least 30 more days; otherwise a new server key and certificate are issued from the
//   existing CA (this needs ca.key).
// Key files found with group or other permissions are reset to 0600 (and a warning logged).
//
// Errors: InvalidArgument for a malformed `extra_sans` entry; Unavailable when a directory or
// file cannot be created, read or written; DataLoss when ca.pem or ca.key holds no valid PEM
// object; FailedPrecondition when the CA is expired or not a CA, when ca.key does not match
// ca.pem, or when a re-issue is needed and ca.key is missing; Internal (with OpenSSL's error
// text) when OpenSSL fails. Not safe to call concurrently for the same directory.
Result<TlsMaterial> LoadOrCreateTlsMaterial(const std::filesystem::path& dir,
                                            const std::vector<std::string>& extra_sans = {});

// As above, with "now" taken from `clock` (validity periods, expiry checks). For tests.
Result<TlsMaterial> LoadOrCreateTlsMaterial(const std::filesystem::path& dir,
                                            const std::vector<std::string>& extra_sans,
                                            const Clock& clock);

}  // namespace gallery
