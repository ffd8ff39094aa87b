#include "riec/sdk/log_verify.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/time_util.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"
#include "absl/strings/str_join.h"
#include "riec/merkle/attestation.h"
#include "riec/merkle/checkpoint.h"
#include "riec/merkle/merkle.h"
#include "riec/merkle/tree_head.h"
#include "riec/policy/policy.h"
#include "riec/sdk/strict_json.h"
#include "riec/v1/log.pb.h"

namespace riec::sdk {
namespace {

bool Decode64(absl::string_view text, std::string* out) {
  auto bytes = crypto::FromBase64(text);
  if (!bytes) return false;
  *out = *std::move(bytes);
  return true;
}

absl::Status Alert(absl::string_view what) { return absl::DataLossError(what); }

const char* StatusName(v1::EntryStatus s) {
  switch (s) {
    case v1::PRESENT: return "present";
    case v1::PARTIAL: return "partial";
    case v1::REDACTED: return "redacted";
    case v1::WITHHELD: return "withheld";
    case v1::UNREADABLE: return "unreadable";
    default: return "?";
  }
}

std::optional<v1::EntryStatus> StatusOfName(absl::string_view n) {
  for (v1::EntryStatus s : {v1::PRESENT, v1::PARTIAL, v1::REDACTED, v1::WITHHELD, v1::UNREADABLE}) {
    if (n == StatusName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace

absl::Status VerifyTreeHead(const v1::SignedTreeHead& h, const std::string& public_key) {
  if (!merkle::VerifyTreeHead(public_key, h.log_id(), h.tree_size(), h.timestamp_millis(),
                              h.root_hash(), h.signature())) {
    return Alert(absl::StrCat("the tree head of size ", h.tree_size(),
                              " is not signed by the log key ", ToHex(public_key).substr(0, 16), "…"));
  }
  return absl::OkStatus();
}

std::string CheckpointOrigin(const std::string& public_key) {
  return "riec-log/" + ToHex(merkle::LogId(public_key)).substr(0, 16);
}

absl::StatusOr<WitnessedCheckpoint> VerifyCheckpoint(const std::string& text, const std::string& public_key,
                                                     const std::vector<std::string>& witness_vkeys) {
  std::vector<merkle::Verifier> witnesses;
  for (const auto& vkey : witness_vkeys) {
    auto v = merkle::ParseVkey(vkey);
    if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("witness ", vkey, ": ", v.status().message()));
    if (v->type != merkle::kCosignatureEd25519) {
      return absl::InvalidArgumentError(absl::StrCat("witness ", v->name, ": not a cosignature key (type 0x04)"));
    }
    for (const auto& w : witnesses) {
      // One key counts once: a cosignature does not sign the witness's
      // name, so the same key under two names would count twice.
      if (w.public_key == v->public_key || w.name == v->name) {
        return absl::InvalidArgumentError(absl::StrCat("witness ", v->name, ": named twice (or its key under two names)"));
      }
    }
    witnesses.push_back(*std::move(v));
  }
  auto note = merkle::ParseNote(text);
  if (!note.ok()) return Alert(absl::StrCat("FORGED CHECKPOINT: ", note.status().message()));
  auto body = merkle::ParseCheckpointBody(note->body);
  if (!body.ok()) return Alert(absl::StrCat("FORGED CHECKPOINT: ", body.status().message()));
  const std::string origin = CheckpointOrigin(public_key);
  if (body->origin != origin) {
    return Alert(absl::StrCat("FORGED CHECKPOINT: the checkpoint is of '", body->origin, "', not of this log (",
                              origin, ")"));
  }
  // The log's own note signature first: cosignatures vouch for a checkpoint
  // the log signed.
  merkle::Verifier log{origin, merkle::NoteKeyId(origin, merkle::kNoteEd25519, public_key), merkle::kNoteEd25519,
                       public_key};
  auto by_log = merkle::VerifyNote(*note, log);
  if (!by_log.ok() || !by_log->has_value()) {
    return Alert(absl::StrCat("FORGED CHECKPOINT: the checkpoint of size ", body->size,
                              " is not signed by the log key"));
  }
  WitnessedCheckpoint out;
  out.checkpoint = *std::move(body);
  for (const auto& w : witnesses) {
    auto r = merkle::VerifyNote(*note, w);
    if (!r.ok()) {
      return Alert(absl::StrCat("FORGED COSIGNATURE: the cosignature of witness ", w.name,
                                " on the checkpoint of size ", out.checkpoint.size, " does not verify"));
    }
    (r->has_value() ? out.cosigned : out.missing).push_back(w.name);
  }
  return out;
}

absl::StatusOr<WitnessedCheckpoint> CheckWitnesses(const v1::SignedTreeHead& head, const std::string& public_key,
                                                   const std::vector<std::string>& witness_vkeys, size_t quorum) {
  const std::string what = absl::StrCat("the tree head of size ", head.tree_size());
  if (quorum == 0 || quorum > witness_vkeys.size()) {
    return absl::InvalidArgumentError(absl::StrCat("quorum: ", quorum, " of ", witness_vkeys.size(),
                                                   " witnesses cannot be met; give 1..", witness_vkeys.size()));
  }
  if (head.checkpoint().empty()) {
    return Alert(absl::StrCat("UNWITNESSED: ", what, " carries no checkpoint; no witness can have cosigned it"));
  }
  auto c = VerifyCheckpoint(head.checkpoint(), public_key, witness_vkeys);
  if (!c.ok()) return c.status();
  if (c->checkpoint.size != head.tree_size() || c->checkpoint.root != head.root_hash()) {
    return Alert(absl::StrCat("FORGED CHECKPOINT: the checkpoint of ", what,
                              " states another size or root than the signed head"));
  }
  if (c->cosigned.size() < quorum) {
    return Alert(absl::StrCat("UNWITNESSED: ", what, " has the cosignatures of ", c->cosigned.size(), " of the ",
                              quorum, " witnesses required (", witness_vkeys.size(), " named); missing: ",
                              absl::StrJoin(c->missing, ", ")));
  }
  return c;
}

std::string DefaultTrustedHeadPath(const std::string& log_id) {
  std::string base;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0') {
    base = absl::StrCat(x, "/riec");
  } else if (const char* home = std::getenv("HOME"); home != nullptr) {
    base = absl::StrCat(home, "/.local/state/riec");
  } else {
    base = ".";
  }
  return absl::StrCat(base, "/trusted-head-", ToHex(log_id).substr(0, 16), ".json");
}

absl::StatusOr<std::optional<v1::TrustedTreeHead>> LoadTrustedHead(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == absl::StatusCode::kNotFound) return std::optional<v1::TrustedTreeHead>();
    return text.status();
  }
  v1::TrustedTreeHead t;
  if (!ParseStrictJson(*text).ok() || !google::protobuf::util::JsonStringToMessage(*text, &t).ok()) {
    return absl::DataLossError(absl::StrCat(path, ": not a trusted tree head file"));
  }
  return std::optional<v1::TrustedTreeHead>(t);
}

absl::Status SaveTrustedHead(const std::string& path, const v1::TrustedTreeHead& trusted) {
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(trusted, &json, o).ok()) {
    return absl::InternalError("cannot encode the trusted tree head");
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (!dir.empty() && !std::filesystem::exists(dir)) {
    if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
  }
  return WriteFileAtomically(path, json, 0600);
}

// ---- LogVerifier ----

LogVerifier::LogVerifier(std::string public_key, std::optional<v1::SignedTreeHead> trusted)
    : public_key_(std::move(public_key)), log_id_(merkle::LogId(public_key_)),
      trusted_(std::move(trusted)) {}

absl::Status LogVerifier::Advance(const v1::SignedTreeHead& head,
                                  const std::vector<std::string>& consistency) {
  if (absl::Status s = VerifyTreeHead(head, public_key_); !s.ok()) return s;
  std::vector<std::string> cosigned_by;
  if (!witnesses_.empty()) {
    auto w = CheckWitnesses(head, public_key_, witnesses_, quorum_);
    if (!w.ok()) return w.status();
    cosigned_by = std::move(w->cosigned);
  }
  if (trusted_) {
    const v1::SignedTreeHead& old = *trusted_;
    if (head.tree_size() < old.tree_size()) {
      return Alert(absl::StrCat("ROLLBACK: the log now has ", head.tree_size(), " records; on ",
                                Rfc3339(absl::FromUnixMillis(old.timestamp_millis())), " it had ",
                                old.tree_size(), " (signed). Records were removed."));
    }
    if (head.tree_size() == old.tree_size()) {
      if (head.root_hash() != old.root_hash()) {
        return Alert(absl::StrCat("REWRITTEN HISTORY: the log of ", old.tree_size(),
                                  " records has another root than the one you trusted"));
      }
    } else if (!merkle::VerifyConsistency(old.tree_size(), head.tree_size(), old.root_hash(),
                                          head.root_hash(), consistency)) {
      return Alert(absl::StrCat("REWRITTEN HISTORY: the log of ", head.tree_size(),
                                " records is not an extension of the ", old.tree_size(),
                                " records you trusted on ",
                                Rfc3339(absl::FromUnixMillis(old.timestamp_millis()))));
    }
  }
  trusted_ = head;
  cosigned_by_ = std::move(cosigned_by);
  return absl::OkStatus();
}

absl::Status LogVerifier::RequireWitnesses(std::vector<std::string> witness_vkeys, size_t quorum) {
  if (quorum == 0 || quorum > witness_vkeys.size()) {
    return absl::InvalidArgumentError(absl::StrCat("quorum: ", quorum, " of ", witness_vkeys.size(),
                                                   " witnesses cannot be met"));
  }
  // The same checks as VerifyCheckpoint's, now rather than at the first head.
  if (auto checked = VerifyCheckpoint("", std::string(32, '\0'), witness_vkeys);
      !checked.ok() && checked.status().code() == absl::StatusCode::kInvalidArgument) {
    return checked.status();
  }
  witnesses_ = std::move(witness_vkeys);
  quorum_ = quorum;
  return absl::OkStatus();
}

absl::Status LogVerifier::CheckEntry(const v1::LogEntry& e) {
  const std::string where = absl::StrCat("record ", e.index());
  if (e.status() == v1::WITHHELD) {
    if (e.leaf_hash().size() != merkle::kHashSize) return Alert(where + ": no leaf hash");
    ++counts_.withheld;
    return absl::OkStatus();
  }
  v1::LogLeaf leaf;
  if (merkle::LeafHash(e.leaf()) != e.leaf_hash() || !leaf.ParseFromString(e.leaf())) {
    return Alert(absl::StrCat("ALTERED RECORD: ", where, " does not match its leaf hash"));
  }
  switch (e.status()) {
    case v1::PRESENT: {
      v1::LogRecord r;
      if (crypto::Sha256(e.record()) != leaf.record_sha256() || !r.ParseFromString(e.record()) ||
          r.kind() != leaf.kind() || r.time_unix_micros() != leaf.time_unix_micros()) {
        return Alert(absl::StrCat("ALTERED RECORD: ", where,
                                  " does not match its leaf hash: it was changed after it was logged"));
      }
      ++counts_.present;
      if (r.kind() == v1::RETENTION_SWEEP) {
        for (uint64_t i : r.erased_records()) {
          swept_[i] = {r.time_unix_micros(), r.log_retention_seconds()};
        }
      }
      return absl::OkStatus();
    }
    case v1::PARTIAL: {
      v1::LogRecord view;
      if (!view.ParseFromString(e.record()) || view.kind() != leaf.kind() ||
          view.time_unix_micros() != leaf.time_unix_micros()) {
        return Alert(absl::StrCat("ALTERED RECORD: the view of ", where, " does not fit its leaf"));
      }
      ++counts_.partial;
      return absl::OkStatus();
    }
    case v1::REDACTED:
      if (!e.record().empty()) return Alert(absl::StrCat(where, ": an erased record with content"));
      erased_[e.index()] = leaf.time_unix_micros();
      if (leaf.kind() == v1::RETENTION_SWEEP) erased_sweeps_.push_back(leaf.time_unix_micros());
      ++counts_.redacted;
      return absl::OkStatus();
    case v1::UNREADABLE:
      // The broker checks every record before it writes it: one that does
      // not parse was damaged or altered in the store.
      ++counts_.unreadable;
      return Alert(absl::StrCat("UNREADABLE RECORD: ", where,
                                " no longer parses: the broker's store was damaged or altered"));
    default:
      return Alert(absl::StrCat(where, ": unknown status"));
  }
}

absl::Status LogVerifier::CheckAttestation(const v1::ScopeAttestation& a,
                                           const google::protobuf::RepeatedPtrField<v1::LogEntry>& entries,
                                           const std::string& scope) const {
  if (!scope.empty() && a.scope() != scope) {
    return Alert(absl::StrCat("SCOPE ATTESTATION: entries attested for scope '", a.scope(),
                              "', not '", scope, "'"));
  }
  merkle::AttestationBuilder bytes(a.scope(), log_id_, a.tree_size());
  for (const auto& e : entries) bytes.Add(e.index(), e.status(), e.leaf_hash(), e.record());
  if (!crypto::VerifySignature(public_key_, bytes.bytes(), a.signature())) {
    return Alert(absl::StrCat(
        "SCOPE ATTESTATION: the statuses and views of records ",
        entries.empty() ? std::string("(none)")
                        : absl::StrCat(entries.begin()->index(), "..", entries.rbegin()->index()),
        " are not what the log key attested: an entry was relabelled or a view changed"));
  }
  return absl::OkStatus();
}

absl::Status LogVerifier::CheckErasures(uint64_t now_millis, bool complete) const {
  const int64_t min_us = absl::ToInt64Microseconds(policy::kMinLogRetention);
  for (const auto& [index, time_us] : erased_) {
    auto sweep = swept_.find(index);
    if (sweep != swept_.end()) {
      const auto [swept_at, retention_s] = sweep->second;
      const int64_t retention_us = retention_s * 1'000'000;
      if (retention_us < min_us || time_us > swept_at - retention_us) {
        return Alert(absl::StrCat(
            "PREMATURE ERASURE: record ", index, " of ", Rfc3339(absl::FromUnixMicros(time_us)),
            " was erased on ", Rfc3339(absl::FromUnixMicros(swept_at)), ", ",
            (swept_at - time_us) / 86'400'000'000, " days old, under a retention of ",
            retention_s / 86400, " days; the legal minimum is ",
            absl::ToInt64Hours(policy::kMinLogRetention) / 24, " days"));
      }
    } else if (complete) {
      const bool lawful = std::any_of(erased_sweeps_.begin(), erased_sweeps_.end(),
                                      [&, t = time_us](int64_t sweep_us) { return sweep_us - t >= min_us; });
      if (!lawful) {
        return Alert(absl::StrCat("PREMATURE ERASURE: record ", index, " of ",
                                  Rfc3339(absl::FromUnixMicros(time_us)),
                                  " was erased, and no retention sweep of the log accounts for it"));
      }
    } else if (static_cast<int64_t>(now_millis) * 1000 - time_us < min_us) {
      return Alert(absl::StrCat("PREMATURE ERASURE: record ", index, " of ",
                                Rfc3339(absl::FromUnixMicros(time_us)),
                                " was erased before the legal minimum of ",
                                absl::ToInt64Hours(policy::kMinLogRetention) / 24,
                                " days, and no retention sweep accounts for it"));
    }
  }
  return absl::OkStatus();
}

// ---- export files ----

std::string ExportHeaderLine(const v1::ExportHeader& header) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(header, &json);
  return json;
}

