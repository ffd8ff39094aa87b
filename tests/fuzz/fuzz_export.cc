// The readers `riec audit verify` relies on, on any bytes: the strict JSON
// parser, the trusted-head file and the export verifier. Properties: they
// never crash; the strict parser never accepts a key twice in one object
// nor bytes after the value; an export that verifies against a key the
// fuzzer cannot know the private half of is impossible, so verification of
// fuzzed input never succeeds.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "riec/sdk/log_verify.h"
#include "riec/sdk/strict_json.h"

namespace {

// Walks the whole value (the parser's result must be well formed).
void Walk(const riec::sdk::JsonValue& v) {
  for (const auto& [k, member] : v.object()) Walk(member);
  for (const auto& item : v.array()) Walk(item);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto json = riec::sdk::ParseStrictJson(text);
  if (json.ok()) {
    Walk(*json);
    // Appending anything but whitespace makes it invalid.
    if (riec::sdk::ParseStrictJson(text + " x").ok()) __builtin_trap();
    // A duplicated member of a non-empty object is refused.
    if (json->is_object() && !json->object().empty() && text.size() > 2 && text.back() == '}') {
      const auto& [k, unused] = *json->object().begin();
      std::string twice = text.substr(0, text.size() - 1) + ",\"" + k + "\":null}";
      // (only when the key needs no escaping)
      bool plain = true;
      for (char c : k) plain &= c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
      if (plain && riec::sdk::ParseStrictJson(twice).ok()) __builtin_trap();
    }
  }
  std::istringstream in(text);
  static const std::string kKey(32, '\x42');  // nobody holds its private key
  auto report = riec::sdk::VerifyExport(in, kKey);
  if (report.ok()) __builtin_trap();
  return 0;
}
