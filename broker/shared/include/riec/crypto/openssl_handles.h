// Named owners for the OpenSSL handles the broker and its clients use: one
// deleter each, so that every handle is owned from the line it is created
// (header only; a user links OpenSSL itself).
//
// Thread-safety: types only.
#ifndef RIEC_BROKER_CRYPTO_OPENSSL_HANDLES_H_
#define RIEC_BROKER_CRYPTO_OPENSSL_HANDLES_H_

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace riec {

namespace openssl_internal {
template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
inline void FreeBio(BIO* b) { BIO_free(b); }
inline void FreeStack(STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }
}  // namespace openssl_internal

using BioPtr = std::unique_ptr<BIO, openssl_internal::Deleter<BIO, openssl_internal::FreeBio>>;
using X509Ptr = std::unique_ptr<X509, openssl_internal::Deleter<X509, X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, openssl_internal::Deleter<X509_CRL, X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, openssl_internal::Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, openssl_internal::Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using X509StackPtr =
    std::unique_ptr<STACK_OF(X509), openssl_internal::Deleter<STACK_OF(X509), openssl_internal::FreeStack>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, openssl_internal::Deleter<EVP_PKEY, EVP_PKEY_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, openssl_internal::Deleter<SSL_CTX, SSL_CTX_free>>;
using ConfPtr = std::unique_ptr<CONF, openssl_internal::Deleter<CONF, NCONF_free>>;

}  // namespace riec

#endif  // RIEC_BROKER_CRYPTO_OPENSSL_HANDLES_H_