std::string ExportEntryLine(const v1::LogEntry& e) {
  std::string line = absl::StrCat("{\"index\":", e.index(), ",\"leaf_hash\":\"", ToHex(e.leaf_hash()),
                                  "\",\"status\":\"", StatusName(e.status()), "\"");
  if (!e.leaf().empty()) absl::StrAppend(&line, ",\"leaf\":\"", crypto::Base64(e.leaf()), "\"");
  if (!e.record().empty()) absl::StrAppend(&line, ",\"record\":\"", crypto::Base64(e.record()), "\"");
  return line + "}";
}

std::string ExportAttestationLine(const v1::ScopeAttestation& a, uint64_t first, uint64_t count) {
  return absl::StrCat("{\"attestation\":{\"scope\":\"", a.scope(), "\",\"tree_size\":", a.tree_size(),
                      ",\"first\":", first, ",\"count\":", count, ",\"signature\":\"",
                      crypto::Base64(a.signature()), "\"}}");
}

namespace {

absl::Status Broken(uint64_t line, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("export line ", line, ": ", why));
}

// Only these keys, each once (the parser refuses repeats).
absl::Status OnlyKeys(const JsonValue& v, std::initializer_list<absl::string_view> keys, uint64_t line) {
  for (const auto& [k, unused] : v.object()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      return Broken(line, absl::StrCat("unexpected key \"", k.substr(0, 40), "\""));
    }
  }
  return absl::OkStatus();
}

