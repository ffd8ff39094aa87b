// riec: the command-line client of the RIEC broker for partner systems,
// chairs, coordinators and privacy officers. Run `riec --help`.
#include <iostream>

#include "CLI/CLI.hpp"
#include "cli/command_group.h"
#include "cli/common.h"

namespace {

void AddConnectionFlags(CLI::App& app, riec::cli::ConnectionFlags& f) {
  const char* group = "Connection (flags override the client config)";
  app.add_option("--config", f.config,
                 "client config file (default $RIEC_CONFIG, else ~/.config/riec/client.yaml)")
      ->group(group);
  app.add_option("--broker", f.broker, "broker address, host:port")->group(group);
  app.add_option("--pseudonymiser", f.pseudonymiser,
                 "Pseudonymiser address if it runs apart from the broker")->group(group);
  app.add_option("--ca", f.ca, "convenant CA certificate (PEM)")->group(group);
  app.add_option("--cert", f.cert, "your client certificate (PEM)")->group(group);
  app.add_option("--key", f.key, "your private key (PEM)")->group(group);
  app.add_option("--server-name", f.server_name, "name expected in the broker's certificate")
      ->group(group);
  app.add_option("--on-behalf-of", f.on_behalf_of,
                 "the official you act for; recorded in the disclosure log")->group(group);
  app.add_option("--traceparent", f.traceparent,
                 "W3C trace context of your own processing (00-<trace id>-<span id>-<flags>); recorded in the "
                 "disclosure log, so that your Logboek Dataverwerkingen records link to the broker's (docs/ldv.md)")
      ->group(group);
  app.add_option("--timeout", f.timeout_seconds, "seconds per call (default 120)")->group(group);
}

}  // namespace

int main(int argc, char** argv) {
  riec::cli::Dispatch dispatch;
  CLI::App app{
      "riec — client of the RIEC information-sharing broker.\n\n"
      "Identifiers are normalised and pseudonymised on this machine (OPRF); the broker\n"
      "only ever sees pseudonyms. Every answer and every refusal is recorded in the\n"
      "broker's disclosure log. Exit status: 0 success, 1 failure, 2 wrong usage."};
  app.require_subcommand(1);
  app.fallthrough();
  riec::cli::ConnectionFlags conn;
  AddConnectionFlags(app, conn);
  riec::cli::RegisterIndexCommands(app, dispatch);
  riec::cli::RegisterSignalCommands(app, dispatch);
  riec::cli::RegisterPseudonymCommands(app, dispatch);
  riec::cli::RegisterEventsCommands(app, dispatch);
  riec::cli::RegisterStage2Commands(app, dispatch);
  riec::cli::RegisterAuditCommands(app, dispatch);
  riec::cli::RegisterPolicyCommands(app, dispatch);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (dispatch.offline) return dispatch.offline();
  auto options = riec::cli::ResolveConnection(conn);
  if (!options.ok()) return riec::cli::Fail(options.status());
  dispatch.connection = *options;
  auto client = riec::sdk::Client::Connect(dispatch.connection);
  if (!client.ok()) return riec::cli::Fail(client.status());
  return dispatch.online(**client);
}
