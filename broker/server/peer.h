// Establishes who is calling from the verified client certificate of a call
// (DESIGN.md §3): the single riec:// URI SAN of a convenant-CA certificate,
// or, for a PKIoverheid organisation certificate (no riec:// URI SAN), the
// policy's mapping of its OIN and distinguisher (docs/policy.md,
// "Certificates"); the certificate's SHA-256, the optional
// "riec-on-behalf-of" metadata and the W3C trace context.
//
// The metadata are decoded as riec/common/call_metadata.h says.
//
// Thread-safety: CallerCache is safe for concurrent use; the rest are pure
// functions.
#ifndef RIEC_BROKER_SERVER_PEER_H_
#define RIEC_BROKER_SERVER_PEER_H_

#include <grpcpp/server_context.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/env.h"
#include "riec/common/call_metadata.h"
#include "riec/common/identity.h"
#include "server/tls.h"

namespace riec::server {

// From the certificate's properties as gRPC reports them. With one riec://
// URI SAN, the URI; with none and a `policy`, the policy's mapping of the
// organisation certificate. UNAUTHENTICATED if there is no certificate,
// more than one riec:// URI SAN, a malformed URI, or no OIN and no URI, or
// the policy maps the certificate to no role or to more than one.
// With `issuers`, a riec:// URI counts only on a certificate one of them
// issued (tls.convenant_ca).
absl::StatusOr<Identity> IdentityFromCertificate(const std::vector<std::string>& uri_sans,
                                                 const std::string& pem_certificate,
                                                 const policy::Policy* policy = nullptr,
                                                 const ConvenantIssuers* issuers = nullptr);

// The subject's serialNumber (OIN), CN and OUs and the fingerprint of a PEM
// certificate. INVALID_ARGUMENT if it does not parse.
absl::StatusOr<policy::OrganisationCertificate> ReadOrganisationCertificate(const std::string& pem);

// The URI subject alternative names of a PEM certificate (none if it does
// not parse).
std::vector<std::string> UriSans(const std::string& pem);

// SHA-256 of the DER encoding of a PEM certificate; empty if unparseable.
std::string CertificateSha256(const std::string& pem);

// Caches the identity of each client certificate, so that a call costs a
// hash lookup rather than a PEM parse. With `revocations`, every call's
// certificate is also checked against the CRLs in force (again after each
// reload), so that a revoked certificate stops working on connections it
// opened before the revocation, not only at the next handshake.
class CallerCache {
 public:
  // `policies`: for PKIoverheid certificates, whose identity the policy in
  // force maps (again after each reload); may be null (URI SANs only).
  explicit CallerCache(const Revocations* revocations = nullptr, const core::PolicySource* policies = nullptr,
                       std::shared_ptr<const ConvenantIssuers> issuers = nullptr)
      : revocations_(revocations), policies_(policies), issuers_(std::move(issuers)) {}
  // The call's caller: identity and fingerprint from the certificate,
  // on-behalf-of and trace context from the metadata.
  absl::StatusOr<core::Call> CallOf(const grpc::ServerContextBase& context, std::string method);
  // The caller of a PEM client certificate (empty: none was presented);
  // `uri_sans` reads its URI SANs, when the certificate is not known yet.
  // The transports add what their call's metadata says.
  absl::StatusOr<Caller> CallerOf(const std::string& pem,
                                        const std::function<std::vector<std::string>()>& uri_sans);
  // The certificate part only (for a call refused before a Caller exists).
  std::string CertificateOf(const grpc::ServerContextBase& context);

 private:
  struct Known {
    std::string pem;
    absl::StatusOr<Identity> identity;
    std::string sha256;
    uint64_t checked_generation = 0;  // of the revocations; 0: never
    std::optional<std::string> revoked;
    // The policy that mapped the identity (an organisation certificate);
    // null for a riec:// URI, which no policy changes.
    std::shared_ptr<const policy::Policy> mapped_by;
  };
  const Revocations* const revocations_;
  const core::PolicySource* const policies_;
  const std::shared_ptr<const ConvenantIssuers> issuers_;
  absl::Mutex mu_;
  absl::flat_hash_map<size_t, Known> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_PEER_H_
