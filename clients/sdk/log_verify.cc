#include "riec/sdk/log_verify.h"

#include <sodium.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/merkle/merkle.h"
#include "riec/merkle/tree_head.h"
#include "google/protobuf/util/json_util.h"
#include "riec/v1/log.pb.h"

namespace riec::sdk {
namespace {

std::string Base64(absl::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool FromBase64(absl::string_view text, std::string* out) {
  out->assign(text.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out->data()), out->size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  out->resize(len);
  return true;
}

// The value of "key": in one of our own export lines (fixed layout: numbers
// bare, strings quoted without escapes).
absl::string_view Field(absl::string_view line, absl::string_view key) {
  const std::string pattern = absl::StrCat("\"", key, "\":");
  const size_t at = line.find(pattern);
  if (at == absl::string_view::npos) return {};
  size_t begin = at + pattern.size();
  if (begin < line.size() && line[begin] == '"') {
    const size_t end = line.find('"', begin + 1);
    return end == absl::string_view::npos ? absl::string_view() : line.substr(begin + 1, end - begin - 1);
  }
  size_t end = begin;
  while (end < line.size() && line[end] != ',' && line[end] != '}') ++end;
  return line.substr(begin, end - begin);
}

absl::Status Broken(uint64_t line, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("export line ", line, ": ", why));
}

}  // namespace

absl::Status VerifyTreeHead(const v1::SignedTreeHead& h, const std::string& public_key) {
  if (!merkle::VerifyTreeHead(public_key, h.log_id(), h.tree_size(), h.timestamp_millis(),
                              h.root_hash(), h.signature())) {
    return absl::DataLossError(absl::StrCat(
        "the tree head of size ", h.tree_size(), " is not signed by the log key ",
        ToHex(public_key).substr(0, 16), "…"));
  }
  return absl::OkStatus();
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
  if (!google::protobuf::util::JsonStringToMessage(*text, &t).ok()) {
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

std::string ExportHeaderLine(const v1::ExportHeader& header) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(header, &json);
  return json;
}

std::string ExportEntryLine(const ExportEntry& e) {
  const char* status = e.status == v1::PRESENT    ? "present"
                       : e.status == v1::REDACTED ? "redacted"
                                                  : "withheld";
  std::string line = absl::StrCat("{\"index\":", e.index, ",\"leaf_hash\":\"", ToHex(e.leaf_hash),
                                  "\",\"status\":\"", status, "\"");
  if (e.status == v1::PRESENT) absl::StrAppend(&line, ",\"record\":\"", Base64(e.record), "\"");
  return line + "}";
}

absl::StatusOr<ExportReport> VerifyExportFile(const std::string& path,
                                              const std::string& public_key) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  ExportReport report;
  std::string line;
  if (!std::getline(in, line) ||
      !google::protobuf::util::JsonStringToMessage(line, &report.header).ok() ||
      report.header.format() != "riec-log-export-1") {
    return Broken(1, "not a riec-log-export-1 header");
  }
  const v1::SignedTreeHead& head = report.header.head();
  report.key_from_file = public_key.empty();
  const std::string key = public_key.empty() ? report.header.public_key() : public_key;
  if (absl::Status s = VerifyTreeHead(head, key); !s.ok()) return s;

  merkle::CompactRange range;
  std::vector<merkle::CompactRange::Node> ignored;
  std::string record;
  uint64_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    uint64_t index = 0;
    if (!absl::SimpleAtoi(Field(line, "index"), &index)) return Broken(n, "no index");
    if (index != report.records) {
      return Broken(n, absl::StrCat("record ", index, " where ", report.records, " was due (a record is missing or out of order)"));
    }
    auto leaf = FromHex(Field(line, "leaf_hash"));
    if (!leaf.ok() || leaf->size() != merkle::kHashSize) return Broken(n, "no leaf hash");
    const absl::string_view status = Field(line, "status");
    if (status == "present") {
      if (!FromBase64(Field(line, "record"), &record)) return Broken(n, "record is not base64");
      if (merkle::LeafHash(record) != *leaf) {
        return absl::DataLossError(absl::StrCat(
            "record ", index, " does not match its leaf hash: it was altered after it was logged"));
      }
      v1::LogRecord parsed;
      if (!parsed.ParseFromString(record)) return Broken(n, "record is not a LogRecord");
      ++report.present;
    } else if (status == "redacted") {
      ++report.redacted;
    } else if (status == "withheld") {
      ++report.withheld;
    } else {
      return Broken(n, "unknown status");
    }
    range.Append(*std::move(leaf), &ignored);
    ignored.clear();
    ++report.records;
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
  return report;
}

}  // namespace riec::sdk
