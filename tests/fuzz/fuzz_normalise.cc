// The subject normalisers on any value of any kind. Properties: they never
// crash; a value they accept gives a canonical form that normalises to
// itself (so a partner that normalises twice gets one pseudonym); the
// canonical form is valid UTF-8 without control characters.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "riec/common/identifiers.h"
#include "riec/sdk/normalise.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const riec::v1::SubjectKind kKinds[] = {
      riec::v1::PERSON_BSN, riec::v1::PERSON_NAME_DOB, riec::v1::ORGANISATION_KVK,
      riec::v1::ADDRESS,    riec::v1::VEHICLE,         riec::v1::BANK_ACCOUNT};
  const riec::v1::SubjectKind kind = kKinds[data[0] % 6];
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  const absl::Time today = absl::FromCivil(absl::CivilDay(2026, 12, 1), absl::UTCTimeZone());
  auto canonical = riec::sdk::Normalise(kind, value, today);
  if (!canonical.ok()) return 0;
  auto again = riec::sdk::Normalise(kind, *canonical, today);
  if (!again.ok() || *again != *canonical) __builtin_trap();
  size_t i = 0;
  uint32_t cp = 0;
  while (i < canonical->size()) {
    if (!riec::NextCodePoint(*canonical, &i, &cp) || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      __builtin_trap();
    }
  }
  return 0;
}
