#include "server/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "riec/common/file.h"
#include "riec/crypto/secret_bytes.h"

namespace riec::server {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

X509Ptr ParseCertificate(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// Every PEM certificate of a file's text, in order (a chain, a CA bundle).
std::vector<X509Ptr> ParseCertificates(absl::string_view pem) {
  std::vector<X509Ptr> out;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (bio) {
    X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (c == nullptr) break;
    out.emplace_back(c);
  }
  ERR_clear_error();  // the end of the text
  return out;
}

absl::Time FromAsn1(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfiniteFuture();
  return absl::FromTM(tm, absl::UTCTimeZone());
}

// Refuses a client certificate that a CRL in force revokes. gRPC has
// verified the chain against the client CA before it asks.
class RevocationVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit RevocationVerifier(std::shared_ptr<Revocations> revocations)
      : revocations_(std::move(revocations)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>, grpc::Status* sync_status) override {
    const grpc::string_ref pem = request->peer_cert();
    if (auto why = revocations_->Revoked(absl::string_view(pem.data(), pem.size()))) {
      *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, *why);
    } else {
      *sync_status = grpc::Status::OK;
    }
    return true;  // decided synchronously
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  std::shared_ptr<Revocations> revocations_;
};

}  // namespace

absl::Status RestrictToTls13() {
  // Load the system configuration first (once per process), then ours on
  // top, so that later automatic loading does not replace it.
  OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, nullptr);
  static constexpr char kConfig[] =
      "riec_conf = riec_modules\n"
      "[riec_modules]\n"
      "ssl_conf = riec_ssl\n"
      "[riec_ssl]\n"
      "system_default = riec_tls\n"
      "[riec_tls]\n"
      "MinProtocol = TLSv1.3\n"
      "Protocol = -ALL, TLSv1.3\n";
  OPENSSL_load_builtin_modules();
  ConfPtr conf(NCONF_new(nullptr));
  BioPtr bio(BIO_new_mem_buf(kConfig, -1));
  long line = 0;
  if (!conf || !bio || NCONF_load_bio(conf.get(), bio.get(), &line) <= 0 ||
      CONF_modules_load(conf.get(), "riec_conf", 0) <= 0) {
    return absl::InternalError(absl::StrCat("cannot restrict OpenSSL to TLS 1.3: ", OpenSslError()));
  }
  SslCtxPtr ctx(SSL_CTX_new(TLS_method()));
  if (!ctx || (SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_TLSv1_2) == 0) {
    return absl::InternalError("OpenSSL did not apply the TLS 1.3-only configuration");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Revocations>> Revocations::Load(const TlsFiles& files) {
  if (!files.crl_dir.empty() && !std::filesystem::is_directory(files.crl_dir)) {
    return absl::InvalidArgumentError(absl::StrCat("tls.crl_dir: ", files.crl_dir, " is not a directory"));
  }
  std::shared_ptr<Revocations> r(new Revocations(files));
  if (!files.crl_dir.empty()) {
    if (auto loaded = r->Reload(); !loaded.ok()) return loaded.status();
  }
  return r;
}

absl::StatusOr<size_t> Revocations::Reload() {
  if (files_.crl_dir.empty()) return 0;
  auto ca_pem = ReadSettingFile(files_.client_ca, "tls.client_ca");
  if (!ca_pem.ok()) return ca_pem.status();
  // Every CA of the bundle (the convenant CA, a PKIoverheid issuing CA):
  // a CRL must be one of theirs.
  const std::vector<X509Ptr> cas = ParseCertificates(*ca_pem);
  if (cas.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tls.client_ca: ", files_.client_ca, " is not a PEM certificate"));
  }
  std::vector<X509CrlPtr> loaded;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(files_.crl_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    auto bytes = ReadFile(path);
    if (!bytes.ok()) return bytes.status();
    BioPtr bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
    X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!crl) {
      BioPtr der(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
      crl.reset(d2i_X509_CRL_bio(der.get(), nullptr));
    }
    if (!crl) {
      ERR_clear_error();
      // Not a CRL (c_rehash links, READMEs): skipped, but a .crl or .pem
      // file must be one.
      if (entry.path().extension() == ".crl" || entry.path().extension() == ".pem") {
        return absl::InvalidArgumentError(absl::StrCat("tls.crl_dir: ", path, " is not a CRL"));
      }
      continue;
    }
    const bool signed_by_a_ca = std::any_of(cas.begin(), cas.end(), [&](const X509Ptr& ca) {
      EvpPkeyPtr key(X509_get_pubkey(ca.get()));
      return X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.get())) == 0 && key &&
             X509_CRL_verify(crl.get(), key.get()) == 1;
    });
    ERR_clear_error();
    if (!signed_by_a_ca) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tls.crl_dir: ", path, " is not signed by a CA of tls.client_ca ", files_.client_ca));
    }
    loaded.push_back(std::move(crl));
  }
  if (ec) return absl::UnavailableError(absl::StrCat("tls.crl_dir: ", files_.crl_dir, ": ", ec.message()));
  const size_t n = loaded.size();
  absl::MutexLock l(&mu_);
  crls_ = std::move(loaded);
  ++generation_;
  return n;
}

std::optional<std::string> Revocations::Revoked(absl::string_view pem) const {
  absl::MutexLock l(&mu_);
  if (crls_.empty()) return std::nullopt;
  X509Ptr cert = ParseCertificate(pem);
  if (!cert) return "the client certificate cannot be read";
  for (const auto& crl : crls_) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(cert.get())) != 0) continue;
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_cert(crl.get(), &entry, cert.get()) == 1) {
      return "the client certificate is revoked";
    }
  }
  return std::nullopt;
}

