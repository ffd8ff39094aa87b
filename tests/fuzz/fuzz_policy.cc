// The policy parser and validator on any text. Properties: it never
// crashes or throws; a text it accepts gives the same policy (the same
// SHA-256 and description) when parsed again; every decision on a policy it
// accepts names a rule and explains itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "riec/policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace riec::policy;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<ValidationError> errors;
  auto p = Policy::Parse(text, "fuzz.yaml", &errors);
  if (!p.ok()) {
    if (errors.empty()) __builtin_trap();  // a refusal names its problems
    return 0;
  }
  auto again = Policy::Parse(text, "fuzz.yaml", nullptr);
  if (!again.ok() || (*again)->sha256_hex() != (*p)->sha256_hex() ||
      (*again)->Describe() != (*p)->Describe()) {
    __builtin_trap();
  }
  for (Action a : AllActions()) {
    Request r;
    r.action = a;
    r.who.convenant = (*p)->convenant_id();
    r.who.partner = "riec";
    r.who.role = "partner-system";
    r.now = absl::FromUnixSeconds(1'800'000'000);
    r.purpose = "ondermijning";
    Decision d = (*p)->Decide(r);
    if (d.rule.empty() || d.explanation.empty()) __builtin_trap();
  }
  return 0;
}
