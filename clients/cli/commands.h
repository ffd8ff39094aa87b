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

struct PublishArgs {
  std::string kind, csv, category, valid_until;
  size_t batch = 5000;
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
  std::string from, to, partner, purpose, signal, pseudonym_hex, subject;
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

}  // namespace riec::cli

#endif  // RIEC_CLI_COMMANDS_H_
