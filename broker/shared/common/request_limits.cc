#include "riec/common/request_limits.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "riec/common/identifiers.h"
#include "riec/v1/options.pb.h"

namespace riec {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

absl::Status Invalid(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

bool IsTimestamp(const Descriptor* d) { return d->full_name() == "google.protobuf.Timestamp"; }

absl::Status CheckTimestamp(const Message& m, const std::string& path) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  const int64_t seconds = r->GetInt64(m, d->FindFieldByName("seconds"));
  const int32_t nanos = r->GetInt32(m, d->FindFieldByName("nanos"));
  if (nanos < 0 || nanos > 999'999'999) {
    return Invalid(path, absl::StrCat("nanos ", nanos, " is not in [0, 999999999]"));
  }
  if (seconds < kMinSeconds || seconds > kMaxSeconds) {
    return Invalid(path, "not a time between the years 1 and 9999");
  }
  return absl::OkStatus();
}

absl::Status CheckMessage(const Message& m, const std::string& path);

absl::Status CheckScalar(const Message& m, const FieldDescriptor* f, int index,
                         const std::string& path, const v1::Limits& limits) {
  const Reflection* r = m.GetReflection();
  const bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& v = repeated ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                      : r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        if (limits.max() > 0 && v.size() > limits.max()) {
          return Invalid(path, absl::StrCat(v.size(), " bytes, at most ", limits.max()));
        }
        if (limits.exact() > 0 && !v.empty() && v.size() != limits.exact()) {
          return Invalid(path, absl::StrCat(v.size(), " bytes, want ", limits.exact()));
        }
        return absl::OkStatus();
      }
      return CheckText(v, path, limits.text(), limits.max());
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int value = repeated ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      if (f->enum_type()->FindValueByNumber(value) == nullptr) {
        return Invalid(path, absl::StrCat("unknown value ", value, " of ", f->enum_type()->name()));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = repeated ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
      if (IsTimestamp(sub.GetDescriptor())) return CheckTimestamp(sub, path);
      return CheckMessage(sub, path);
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status CheckMessage(const Message& m, const std::string& path) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string name = path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    const v1::Limits& limits = f->options().GetExtension(v1::limits);
    if (f->is_repeated()) {
      const int n = r->FieldSize(m, f);
      if (limits.max_items() > 0 && static_cast<uint32_t>(n) > limits.max_items()) {
        return Invalid(name, absl::StrCat(n, " items; at most ", limits.max_items(), " per call"));
      }
      for (int i = 0; i < n; ++i) {
        if (absl::Status s = CheckScalar(m, f, i, absl::StrCat(name, "[", i, "]"), limits); !s.ok()) {
          return s;
        }
      }
    } else if (absl::Status s = CheckScalar(m, f, -1, name, limits); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

void Unbounded(const Descriptor* d, const std::string& path, std::set<const Descriptor*>* seen,
               std::vector<std::string>* out) {
  if (!seen->insert(d).second || IsTimestamp(d)) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string name = absl::StrCat(path, ".", f->name());
    const v1::Limits& limits = f->options().GetExtension(v1::limits);
    if (f->is_repeated() && limits.max_items() == 0) out->push_back(name + " (max_items)");
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && limits.max() == 0 && limits.exact() == 0) {
      out->push_back(name + " (max)");
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) Unbounded(f->message_type(), name, seen, out);
  }
}

}  // namespace

absl::Status CheckText(absl::string_view text, absl::string_view field, int rule, size_t max) {
  const bool lines = rule == v1::TEXT_LINES || rule == v1::TEXT_FREE;
  const bool free_text = rule == v1::TEXT_FREE || rule == v1::TEXT_FREE_LINE;
  size_t chars = 0;
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    if (!NextCodePoint(text, &i, &cp)) return Invalid(field, "not valid UTF-8");
    ++chars;
    const bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
    if (control && !(lines && (cp == '\n' || cp == '\r' || cp == '\t'))) {
      return Invalid(field, lines ? "control characters other than line breaks and tabs are not allowed"
                                  : "control characters are not allowed");
    }
  }
  if (max > 0 && chars > max) {
    return Invalid(field, absl::StrCat(chars, " characters, at most ", max));
  }
  if (free_text) {
    if (auto found = FindPersonalIdentifier(text)) {
      return Invalid(field, absl::StrCat("looks like it contains ", *found,
                                         "; personal identifiers belong in subjects (as "
                                         "pseudonyms), never in free text"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRequestLimits(const Message& request) { return CheckMessage(request, ""); }

std::vector<std::string> FieldsWithoutLimits(const Descriptor* type) {
  std::set<const Descriptor*> seen;
  std::vector<std::string> out;
  Unbounded(type, type->name(), &seen, &out);
  return out;
}

}  // namespace riec
