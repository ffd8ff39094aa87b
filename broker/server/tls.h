// TLS for the broker: TLS 1.3 only, client certificate required and verified
// against the convenant's CA; the server certificate, key and CA re-read
// from disk when they change (every 10 s, by gRPC's file watcher); and
// revocation by the CRLs of a directory, verified against the CA and
// re-read every minute and when the host asks (SIGHUP), so a revoked
// certificate stops working without a restart.
//
// Thread-safety: RestrictToTls13 must be called once, before any TLS
// context exists. Revocations is safe for concurrent use.
#ifndef RIEC_BROKER_SERVER_TLS_H_
#define RIEC_BROKER_SERVER_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "riec/crypto/openssl_handles.h"

namespace riec::server {

struct TlsFiles {
  std::string cert;       // PEM certificate (chain) of this server
  std::string key;        // PEM private key
  std::string client_ca;  // PEM CA certificate(s) that issue client certificates
  std::string crl_dir;    // optional: directory of CRL files (PEM or DER)
  // optional: the convenant CA(s), the only issuers whose certificates'
  // riec:// URI SAN is taken as an identity (empty: every CA of client_ca).
  std::string convenant_ca;
};

// The CAs whose certificates may carry a riec:// identity.
class ConvenantIssuers {
 public:
  // Every CA of `files.convenant_ca`; an empty set (anyone in client_ca)
  // when it is not set.
  static absl::StatusOr<std::shared_ptr<const ConvenantIssuers>> Load(const TlsFiles& files);
  // Whether the PEM certificate was issued (and signed) by one of them;
  // true for every certificate when none is configured.
  bool Issued(absl::string_view pem) const;
  bool configured() const { return !cas_.empty(); }

 private:
  std::vector<X509Ptr> cas_;
};

// Makes every TLS context this process creates refuse protocol versions
// below TLS 1.3. gRPC 1.51 has no public setting for the minimum version;
// OpenSSL's own configuration ("Protocol = -ALL, TLSv1.3" in the system
// default section) is applied to each new context and cannot be widened by
// gRPC's later SSL_CTX_set_min_proto_version.
absl::Status RestrictToTls13();

// The certificates revoked by the CRLs in a directory.
class Revocations {
 public:
  // An empty set when `crl_dir` is empty.
  static absl::StatusOr<std::shared_ptr<Revocations>> Load(const TlsFiles& files);

  // Re-reads the directory. A file that does not parse, or a CRL not signed
  // by the client CA, is an error naming the file, and the set in force
  // stays. Returns the number of CRLs in force.
  absl::StatusOr<size_t> Reload();

  // Why the PEM certificate is refused ("revoked by the CRL of <issuer>"),
  // or nullopt if it is not revoked.
  std::optional<std::string> Revoked(absl::string_view pem) const;

  // The earliest nextUpdate of the CRLs in force (for an operator's alert),
  // if any.
  std::optional<absl::Time> EarliestNextUpdate() const;

  // Changes with every successful (re)load: what was checked against an
  // earlier generation must be checked again.
  uint64_t generation() const { return generation_.load(); }

 private:
  explicit Revocations(TlsFiles files) : files_(std::move(files)) {}
  const TlsFiles files_;
  mutable absl::Mutex mu_;
  std::vector<X509CrlPtr> crls_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
};

// The earliest notAfter of the PEM certificates in `path` (a chain or a CA
// bundle). INVALID_ARGUMENT naming the file if it holds none.
absl::StatusOr<absl::Time> CertificatesNotAfter(const std::string& path);

// Each PEM certificate in `path`: its subject (one line) and notAfter.
struct CertificateDates {
  std::string subject;
  absl::Time not_after;
};
absl::StatusOr<std::vector<CertificateDates>> CertificatesIn(const std::string& path);

// Checks that the files exist and parse, and that the key matches the
// certificate.
absl::Status CheckServerKeyPair(const TlsFiles& files);

// Checks that the server certificate (with the intermediates in its file)
// chains to a CA of tls.client_ca, as a TLS server certificate; dates are
// not checked here (CertificatesNotAfter). FAILED_PRECONDITION with
// OpenSSL's reason.
absl::Status CheckServerChain(const TlsFiles& files);

// Checks the files as CheckServerKeyPair does; then builds mutual-TLS server credentials that consult
// `revocations` at every handshake.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files, std::shared_ptr<Revocations> revocations);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_TLS_H_