std::optional<absl::Time> Revocations::EarliestNextUpdate() const {
  absl::MutexLock l(&mu_);
  std::optional<absl::Time> earliest;
  for (const auto& crl : crls_) {
    const absl::Time t = FromAsn1(X509_CRL_get0_nextUpdate(crl.get()));
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

absl::StatusOr<std::shared_ptr<const ConvenantIssuers>> ConvenantIssuers::Load(const TlsFiles& files) {
  auto issuers = std::make_shared<ConvenantIssuers>();
  if (files.convenant_ca.empty()) return issuers;
  auto pem = ReadSettingFile(files.convenant_ca, "tls.convenant_ca");
  if (!pem.ok()) return pem.status();
  issuers->cas_ = ParseCertificates(*pem);
  if (issuers->cas_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tls.convenant_ca: ", files.convenant_ca, " is not a PEM certificate"));
  }
  return issuers;
}

bool ConvenantIssuers::Issued(absl::string_view pem) const {
  if (cas_.empty()) return true;
  X509Ptr cert = ParseCertificate(pem);
  if (!cert) return false;
  const bool issued = std::any_of(cas_.begin(), cas_.end(), [&](const X509Ptr& ca) {
    EvpPkeyPtr key(X509_get_pubkey(ca.get()));
    return X509_check_issued(ca.get(), cert.get()) == X509_V_OK && key && X509_verify(cert.get(), key.get()) == 1;
  });
  ERR_clear_error();
  return issued;
}

absl::StatusOr<std::vector<CertificateDates>> CertificatesIn(const std::string& path) {
  auto pem = ReadSettingFile(path, "certificate");
  if (!pem.ok()) return pem.status();
  std::vector<CertificateDates> out;
  for (const X509Ptr& cert : ParseCertificates(*pem)) {
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof subject);
    out.push_back({subject, FromAsn1(X509_get0_notAfter(cert.get()))});
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no PEM certificate in it"));
  return out;
}

absl::StatusOr<absl::Time> CertificatesNotAfter(const std::string& path) {
  auto pem = ReadSettingFile(path, "certificate");
  if (!pem.ok()) return pem.status();
  std::optional<absl::Time> earliest;
  for (const X509Ptr& cert : ParseCertificates(*pem)) {
    const absl::Time t = FromAsn1(X509_get0_notAfter(cert.get()));
    if (!earliest || t < *earliest) earliest = t;
  }
  if (!earliest) return absl::InvalidArgumentError(absl::StrCat(path, ": no PEM certificate in it"));
  return *earliest;
}

absl::Status CheckServerKeyPair(const TlsFiles& files) {
  auto cert_pem = ReadSettingFile(files.cert, "tls.cert");
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = crypto::ReadSecretSettingFile(files.key, "tls.key");
  if (!key_pem.ok()) return key_pem.status();
  auto ca_pem = ReadSettingFile(files.client_ca, "tls.client_ca");
  if (!ca_pem.ok()) return ca_pem.status();

  X509Ptr cert = ParseCertificate(*cert_pem);
  if (!cert) {
    return absl::InvalidArgumentError(absl::StrCat("tls.cert: ", files.cert, " is not a PEM certificate"));
  }
  BioPtr kb(BIO_new_mem_buf(key_pem->view().data(), static_cast<int>(key_pem->size())));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.key: ", files.key, " is not an unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.key: ", files.key, " does not belong to the certificate ", files.cert));
  }
  if (!ParseCertificate(*ca_pem)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.client_ca: ", files.client_ca, " is not a PEM certificate"));
  }
  return absl::OkStatus();
}

absl::Status CheckServerChain(const TlsFiles& files) {
  auto cert_pem = ReadSettingFile(files.cert, "tls.cert");
  if (!cert_pem.ok()) return cert_pem.status();
  auto ca_pem = ReadSettingFile(files.client_ca, "tls.client_ca");
  if (!ca_pem.ok()) return ca_pem.status();
  // The file's first certificate is the server's; the rest, if any, are
  // intermediates.
  const std::vector<X509Ptr> chain = ParseCertificates(*cert_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tls.cert: ", files.cert, " is not a PEM certificate"));
  }
  X509StorePtr store(X509_STORE_new());
  const std::vector<X509Ptr> cas = ParseCertificates(*ca_pem);
  for (const X509Ptr& ca : cas) X509_STORE_add_cert(store.get(), ca.get());  // the store takes a reference
  if (cas.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.client_ca: ", files.client_ca, " is not a PEM certificate"));
  }
  STACK_OF(X509)* intermediates = sk_X509_new_null();
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(intermediates, chain[i].get());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !intermediates || !ctx ||
      X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), intermediates) != 1) {
    sk_X509_free(intermediates);
    ERR_clear_error();
    return absl::InternalError("tls.cert: OpenSSL could not set up the chain check (out of memory?)");
  }
  // Dates are the expiry check's business (with its own words); purpose:
  // a TLS server.
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  const int error = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(intermediates);
  ERR_clear_error();
  if (!ok) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.cert: ", files.cert, " does not chain to the CA of tls.client_ca (", files.client_ca,
        "), which partners' systems trust for the broker: ", X509_verify_cert_error_string(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files, std::shared_ptr<Revocations> revocations) {
  if (absl::Status s = CheckServerKeyPair(files); !s.ok()) return s;

  // Re-read every 10 s: a renewed certificate or CA bundle is picked up
  // without a restart.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key, files.cert, files.client_ca, /*refresh_interval_sec=*/10);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<RevocationVerifier>(
          std::move(revocations)));
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace riec::server
