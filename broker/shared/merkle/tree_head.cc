#include "riec/merkle/tree_head.h"

#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"

namespace riec::merkle {
namespace {
void AppendBE64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::string LogId(absl::string_view public_key) { return crypto::Sha256(public_key); }

std::string TreeHeadSignedBytes(absl::string_view log_id, uint64_t tree_size,
                                uint64_t timestamp_millis, absl::string_view root_hash) {
  std::string out(kTreeHeadDomain.data(), kTreeHeadDomain.size());
  out.push_back('\0');
  out.append(log_id.data(), log_id.size());
  AppendBE64(&out, tree_size);
  AppendBE64(&out, timestamp_millis);
  out.append(root_hash.data(), root_hash.size());
  return out;
}

bool VerifyTreeHead(absl::string_view public_key, absl::string_view log_id, uint64_t tree_size,
                    uint64_t timestamp_millis, absl::string_view root_hash,
                    absl::string_view signature) {
  if (log_id.size() != 32 || root_hash.size() != 32 || LogId(public_key) != log_id) return false;
  return crypto::VerifySignature(
      public_key, TreeHeadSignedBytes(log_id, tree_size, timestamp_millis, root_hash), signature);
}

}  // namespace riec::merkle
