#include "storage/keys.h"

#include "absl/strings/str_cat.h"

namespace riec::storage {
namespace {
constexpr char kNul = '\0';
}  // namespace

std::string EncodeBE64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t DecodeBE64(absl::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

std::string SubjectBytes(const v1::Subject& s) {
  std::string k = s.pseudonym();
  k.push_back(static_cast<char>(s.kind()));
  return k;
}

v1::Subject SubjectOf(absl::string_view b) {
  v1::Subject s;
  s.set_pseudonym(std::string(b.substr(0, 32)));
  if (b.size() > 32) s.set_kind(static_cast<v1::SubjectKind>(static_cast<unsigned char>(b[32])));
  return s;
}

namespace keys {

std::string IdPrefix(absl::string_view id) { return absl::StrCat(id, absl::string_view(&kNul, 1)); }

std::string Index(const v1::Subject& s, absl::string_view holder, absl::string_view category) {
  return absl::StrCat(SubjectBytes(s), IdPrefix(holder), category);
}

std::string IndexOfHolder(const v1::Subject& s, absl::string_view holder) {
  return absl::StrCat(SubjectBytes(s), IdPrefix(holder));
}

std::optional<HolderCategory> IndexSuffix(absl::string_view rest) {
  const size_t nul = rest.find(kNul);
  if (nul == absl::string_view::npos) return std::nullopt;
  return HolderCategory{std::string(rest.substr(0, nul)), std::string(rest.substr(nul + 1))};
}

std::string HolderPrefix(absl::string_view holder) { return IdPrefix(holder); }

std::string ByHolder(absl::string_view holder, const v1::Subject& s, absl::string_view category) {
  return absl::StrCat(IdPrefix(holder), SubjectBytes(s), category);
}

std::optional<HolderEntry> ParseByHolder(absl::string_view key) {
  const size_t nul = key.find(kNul);
  if (nul == absl::string_view::npos || key.size() < nul + 1 + kSubjectBytes) return std::nullopt;
  HolderEntry e;
  e.holder = std::string(key.substr(0, nul));
  e.subject = SubjectOf(key.substr(nul + 1, kSubjectBytes));
  e.category = std::string(key.substr(nul + 1 + kSubjectBytes));
  return e;
}

std::string StatsKind(absl::string_view holder, v1::SubjectKind kind) {
  std::string k = absl::StrCat(IdPrefix(holder), "k");
  k.push_back(static_cast<char>(kind));
  return k;
}

std::string StatsCategory(absl::string_view holder, absl::string_view category) {
  return absl::StrCat(IdPrefix(holder), "c", category);
}

std::string Expiry(absl::string_view holder, int64_t valid_until_micros, const v1::Subject& s,
                   absl::string_view category) {
  return absl::StrCat(IdPrefix(holder), EncodeBE64(static_cast<uint64_t>(valid_until_micros)),
                      SubjectBytes(s), category);
}

std::optional<ExpiryEntry> ParseExpiry(absl::string_view key) {
  const size_t nul = key.find(kNul);
  if (nul == absl::string_view::npos || key.size() < nul + 1 + 8 + kSubjectBytes) {
    return std::nullopt;
  }
  ExpiryEntry e;
  e.holder = std::string(key.substr(0, nul));
  e.valid_until_micros = static_cast<int64_t>(DecodeBE64(key.substr(nul + 1, 8)));
  e.subject = SubjectOf(key.substr(nul + 9, kSubjectBytes));
  e.category = std::string(key.substr(nul + 9 + kSubjectBytes));
  return e;
}

std::string SignalOfOwner(absl::string_view owner, int64_t created_seconds,
                          absl::string_view signal_id) {
  return absl::StrCat(IdPrefix(owner), EncodeBE64(static_cast<uint64_t>(created_seconds)),
                      signal_id);
}

std::string SignalIdOfOwnerKey(absl::string_view key, size_t owner_prefix_size) {
  if (key.size() < owner_prefix_size + 8) return "";
  return std::string(key.substr(owner_prefix_size + 8));
}

std::string LogIndex(uint64_t index) { return EncodeBE64(index); }

std::string TreeNode(int level, uint64_t index) {
  return std::string(1, static_cast<char>(level)) + EncodeBE64(index);
}

std::string ByTime(int64_t time_micros, uint64_t index) {
  return EncodeBE64(static_cast<uint64_t>(time_micros)) + EncodeBE64(index);
}

uint64_t IndexAtEnd(absl::string_view key) {
  return key.size() < 8 ? 0 : DecodeBE64(key.substr(key.size() - 8));
}

int64_t TimeOfByTimeKey(absl::string_view key) {
  return key.size() < 8 ? 0 : static_cast<int64_t>(DecodeBE64(key));
}

std::string Quota(absl::string_view quota, absl::string_view partner, absl::string_view period) {
  return absl::StrCat(IdPrefix(quota), IdPrefix(partner), period);
}

std::string QuotaPeriod(absl::string_view key) {
  const size_t last = key.rfind(kNul);
  return last == absl::string_view::npos ? "" : std::string(key.substr(last + 1));
}

std::string Event(absl::string_view recipient, uint64_t sequence) {
  return absl::StrCat(IdPrefix(recipient), EncodeBE64(sequence));
}

std::optional<uint64_t> EventSequence(uint64_t log_index, uint64_t position) {
  if (position > kMaxEventsPerRecord) return std::nullopt;
  return ((log_index + 1) << 24) | position;
}

std::string AskedPrefix(const v1::Subject& s, absl::string_view purpose) {
  return absl::StrCat(SubjectBytes(s), IdPrefix(purpose));
}

std::string Asked(const v1::Subject& s, absl::string_view purpose, absl::string_view partner) {
  return absl::StrCat(AskedPrefix(s, purpose), partner);
}

std::string AskedValue(int64_t until_micros, absl::string_view signal_id) {
  return absl::StrCat(EncodeBE64(static_cast<uint64_t>(until_micros)), signal_id);
}

std::optional<AskedMark> ParseAskedValue(absl::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return AskedMark{static_cast<int64_t>(DecodeBE64(value)), std::string(value.substr(8))};
}

std::string LateHitWatch(const v1::Subject& s, absl::string_view signal_id) {
  return absl::StrCat(SubjectBytes(s), signal_id);
}

std::string MatchKeyBytes(const v1::MatchKey& k) {
  std::string b = k.pseudonym();
  b.push_back(static_cast<char>(k.kind()));
  return b;
}

std::string MatchKeyEntry(absl::string_view match_key_bytes, absl::string_view holder,
                          const v1::Subject& s, absl::string_view category) {
  return absl::StrCat(match_key_bytes, IdPrefix(holder), SubjectBytes(s), category);
}

std::string MatchKeyOfHolder(absl::string_view match_key_bytes, absl::string_view holder) {
  return absl::StrCat(match_key_bytes, IdPrefix(holder));
}

std::optional<MatchKeyRow> ParseMatchKeyEntry(absl::string_view key, absl::string_view holder) {
  const size_t head = kSubjectBytes + holder.size() + 1;
  if (key.size() < head + kSubjectBytes || key.substr(kSubjectBytes, holder.size()) != holder ||
      key[kSubjectBytes + holder.size()] != '\0') {
    return std::nullopt;
  }
  return MatchKeyRow{SubjectOf(key.substr(head, kSubjectBytes)), std::string(key.substr(head + kSubjectBytes))};
}

std::string LateHit(absl::string_view signal_id, uint64_t log_index) {
  return absl::StrCat(IdPrefix(signal_id), EncodeBE64(log_index));
}

std::string Assessment(absl::string_view signal_id, const v1::Subject& s,
                       absl::string_view holder) {
  return absl::StrCat(IdPrefix(signal_id), SubjectBytes(s), holder);
}

std::string AssessmentAsksOf(absl::string_view signal_id, absl::string_view holder) {
  return absl::StrCat(IdPrefix(signal_id), IdPrefix(holder));
}

std::string AssessmentAsk(absl::string_view signal_id, absl::string_view holder,
                          const v1::Subject& s) {
  return absl::StrCat(AssessmentAsksOf(signal_id, holder), SubjectBytes(s));
}

std::string EncryptionKey(absl::string_view partner) {
  return IdPrefix(partner);
}

std::string Party(absl::string_view party, absl::string_view request_id) {
  return absl::StrCat(IdPrefix(party), request_id);
}

}  // namespace keys
}  // namespace riec::storage
