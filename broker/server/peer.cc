#include "server/peer.h"

#include <grpc/grpc_security_constants.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "riec/common/request_limits.h"
#include "riec/crypto/sodium.h"
#include "riec/v1/options.pb.h"
#include "riec/crypto/openssl_handles.h"
#include "riec/common/hex.h"

namespace riec::server {
namespace {

}  // namespace

std::vector<std::string> UriSans(const std::string& pem) {
  std::vector<std::string> out;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_URI) continue;
    const ASN1_STRING* uri = n->d.uniformResourceIdentifier;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                     static_cast<size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string CertificateSha256(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return "";
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return "";
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) return "";
  std::string digest = crypto::Sha256(absl::string_view(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  return digest;
}

absl::StatusOr<policy::OrganisationCertificate> ReadOrganisationCertificate(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return absl::InvalidArgumentError("the client certificate cannot be read");
  policy::OrganisationCertificate out;
  int oins = 0, cns = 0;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) continue;
    std::string value(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
    if (nid == NID_serialNumber) {
      out.oin = std::move(value);
      ++oins;
    }
    if (nid == NID_commonName) {
      out.cn = std::move(value);
      ++cns;
    }
    if (nid == NID_organizationalUnitName) out.ous.push_back(std::move(value));
  }
  if (oins > 1 || cns > 1) {
    return absl::InvalidArgumentError(
        "the client certificate's subject has more than one serialNumber or commonName: which one is meant "
        "is not for the broker to guess");
  }
  out.sha256_hex = ToHex(CertificateSha256(pem));
  return out;
}

absl::StatusOr<Identity> IdentityFromCertificate(const std::vector<std::string>& uri_sans,
                                                 const std::string& pem_certificate,
                                                 const policy::Policy* policy,
                                                 const ConvenantIssuers* issuers) {
  if (pem_certificate.empty()) {
    return absl::UnauthenticatedError("no client certificate was presented");
  }
  std::vector<std::string> riec;
  for (const auto& uri : uri_sans) {
    if (absl::StartsWith(uri, "riec://")) riec.push_back(uri);
  }
  if (riec.empty() && policy != nullptr) {
    // A PKIoverheid organisation certificate: its OIN and distinguisher, as
    // the policy maps them.
    auto org = ReadOrganisationCertificate(pem_certificate);
    if (!org.ok()) return absl::UnauthenticatedError(org.status().message());
    if (org->oin.empty()) {
      return absl::UnauthenticatedError(
          "client certificate carries no riec:// URI SAN (a convenant-CA certificate) and no OIN in its "
          "subject serialNumber (a PKIoverheid organisation certificate)");
    }
    return policy->MapCertificate(*org);
  }
  if (riec.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate must carry exactly one riec:// URI SAN, it has ", riec.size(),
        riec.empty() ? "" : absl::StrCat(" (", absl::StrJoin(riec, ", "), ")")));
  }
  if (issuers != nullptr && !issuers->Issued(pem_certificate)) {
    return absl::UnauthenticatedError(
        "client certificate carries a riec:// URI SAN but was not issued by the convenant CA (tls.convenant_ca): "
        "only the convenant CA issues convenant identities");
  }
  auto identity = ParseIdentityUri(riec[0]);
  if (!identity.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("client certificate: ", identity.status().message()));
  }
  return identity;
}

std::string CallerCache::CertificateOf(const grpc::ServerContextBase& context) {
  auto auth = context.auth_context();
  if (!auth) return "";
  for (const auto& v : auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
    return CertificateSha256(std::string(v.data(), v.size()));
  }
  return "";
}

absl::StatusOr<Caller> CallerCache::CallerOf(const std::string& pem,
                                                  const std::function<std::vector<std::string>()>& uri_sans) {
  Caller caller;
  const size_t key = absl::Hash<std::string>()(pem);
  // The policy in force matters only to organisation certificates: read
  // it for them alone (a riec:// certificate's call takes no extra lock).
  auto in_force = [this] { return policies_ != nullptr ? policies_->Current() : nullptr; };
  bool cached = false;
  {
    absl::MutexLock l(&mu_);
    auto it = known_.find(key);
    // An organisation certificate's identity holds while the policy that
    // mapped it is in force.
    if (it != known_.end() && it->second.pem == pem &&
        (it->second.mapped_by == nullptr || it->second.mapped_by == in_force())) {
      if (!it->second.identity.ok()) return it->second.identity.status();
      caller.identity = *it->second.identity;
      caller.certificate_sha256 = it->second.sha256;
      cached = true;
    }
  }
  if (!cached) {
    const std::vector<std::string> uris = pem.empty() ? std::vector<std::string>{} : uri_sans();
    std::shared_ptr<const policy::Policy> policy;
    if (policies_ != nullptr &&
        std::none_of(uris.begin(), uris.end(), [](const std::string& u) { return absl::StartsWith(u, "riec://"); })) {
      policy = in_force();
    }
    Known k{pem, IdentityFromCertificate(uris, pem, policy.get(), issuers_.get()), CertificateSha256(pem)};
    k.mapped_by = std::move(policy);
    absl::StatusOr<Identity> identity = k.identity;
    caller.certificate_sha256 = k.sha256;
    {
      absl::MutexLock l(&mu_);
      if (known_.size() > 10000) known_.clear();  // certificates are few; a bound all the same
      known_[key] = std::move(k);
    }
    if (!identity.ok()) return identity.status();
    caller.identity = *std::move(identity);
  }
  if (revocations_ != nullptr) {
    const uint64_t generation = revocations_->generation();
    absl::MutexLock l(&mu_);
    auto it = known_.find(key);
    if (it != known_.end() && it->second.pem == pem) {
      if (it->second.checked_generation != generation) {
        it->second.revoked = revocations_->Revoked(pem);
        it->second.checked_generation = generation;
      }
      if (it->second.revoked) return absl::UnauthenticatedError(*it->second.revoked);
    } else if (auto why = revocations_->Revoked(pem)) {
      return absl::UnauthenticatedError(*why);
    }
  }
  return caller;
}

absl::StatusOr<core::Call> CallerCache::CallOf(const grpc::ServerContextBase& context, std::string method) {
  core::Call call;
  call.method = std::move(method);
  auto auth = context.auth_context();
  std::string pem;
  if (auth) {
    for (const auto& v : auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
      pem.assign(v.data(), v.size());
    }
  }
  auto caller = CallerOf(pem, [&auth] {
    std::vector<std::string> uris;
    if (!auth) return uris;
    for (const auto& v : auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) uris.emplace_back(v.data(), v.size());
    if (uris.empty()) {
      for (const auto& v : auth->FindPropertyValues(GRPC_X509_SAN_PROPERTY_NAME)) {
        uris.emplace_back(v.data(), v.size());
      }
    }
    return uris;
  });
  if (!caller.ok()) return caller.status();
  call.caller = *std::move(caller);
  const auto& md = context.client_metadata();
  if (auto it = md.find(kOnBehalfOfKey); it != md.end()) {
    auto name = DecodeOnBehalfOf(absl::string_view(it->second.data(), it->second.size()));
    if (!name.ok()) return name.status();
    call.caller.on_behalf_of = *std::move(name);
  }
  if (auto it = md.find(kTraceParentKey); it != md.end()) {
    auto trace = ParseTraceParent(absl::string_view(it->second.data(), it->second.size()));
    if (!trace.ok()) return trace.status();
    call.trace_id = trace->trace_id;
    call.span_id = trace->span_id;
  }
  return call;
}

}  // namespace riec::server
