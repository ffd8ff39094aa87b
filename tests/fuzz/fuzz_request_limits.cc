// Request validation on any bytes. The first byte picks a request type;
// the rest is parsed as that message and checked as the broker checks
// every request; then the same bytes are checked as one text field.
// Properties: nothing crashes; CheckText never accepts invalid UTF-8, a
// control character the rule forbids, more characters than the maximum, or
// free text with an identifier the detector finds; a request
// CheckRequestLimits accepts has only such strings, checked independently
// here (a UTF-8 decoder written from RFC 3629, not the library's).
#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "riec/common/identifiers.h"
#include "riec/common/request_limits.h"
#include "riec/v1/audit.pb.h"
#include "riec/v1/cases.pb.h"
#include "riec/v1/content.pb.h"
#include "riec/v1/index.pb.h"
#include "riec/v1/inquiry.pb.h"
#include "riec/v1/options.pb.h"
#include "riec/v1/signals.pb.h"

namespace {

// Code points of valid UTF-8 (RFC 3629), or false.
bool Decode(const std::string& s, std::vector<uint32_t>* out) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) { n = 0; cp = c; }
    else if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const unsigned char d = s[i + k];
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (n > 0 && cp < min) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out->push_back(cp);
    i += n + 1;
  }
  return true;
}

bool Allowed(const std::string& s, int rule, size_t max) {
  std::vector<uint32_t> cps;
  if (!Decode(s, &cps)) return false;
  if (max > 0 && cps.size() > max) return false;
  const bool lines = rule == riec::v1::TEXT_LINES || rule == riec::v1::TEXT_FREE;
  for (uint32_t cp : cps) {
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    if (control && !(lines && (cp == '\n' || cp == '\r' || cp == '\t'))) return false;
  }
  const bool free_text = rule == riec::v1::TEXT_FREE || rule == riec::v1::TEXT_FREE_LINE;
  return !(free_text && riec::FindPersonalIdentifier(s).has_value());
}

void CheckAccepted(const google::protobuf::Message& m) {
  using google::protobuf::FieldDescriptor;
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const auto& limits = f->options().GetExtension(riec::v1::limits);
    const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    if (limits.max_items() > 0 && f->is_repeated() && static_cast<uint32_t>(n) > limits.max_items()) {
      __builtin_trap();
    }
    for (int i = 0; i < n; ++i) {
      if (f->type() == FieldDescriptor::TYPE_STRING) {
        const std::string v = f->is_repeated() ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        if (!Allowed(v, limits.text(), limits.max())) __builtin_trap();
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CheckAccepted(f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  riec::v1::RegisterSignalRequest a;
  riec::v1::ProposeCaseRequest b;
  riec::v1::PublishRequest c;
  riec::v1::ProvideContentRequest d;
  riec::v1::ListRecordsRequest e;
  riec::v1::CloseCaseRequest f;
  google::protobuf::Message* kinds[] = {&a, &b, &c, &d, &e, &f};
  google::protobuf::Message* m = kinds[data[0] % 6];
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (m->ParseFromString(bytes) && riec::CheckRequestLimits(*m).ok()) CheckAccepted(*m);

  // The same bytes as one text under each rule, with a maximum from the
  // first byte.
  const size_t max = data[0] % 40;
  for (int rule : {riec::v1::TEXT_LINE, riec::v1::TEXT_LINES, riec::v1::TEXT_FREE_LINE, riec::v1::TEXT_FREE}) {
    const bool ok = riec::CheckText(bytes, "f", rule, max).ok();
    if (ok != Allowed(bytes, rule, max)) __builtin_trap();
  }
  return 0;
}
