// The command-line flags of riec assess, riec case, riec content and
// riec keys. The arguments live in this object, which must outlive parsing
// and the command's run.
#ifndef RIEC_CLI_STAGE2_FLAGS_H_
#define RIEC_CLI_STAGE2_FLAGS_H_

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"

namespace riec::cli {

class Stage2Flags {
 public:
  // Adds the subcommands to `app`; the one chosen sets `online` (or
  // `offline` for riec keys list).
  void Add(CLI::App& app, std::function<int(sdk::Client&)>* online, std::function<int()>* offline);

 private:
  std::string signal_, case_id_, request_id_, state_, ends_, outcome_, text_, to_, reason_, note_;
  std::string keyring_, partner_;
  bool json_ = false, all_ = false;
  AssessGiveArgs give_;
  ProposeArgs propose_;
  NarrowArgs narrow_;
  ContentRequestArgs request_;
  ProvideArgs provide_;
  FetchArgs fetch_;
};

}  // namespace riec::cli

#endif  // RIEC_CLI_STAGE2_FLAGS_H_
