#include "server/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "riec/common/file.h"

namespace riec::server {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

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
  std::unique_ptr<CONF, decltype(&NCONF_free)> conf(NCONF_new(nullptr), &NCONF_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(kConfig, -1), &BIO_free);
  long line = 0;
  if (!conf || !bio || NCONF_load_bio(conf.get(), bio.get(), &line) <= 0 ||
      CONF_modules_load(conf.get(), "riec_conf", 0) <= 0) {
    return absl::InternalError(
        absl::StrCat("cannot restrict OpenSSL to TLS 1.3: ", OpenSslError()));
  }
  // Verify it took effect on a fresh context.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_method()),
                                                         &SSL_CTX_free);
  if (!ctx || (SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_TLSv1_2) == 0) {
    return absl::InternalError("OpenSSL did not apply the TLS 1.3-only configuration");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  auto cert_pem = ReadSettingFile(files.cert, "tls.cert");
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadSettingFile(files.key, "tls.key");
  if (!key_pem.ok()) return key_pem.status();
  auto ca_pem = ReadSettingFile(files.client_ca, "tls.client_ca");
  if (!ca_pem.ok()) return ca_pem.status();

  std::unique_ptr<BIO, decltype(&BIO_free)> cb(
      BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.cert: ", files.cert, " is not a PEM certificate"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(
      BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.key: ", files.key, " is not an unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.key: ", files.key, " does not belong to the certificate ", files.cert));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> ab(
      BIO_new_mem_buf(ca_pem->data(), static_cast<int>(ca_pem->size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> ca(
      PEM_read_bio_X509(ab.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!ca) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.client_ca: ", files.client_ca, " is not a PEM certificate"));
  }
  if (!files.crl_dir.empty() && !std::filesystem::is_directory(files.crl_dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.crl_dir: ", files.crl_dir, " is not a directory"));
  }

  // Re-read every minute: a renewed certificate or CA bundle is picked up
  // without a restart.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key, files.cert, files.client_ca, /*refresh_interval_sec=*/60);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!files.crl_dir.empty()) options.set_crl_directory(files.crl_dir);
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace riec::server
