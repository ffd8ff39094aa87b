#include "cli/common.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "cli/csv.h"
#include "cli/subjects_input.h"
#include "riec/common/subject_kind.h"

namespace riec::cli {

std::string CodeName(absl::StatusCode code) {
  std::string s = absl::StatusCodeToString(code);
  absl::AsciiStrToLower(&s);
  return absl::StrReplaceAll(s, {{"_", " "}});
}

int Fail(const absl::Status& status) {
  std::cerr << "riec: " << CodeName(status.code()) << ": " << status.message() << "\n";
  return 1;
}

int ExitCode(const absl::Status& status) { return status.ok() ? 0 : Fail(status); }

void AddSubjectInput(CLI::App* cmd, SubjectsInput& in, const char* what) {
  cmd->add_option("--subject", in.subjects,
                  std::string(what) + ", as kind:value (repeatable), e.g. person-bsn:111222333");
  cmd->add_option("--csv", in.csv, "read subjects from a CSV file (with --kind; see docs/csv.md)");
  cmd->add_option("--kind", in.kind, "subject kind of the CSV file");
}

absl::StatusOr<ResolvedSubjects> ResolveSubjects(sdk::Api& client, const SubjectsInput& in, bool match_keys) {
  std::vector<sdk::SubjectValue> values;
  ResolvedSubjects out;
  for (const auto& arg : in.subjects) {
    auto v = ParseSubjectArg(arg);
    if (!v.ok()) return v.status();
    out.display.push_back(absl::StrCat(KindTag(v->kind), " ", v->value));
    values.push_back(*std::move(v));
  }
  if (!in.csv.empty()) {
    if (in.kind.empty()) return absl::InvalidArgumentError("--csv needs --kind");
    auto kind = ParseKind(in.kind);
    if (!kind.ok()) return kind.status();
    auto table = ReadCsv(in.csv);
    if (!table.ok()) return table.status();
    auto rows = RowsForKind(*table, *kind, absl::Now());
    if (!rows.ok()) return absl::InvalidArgumentError(absl::StrCat(in.csv, ":", rows.status().message()));
    for (const auto& r : *rows) {
      if (!r.error.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(in.csv, ":", r.line, ": ", r.error));
      }
      out.display.push_back(absl::StrCat(in.kind, " ", r.display));
      values.push_back({*kind, r.display});
    }
  }
  if (values.empty()) return out;
  auto subjects = match_keys ? client.Subjects(values) : client.SubjectsWithoutMatchKeys(values);
  if (!subjects.ok()) return subjects.status();
  out.subjects = *std::move(subjects);
  return out;
}

absl::StatusOr<sdk::ConnectionOptions> ResolveConnection(const ConnectionFlags& f) {
  std::string path = f.config;
  if (path.empty()) {
    if (const char* env = std::getenv("RIEC_CONFIG"); env != nullptr && *env != '\0') {
      path = env;
    } else if (const char* home = std::getenv("HOME"); home != nullptr) {
      const std::string def = absl::StrCat(home, "/.config/riec/client.yaml");
      if (std::filesystem::exists(def)) path = def;
    }
  }
  sdk::ConnectionOptions o;
  if (!path.empty()) {
    auto loaded = sdk::LoadClientConfig(path);
    if (!loaded.ok()) return loaded.status();
    o = *loaded;
  }
  auto set = [](std::string& target, const std::string& flag) {
    if (!flag.empty()) target = flag;
  };
  set(o.broker, f.broker);
  set(o.pseudonymiser, f.pseudonymiser);
  set(o.ca_file, f.ca);
  set(o.cert_file, f.cert);
  set(o.key_file, f.key);
  set(o.server_name, f.server_name);
  set(o.on_behalf_of, f.on_behalf_of);
  set(o.traceparent, f.traceparent);
  if (f.timeout_seconds > 0) o.timeout = absl::Seconds(f.timeout_seconds);
  if (o.broker.empty()) {
    return absl::InvalidArgumentError(
        "no broker address: pass --broker host:port, or a client config with --config FILE, "
        "$RIEC_CONFIG or ~/.config/riec/client.yaml");
  }
  return o;
}

}  // namespace riec::cli
