#include "cli/ldv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "riec/common/hex.h"
#include "riec/common/identity.h"
#include "riec/common/subject_kind.h"
#include "riec/crypto/sodium.h"

namespace riec::cli {
namespace {

// `bytes` hex digits of SHA-256 over the log key and the parts: the same
// record gives the same ids at every export.
std::string DerivedId(const LdvContext& c, absl::string_view what, uint64_t index, int64_t part, size_t bytes) {
  return ToHex(crypto::Sha256(absl::StrCat("riec-ldv-", what, "\n", c.log_public_key, "\n", index, "\n", part)))
      .substr(0, bytes * 2);
}

// A JSON string (protobuf's own escaping).
std::string Quote(absl::string_view s) {
  google::protobuf::Value v;
  v.set_string_value(std::string(s));
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(v, &out);
  return out;
}

// An object with its members in the order given (LDV's order), so that
// every export of a record is the same bytes.
class Object {
 public:
  Object& Add(absl::string_view key, absl::string_view json) {
    absl::StrAppend(&out_, out_.empty() ? "{" : ",", Quote(key), ":", json);
    return *this;
  }
  Object& Text(absl::string_view key, absl::string_view value) { return Add(key, Quote(value)); }
  std::string Done() const { return out_.empty() ? "{}" : out_ + "}"; }

 private:
  std::string out_;
};

// LDV status: Ok for an answered call, Error for the broker's own failure,
// Unset for a call refused by a rule (finished without an internal error).
std::string Status(const v1::LogRecord& r) {
  const int code = r.decision().status_code();
  if (code == 0) return "Ok";
  if (code == 13 || code == 15 || code == 2 || code == 14) return "Error";  // INTERNAL, DATA_LOSS, UNKNOWN, UNAVAILABLE
  return "Unset";
}

std::string Name(const v1::LogRecord& r) {
  std::string kind = v1::RecordKind_Name(r.kind());
  absl::AsciiStrToLower(&kind);
  std::string name = absl::StrCat("riec-broker ", absl::StrReplaceAll(kind, {{"_", "-"}}), " (", r.method(), ") by ",
                                  r.actor().partner(), "/", r.actor().role());
  if (!r.purpose().empty()) absl::StrAppend(&name, " under purpose ", r.purpose());
  if (!r.decision().allowed()) absl::StrAppend(&name, ", refused by rule ", r.decision().rule());
  return name;
}

}  // namespace

LdvResult LdvRecords(const v1::LogRecord& r, uint64_t index, const LdvContext& c) {
  LdvResult result;
  if (r.subjects_size() == 0) return result;

  // The processing: the caller's trace, or one of the log's own.
  const std::string trace_id = r.trace_id().empty() ? DerivedId(c, "trace", index, 0, 16) : r.trace_id();
  const std::string processing_span = DerivedId(c, "span", index, -1, 8);
  const std::string millis = absl::StrCat(r.time_unix_micros() / 1000);

  std::string activity;
  if (c.policy != nullptr) {
    if (const policy::Purpose* p = c.policy->FindPurpose(r.purpose())) {
      if (auto it = p->processing_activities.find(c.partner); it != p->processing_activities.end()) {
        activity = it->second;
      }
    }
  }
  result.missing_activity = activity.empty();
  const std::string resource = Object()
                                   .Add("attributes", Object()
                                                          .Text("service.name", "riec-broker")
                                                          .Text("riec.convenant_id", r.convenant_id())
                                                          .Add("riec.log_index", absl::StrCat(index))
                                                          .Done())
                                   .Done();

  // One record: its span, its parent, the subject (or none), and the
  // processor of the parent when it is the caller's application.
  auto record = [&](absl::string_view span, absl::string_view parent, const v1::LoggedSubject* subject,
                    bool foreign) {
    Object o;
    o.Text("trace_id", trace_id).Text("span_id", span);
    if (!parent.empty()) o.Text("parent_span_id", parent);
    o.Text("name", Name(r)).Text("status", Status(r)).Add("start_time", millis).Add("end_time", millis);
    o.Add("resource", resource);
    Object a;
    if (!activity.empty()) a.Text("dpl.core.processing_activity_id", activity);
    if (subject != nullptr) {
      a.Text("dpl.core.data_subject_id", ToHex(subject->pseudonym()));
      a.Text("dpl.core.data_subject_id_type", absl::StrCat("urn:riec-broker:pseudonym:", KindTag(subject->kind())));
    }
    if (foreign) {
      a.Text("dpl.core.foreign_operation.processor",
             IdentityUri({r.convenant_id(), r.actor().partner(), r.actor().role(), r.actor().name()}));
    }
    o.Add("attributes", a.Done());
    return o.Done();
  };
  // The processing's parent is the caller's span, in the caller's
  // application, when the caller sent a traceparent.
  const bool foreign = !r.span_id().empty();
  if (r.subjects_size() == 1) {
    result.lines.push_back(record(processing_span, r.span_id(), &r.subjects(0), foreign));
    return result;
  }
  result.lines.push_back(record(processing_span, r.span_id(), nullptr, foreign));
  for (int i = 0; i < r.subjects_size(); ++i) {
    result.lines.push_back(record(DerivedId(c, "span", index, i, 8), processing_span, &r.subjects(i), false));
  }
  return result;
}

}  // namespace riec::cli