bool Uint(const JsonValue* v, uint64_t* out) {
  return v != nullptr && v->type() == JsonValue::Type::kNumber && absl::SimpleAtoi(v->number_text(), out);
}
const std::string* Str(const JsonValue* v) {
  return v != nullptr && v->type() == JsonValue::Type::kString ? &v->string() : nullptr;
}

}  // namespace

absl::StatusOr<ExportReport> VerifyExportFile(const std::string& path, const std::string& public_key) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return VerifyExport(in, public_key);
}

absl::StatusOr<ExportReport> VerifyExport(std::istream& in, const std::string& public_key) {
  ExportReport report;
  std::string line;
  if (!std::getline(in, line) || !ParseStrictJson(line).ok() ||
      !google::protobuf::util::JsonStringToMessage(line, &report.header).ok() ||
      report.header.format() != "riec-log-export-2") {
    return Broken(1, "not a riec-log-export-2 header");
  }
  const v1::SignedTreeHead& head = report.header.head();
  report.key_from_file = public_key.empty();
  LogVerifier verifier(public_key.empty() ? report.header.public_key() : public_key, std::nullopt);
  if (absl::Status s = verifier.Advance(head, {}); !s.ok()) return s;

  merkle::CompactRange range;
  std::vector<merkle::CompactRange::Node> ignored;
  google::protobuf::RepeatedPtrField<v1::LogEntry> page;  // entries since the last attestation
  uint64_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    auto json = ParseStrictJson(line);
    if (!json.ok()) return Broken(n, json.status().message());
    if (!json->is_object()) return Broken(n, "not a JSON object");
    if (const JsonValue* a = json->Find("attestation")) {
      if (json->object().size() != 1 || !a->is_object()) return Broken(n, "malformed attestation");
      if (absl::Status s = OnlyKeys(*a, {"scope", "tree_size", "first", "count", "signature"}, n); !s.ok()) {
        return s;
      }
      v1::ScopeAttestation att;
      uint64_t tree_size = 0, first = 0, count = 0;
      const std::string* scope = Str(a->Find("scope"));
      const std::string* sig = Str(a->Find("signature"));
      std::string signature;
      if (scope == nullptr || sig == nullptr || !Decode64(*sig, &signature) ||
          !Uint(a->Find("tree_size"), &tree_size) || !Uint(a->Find("first"), &first) ||
          !Uint(a->Find("count"), &count)) {
        return Broken(n, "malformed attestation");
      }
      if (page.empty() || first != page.begin()->index() || count != static_cast<uint64_t>(page.size())) {
        return Broken(n, "the attestation does not cover the entries before it");
      }
      att.set_scope(*scope);
      att.set_tree_size(tree_size);
      att.set_signature(signature);
      if (absl::Status s = verifier.CheckAttestation(att, page, report.header.scope()); !s.ok()) return s;
      page.Clear();
      continue;
    }
    if (absl::Status s = OnlyKeys(*json, {"index", "leaf_hash", "status", "leaf", "record"}, n); !s.ok()) {
      return s;
    }
    v1::LogEntry e;
    uint64_t index = 0;
    if (!Uint(json->Find("index"), &index)) return Broken(n, "no index");
    if (index != report.records) {
      return Broken(n, absl::StrCat("record ", index, " where ", report.records,
                                    " was due (a record is missing or out of order)"));
    }
    e.set_index(index);
    const std::string* leaf_hash = Str(json->Find("leaf_hash"));
    auto hash = leaf_hash ? FromHex(*leaf_hash) : absl::StatusOr<std::string>(absl::NotFoundError(""));
    if (!hash.ok() || hash->size() != merkle::kHashSize) return Broken(n, "no leaf hash");
    e.set_leaf_hash(*hash);
    const std::string* status = Str(json->Find("status"));
    auto st = status ? StatusOfName(*status) : std::nullopt;
    if (!st) return Broken(n, "unknown status");
    e.set_status(*st);
    std::string bytes;
    if (const std::string* leaf = Str(json->Find("leaf"))) {
      if (!Decode64(*leaf, &bytes)) return Broken(n, "leaf is not base64");
      e.set_leaf(bytes);
    }
    if (const std::string* record = Str(json->Find("record"))) {
      if (!Decode64(*record, &bytes)) return Broken(n, "record is not base64");
      e.set_record(bytes);
    }
    if (absl::Status s = verifier.CheckEntry(e); !s.ok()) return s;
    range.Append(e.leaf_hash(), &ignored);
    ignored.clear();
    *page.Add() = std::move(e);
    ++report.records;
  }
  if (!page.empty()) {
    return absl::DataLossError(absl::StrCat("SCOPE ATTESTATION: records ", page.begin()->index(), "..",
                                            page.rbegin()->index(), " carry no attestation"));
  }
  if (report.records != head.tree_size()) {
    return absl::DataLossError(absl::StrCat("the export holds ", report.records,
                                            " records; its signed tree head says ", head.tree_size()));
  }
  if (range.Root() != head.root_hash()) {
    return absl::DataLossError(
        "the root recomputed from the exported leaves differs from the signed root: the log "
        "was rewritten, or the export was altered");
  }
  if (absl::Status s = verifier.CheckErasures(head.timestamp_millis(), /*complete=*/true); !s.ok()) return s;
  report.counts = verifier.counts();
  return report;
}

}  // namespace riec::sdk
