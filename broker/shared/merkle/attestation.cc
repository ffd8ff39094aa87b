#include "riec/merkle/attestation.h"

#include "absl/strings/str_cat.h"
#include "riec/crypto/sodium.h"

namespace riec::merkle {
namespace {
void AppendBE64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

AttestationBuilder::AttestationBuilder(absl::string_view scope, absl::string_view log_id,
                                       uint64_t tree_size) {
  bytes_ = absl::StrCat(kAttestationDomain, std::string(1, '\0'), scope, std::string(1, '\0'), log_id);
  AppendBE64(&bytes_, tree_size);
}

void AttestationBuilder::Add(uint64_t index, int status, absl::string_view leaf_hash,
                             absl::string_view view) {
  AppendBE64(&bytes_, index);
  bytes_.push_back(static_cast<char>(status));
  bytes_.append(leaf_hash.data(), leaf_hash.size());
  bytes_.append(status == kPartialStatus ? crypto::Sha256(view) : std::string(32, '\0'));
}

}  // namespace riec::merkle
