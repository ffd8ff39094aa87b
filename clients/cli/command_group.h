// How the command groups of riec plug into main(): each group adds its
// subcommands and their flags to the app; when the user's command line
// chooses a command, its callback stores in the Dispatch what is to run.
// main() parses, connects if the command needs the broker, and runs it.
//
// Flag values live in objects the stored actions own, so they outlive
// parsing and the run.
//
// Thread-safety: used from main()'s thread only.
#ifndef RIEC_CLI_COMMAND_GROUP_H_
#define RIEC_CLI_COMMAND_GROUP_H_

#include <functional>
#include <utility>

#include "CLI/CLI.hpp"
#include "riec/sdk/api.h"
#include "riec/sdk/client.h"

namespace riec::cli {

// What runs once parsing chose a command. Each returns the process exit
// code: 0 on success, 1 on failure (one line on stderr), others as the
// command documents.
struct Dispatch {
  // A command that talks to the broker, with a connected client.
  std::function<int(sdk::Api&)> online;
  // A command that needs no broker (no connection flags, no config).
  std::function<int()> offline;
  // The connection resolved from the flags and the config; main() sets it
  // before `online` runs.
  sdk::ConnectionOptions connection;

  // Makes `cmd`, once parsed, choose `action`.
  void Online(CLI::App* cmd, std::function<int(sdk::Api&)> action) {
    cmd->callback([this, action = std::move(action)] { online = action; });
  }
  void Offline(CLI::App* cmd, std::function<int()> action) {
    cmd->callback([this, action = std::move(action)] { offline = action; });
  }
};

// riec index publish|withdraw|stats.
void RegisterIndexCommands(CLI::App& app, Dispatch& dispatch);
// riec signal register|list|show|close, and riec query (stage 1).
void RegisterSignalCommands(CLI::App& app, Dispatch& dispatch);
// riec pseudonym, and riec oprf vector (offline).
void RegisterPseudonymCommands(CLI::App& app, Dispatch& dispatch);
// riec events.
void RegisterEventsCommands(CLI::App& app, Dispatch& dispatch);
// riec assess, riec case, riec content and riec keys (the two-stage
// workflow).
void RegisterStage2Commands(CLI::App& app, Dispatch& dispatch);
// riec audit list|subject|stats|export|verify (privacy officers).
void RegisterAuditCommands(CLI::App& app, Dispatch& dispatch);
// riec policy check|identities|show|reload|explain, riec retention sweep and
// riec health.
void RegisterPolicyCommands(CLI::App& app, Dispatch& dispatch);

}  // namespace riec::cli

#endif  // RIEC_CLI_COMMAND_GROUP_H_
