// Establishes who is calling from the verified client certificate of a call
// (DESIGN.md §3): the single riec:// URI SAN, the certificate's SHA-256 and
// the optional "riec-on-behalf-of" metadata.
//
// Thread-safety: pure functions over the call's context.
#ifndef RIEC_BROKER_SERVER_PEER_H_
#define RIEC_BROKER_SERVER_PEER_H_

#include <grpcpp/server_context.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "riec/common/identity.h"

namespace riec::server {

inline constexpr char kOnBehalfOfKey[] = "riec-on-behalf-of";

// From the certificate's properties as gRPC reports them. UNAUTHENTICATED if
// there is no certificate or not exactly one riec:// URI SAN, or the URI is
// malformed; INVALID_ARGUMENT if the on-behalf-of metadata is not acceptable
// text.
absl::StatusOr<Caller> CallerFromProperties(const std::vector<std::string>& uri_sans,
                                            const std::string& pem_certificate,
                                            const std::string& on_behalf_of);

// The same, from a live call.
absl::StatusOr<Caller> CallerFromContext(const grpc::ServerContext& context);

// SHA-256 of the DER encoding of a PEM certificate; empty if unparseable.
std::string CertificateSha256(const std::string& pem);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_PEER_H_
