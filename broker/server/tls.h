// TLS for the broker: TLS 1.3 only, client certificate required and verified
// against the convenant's CA, certificates re-read from disk when they change
// (rotation without restart), optional CRL directory for revocation.
//
// Thread-safety: RestrictToTls13 must be called once, before any TLS
// context exists (it configures OpenSSL for the whole process).
#ifndef RIEC_BROKER_SERVER_TLS_H_
#define RIEC_BROKER_SERVER_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace riec::server {

struct TlsFiles {
  std::string cert;       // PEM certificate (chain) of this server
  std::string key;        // PEM private key
  std::string client_ca;  // PEM CA certificate(s) that issue client certificates
  std::string crl_dir;    // optional: directory of hashed CRL files (c_rehash)
};

// Makes every TLS context this process creates refuse protocol versions
// below TLS 1.3. gRPC 1.51 has no public setting for the minimum version;
// OpenSSL's own configuration ("Protocol = -ALL, TLSv1.3" in the system
// default section) is applied to each new context and cannot be widened by
// gRPC's later SSL_CTX_set_min_proto_version.
absl::Status RestrictToTls13();

// Checks that the files exist, parse, and that the key matches the
// certificate; then builds mutual-TLS server credentials.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_TLS_H_
