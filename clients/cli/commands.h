// The riec commands. Each returns the process exit code: 0 on success, 1 on
// failure (one clear line on stderr), and writes its result to `out`.
//
// Thread-safety: commands run one at a time.
#ifndef RIEC_CLI_COMMANDS_H_
#define RIEC_CLI_COMMANDS_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "riec/sdk/client.h"

namespace riec::cli {

// Connection flags shared by every command that talks to the broker.
struct ConnectionFlags {
  std::string config, broker, pseudonymiser, ca, cert, key, server_name, on_behalf_of;
  int timeout_seconds = 0;
};

// Flags over the config file ($RIEC_CONFIG, else ~/.config/riec/client.yaml
// when it exists, unless --config names one).
absl::StatusOr<sdk::ConnectionOptions> ResolveConnection(const ConnectionFlags& flags);

// Prints "riec: <what went wrong>" and returns 1.
int Fail(const absl::Status& status);

struct SubjectsInput {
  std::vector<std::string> subjects;  // "kind:value"
  std::string csv;                    // with kind
  std::string kind;
};

// Subjects from --subject arguments and/or a CSV file, pseudonymised, with
// what to show for each in tables. Rows that fail normalisation are errors
// here: a question names each subject deliberately.
struct ResolvedSubjects {
  std::vector<v1::Subject> subjects;
  std::vector<std::string> display;
};
absl::StatusOr<ResolvedSubjects> ResolveSubjects(sdk::Client& client, const SubjectsInput& in);

struct PublishArgs {
  std::string kind, csv, category, valid_until;
  size_t batch = 5000;
  // Silent entries (never disclosed; the partner is told of matches), and
  // why: "running-investigation", "person-protection", "source-protection".
  std::string silent_reason;
};
int IndexPublish(sdk::Client& client, const PublishArgs& args, std::ostream& out);

struct WithdrawArgs {
  SubjectsInput input;
  std::string category;
};
int IndexWithdraw(sdk::Client& client, const WithdrawArgs& args, std::ostream& out);
int IndexStats(sdk::Client& client, bool json, std::ostream& out);

struct RegisterArgs {
  std::string purpose, theme, reference;
  SubjectsInput input;
  bool quiet = false;
};
int SignalRegister(sdk::Client& client, const RegisterArgs& args, std::ostream& out);
int SignalList(sdk::Client& client, const std::string& state, bool json, std::ostream& out);
int SignalShow(sdk::Client& client, const std::string& id, bool json, std::ostream& out);
int SignalClose(sdk::Client& client, const std::string& id, std::ostream& out);

struct QueryArgs {
  std::string signal;
  SubjectsInput input;
  bool json = false;
};
int Query(sdk::Client& client, const QueryArgs& args, std::ostream& out);

int Pseudonym(sdk::Client& client, const std::string& kind, const std::string& value,
              bool quiet, bool json, std::ostream& out);
int Health(sdk::Client& client, std::ostream& out);

struct EventsArgs {
  uint64_t after = 0;
  bool follow = false;
  bool json = false;
  int count = 0;  // with --follow: stop after this many (0: never)
};
int EventsCommand(sdk::Client& client, const EventsArgs& args, std::ostream& out);
int PolicyShow(sdk::Client& client, std::ostream& out);
int PolicyReload(sdk::Client& client, std::ostream& out);
int RetentionSweep(sdk::Client& client, std::ostream& out);

// Offline commands.
struct VectorArgs {
  std::string seed_hex, info_hex, input_hex, blind_hex;
  bool json = false;
};
int OprfVector(const VectorArgs& args, std::ostream& out);
int PolicyCheck(const std::string& file, std::ostream& out);
int PolicyIdentities(const std::string& file, std::ostream& out);

struct ExplainArgs {
  std::string file;
  std::string as;  // partner/role
  std::string action, purpose, subject_kind, theme, signal_owner, at;
  int subjects = 1;
};
// Prints the decision the broker would take; exit 0 if allowed, 1 if
// denied (2 for wrong usage).
int PolicyExplain(const ExplainArgs& args, std::ostream& out);

// riec audit (privacy officers).
struct AuditFilterArgs {
  std::string from, to, partner, purpose, signal, case_id, pseudonym_hex, subject;
  std::vector<std::string> kinds;
};
struct AuditListArgs {
  AuditFilterArgs filter;
  int limit = 100;
  std::string format = "table";  // table, csv, json
  bool verify = false;
};
int AuditList(sdk::Client& client, const AuditListArgs& args, std::ostream& out);
int AuditSubject(sdk::Client& client, const std::string& kind, const std::string& value,
                 const std::string& format, std::ostream& out);
int AuditStats(sdk::Client& client, const AuditFilterArgs& args, bool json, std::ostream& out);
int AuditExport(sdk::Client& client, const std::string& path, const std::string& cert_file,
                std::ostream& out);
struct AuditVerifyArgs {
  std::string state;    // trusted-head file (default per log)
  std::string log_key;  // pinned public key, hex
  std::string export_file;
  bool full = false;
  int sample = 64;
};
// Exit 0: verified; 1: could not verify (connection, usage); 3: the log
// failed verification (tampering, rollback, rewritten history) — said
// loudly on stderr.
int AuditVerify(sdk::Client* client, const AuditVerifyArgs& args, std::ostream& out);

// riec assess (the two-stage commands live in stage2_commands.cc).
int AssessRequestCmd(sdk::Client& client, const std::string& signal, std::ostream& out);
struct AssessGiveArgs {
  std::string signal;
  SubjectsInput input;
  std::string can_provide, suits, reason;
};
int AssessGiveCmd(sdk::Client& client, const AssessGiveArgs& args, std::ostream& out);
int AssessListCmd(sdk::Client& client, const std::string& signal, bool json, std::ostream& out);

// riec case (chairs; confirm: privacy officers and partners concerned).
struct ProposeArgs {
  std::string signal, meeting, ends, noodzaak, proportionaliteit, subsidiariteit;
  std::vector<std::string> present;  // "partner" or "partner:no" (present, no consent)
  std::vector<std::string> flows;    // "from:to"
  std::vector<std::string> categories, use_conditions;
  SubjectsInput input;               // default: every subject of the signal
  bool json = false, quiet = false;
};
int CasePropose(sdk::Client& client, const ProposeArgs& args, std::ostream& out);
int CaseUnlock(sdk::Client& client, const std::string& id, std::ostream& out);
int CaseConfirm(sdk::Client& client, const std::string& id, std::ostream& out);
int CaseExtend(sdk::Client& client, const std::string& id, const std::string& ends, std::ostream& out);
struct NarrowArgs {
  std::string id;
  SubjectsInput remove;
  std::vector<std::string> flows, categories;
};
int CaseNarrow(sdk::Client& client, const NarrowArgs& args, std::ostream& out);
int CaseClose(sdk::Client& client, const std::string& id, const std::string& outcome,
              const std::string& text, std::ostream& out);
int CaseHandOver(sdk::Client& client, const std::string& id, const std::string& to, std::ostream& out);
int CaseShow(sdk::Client& client, const std::string& id, bool json, std::ostream& out);
int CaseList(sdk::Client& client, const std::string& state, bool json, std::ostream& out);

// riec content (partner systems) and riec keys.
struct ContentRequestArgs {
  std::string case_id, subject, holder, category;
  bool quiet = false;
};
int ContentRequestCmd(sdk::Client& client, const ContentRequestArgs& args, std::ostream& out);
int ContentPending(sdk::Client& client, bool all, bool json, std::ostream& out);
struct ProvideArgs {
  std::string request_id, file, category, expect_key;
  std::vector<std::string> use_conditions;
  bool yes = false;
};
// Shows the requester's key fingerprint first; provides only when it equals
// --expect-key, with --yes, or after "y" on `in` when `interactive`.
int ContentProvide(sdk::Client& client, const ProvideArgs& args, std::istream& in, bool interactive,
                   std::ostream& out);
int ContentRefuse(sdk::Client& client, const std::string& id, const std::string& reason,
                  const std::string& note, std::ostream& out);
struct FetchArgs {
  std::string request_id, out_file, keyring;
};
int ContentFetch(sdk::Client& client, const FetchArgs& args, std::ostream& out);
int KeysRegister(sdk::Client& client, const std::string& keyring, bool rotate, std::ostream& out);
int KeysList(const std::string& keyring, std::ostream& out);
int KeysShow(sdk::Client& client, const std::string& partner, std::ostream& out);

}  // namespace riec::cli

#endif  // RIEC_CLI_COMMANDS_H_
