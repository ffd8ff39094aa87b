// What the command groups of riec share: the connection flags and how they
// resolve, the one line a failure prints, and subjects named on the command
// line or in a CSV file.
//
// Thread-safety: commands run one at a time.
#ifndef RIEC_CLI_COMMON_H_
#define RIEC_CLI_COMMON_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "riec/sdk/api.h"
#include "riec/sdk/client.h"

namespace CLI {
class App;
}  // namespace CLI

namespace riec::cli {

// Connection flags shared by every command that talks to the broker.
struct ConnectionFlags {
  std::string config, broker, pseudonymiser, ca, cert, key, server_name, on_behalf_of, traceparent;
  int timeout_seconds = 0;
};

// Flags over the config file ($RIEC_CONFIG, else ~/.config/riec/client.yaml
// when it exists, unless --config names one).
absl::StatusOr<sdk::ConnectionOptions> ResolveConnection(const ConnectionFlags& flags);

// Prints "riec: <code>: <what went wrong>" on stderr and returns 1.
int Fail(const absl::Status& status);
// 0 if `status` is OK, else Fail(status).
int ExitCode(const absl::Status& status);
// "resource exhausted" for RESOURCE_EXHAUSTED.
std::string CodeName(absl::StatusCode code);

struct SubjectsInput {
  std::vector<std::string> subjects;  // "kind:value"
  std::string csv;                    // with kind
  std::string kind;
};
// Adds --subject, --csv and --kind to `cmd`; `what` describes one --subject.
void AddSubjectInput(CLI::App* cmd, SubjectsInput& in, const char* what);

// Subjects from --subject arguments and/or a CSV file, pseudonymised, with
// what to show for each in tables. Rows that fail normalisation are errors
// here: a question names each subject deliberately.
struct ResolvedSubjects {
  std::vector<v1::Subject> subjects;
  std::vector<std::string> display;
};
// `match_keys`: with the match keys of person-name-dob subjects (only
// what registers a signal needs them).
absl::StatusOr<ResolvedSubjects> ResolveSubjects(sdk::Api& client, const SubjectsInput& in,
                                                 bool match_keys = false);

}  // namespace riec::cli

#endif  // RIEC_CLI_COMMON_H_
