#include "server/peer.h"

#include <grpc/grpc_security_constants.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/validate.h"
#include "riec/crypto/sodium.h"

namespace riec::server {

std::string CertificateSha256(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return "";
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return "";
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) return "";
  std::string digest = crypto::Sha256(absl::string_view(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  return digest;
}

absl::StatusOr<Caller> CallerFromProperties(const std::vector<std::string>& uri_sans,
                                            const std::string& pem_certificate,
                                            const std::string& on_behalf_of) {
  if (pem_certificate.empty()) {
    return absl::UnauthenticatedError("no client certificate was presented");
  }
  std::vector<std::string> riec;
  for (const auto& uri : uri_sans) {
    if (absl::StartsWith(uri, "riec://")) riec.push_back(uri);
  }
  if (riec.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate must carry exactly one riec:// URI SAN, it has ", riec.size(),
        riec.empty() ? "" : absl::StrCat(" (", absl::StrJoin(riec, ", "), ")")));
  }
  auto identity = ParseIdentityUri(riec[0]);
  if (!identity.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("client certificate: ", identity.status().message()));
  }
  if (absl::Status s = core::ValidateShortText(on_behalf_of,
                                               absl::StrCat("metadata ", kOnBehalfOfKey), 128);
      !s.ok()) {
    return s;
  }
  return Caller{*std::move(identity), CertificateSha256(pem_certificate), on_behalf_of};
}

absl::StatusOr<Caller> CallerFromContext(const grpc::ServerContext& context) {
  auto auth = context.auth_context();
  std::vector<std::string> uris;
  std::string pem;
  if (auth) {
    for (const auto& v : auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
      uris.emplace_back(v.data(), v.size());
    }
    if (uris.empty()) {
      // Older cores report URIs only among all SANs.
      for (const auto& v : auth->FindPropertyValues(GRPC_X509_SAN_PROPERTY_NAME)) {
        uris.emplace_back(v.data(), v.size());
      }
    }
    for (const auto& v : auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
      pem.assign(v.data(), v.size());
    }
  }
  std::string on_behalf_of;
  const auto& md = context.client_metadata();
  auto it = md.find(kOnBehalfOfKey);
  if (it != md.end()) on_behalf_of.assign(it->second.data(), it->second.size());
  return CallerFromProperties(uris, pem, on_behalf_of);
}

}  // namespace riec::server
