// riec-witness: cosigns the checkpoints of a RIEC broker's disclosure log
// (c2sp.org/tlog-witness), run by a partner's privacy officer. See
// docs/witness.md.
//
//   riec-witness keygen --name NAME --key FILE    make a key, print its vkey
//   riec-witness serve --config FILE              serve add-checkpoint
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "riec/common/file.h"
#include "riec/crypto/sodium.h"
#include "witness/witness.h"
#include "yaml-cpp/yaml.h"

namespace {

int Fail(const std::string& what) {
  std::cerr << "riec-witness: " << what << "\n";
  return 1;
}

absl::StatusOr<riec::crypto::SigningKey> LoadKey(const std::string& path) {
  auto seed = riec::crypto::ReadSecretFile(path);
  if (!seed.ok()) return absl::Status(seed.status().code(), absl::StrCat("key: ", seed.status().message()));
  return riec::crypto::SigningKey::FromSeed(*seed);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"riec-witness — cosigns checkpoints of a RIEC broker's disclosure log "
               "(c2sp.org/tlog-witness). See docs/witness.md."};
  app.require_subcommand(1);
  std::string name, key_file, config_file;
  auto* keygen = app.add_subcommand("keygen", "make the witness's Ed25519 key and print its verifier key");
  keygen->add_option("--name", name, "the witness's name, e.g. witness.gemeente-eindhoven.nl/w1")->required();
  keygen->add_option("--key", key_file, "where to write the key (mode 600; must not exist)")->required();
  auto* serve = app.add_subcommand("serve", "answer add-checkpoint requests");
  serve->add_option("--config", config_file, "configuration file (YAML)")->required()->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  if (!riec::crypto::InitCrypto().ok()) return Fail("libsodium does not start");

  if (*keygen) {
    if (std::filesystem::exists(key_file)) return Fail(absl::StrCat(key_file, " exists; not overwriting a key"));
    const auto key = riec::crypto::SigningKey::Generate();
    absl::Status s = riec::WriteFileAtomically(key_file, key.ExportSeed(), 0600);
    if (!s.ok()) return Fail(std::string(s.message()));
    std::cout << riec::merkle::Vkey(name, riec::merkle::kCosignatureEd25519, key.public_key()) << "\n";
    return 0;
  }

  YAML::Node config;
  try {
    config = YAML::LoadFile(config_file);
  } catch (const YAML::Exception& e) {
    return Fail(absl::StrCat(config_file, ": ", e.what()));
  }
  std::map<std::string, riec::merkle::Verifier> logs;
  std::string listen, state;
  try {
    name = config["name"].as<std::string>();
    key_file = config["key"].as<std::string>();
    state = config["state"].as<std::string>();
    listen = config["listen"] ? config["listen"].as<std::string>() : "127.0.0.1:7380";
    for (const auto& l : config["logs"]) {
      auto v = riec::merkle::ParseVkey(l["vkey"].as<std::string>());
      if (!v.ok()) return Fail(absl::StrCat(config_file, ": logs: ", v.status().message()));
      if (v->type != riec::merkle::kNoteEd25519) return Fail(absl::StrCat(config_file, ": logs: not a log key"));
      logs[v->name] = *v;
    }
  } catch (const YAML::Exception& e) {
    return Fail(absl::StrCat(config_file, ": want name, key, state, listen and logs [{vkey}]: ", e.what()));
  }
  if (logs.empty()) return Fail(absl::StrCat(config_file, ": logs: no log to witness"));
  auto key = LoadKey(key_file);
  if (!key.ok()) return Fail(std::string(key.status().message()));
  auto witness = riec::witness::Witness::Open(name, *std::move(key), state, logs, [] {
    return static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
  });
  if (!witness.ok()) return Fail(std::string(witness.status().message()));

  httplib::Server server;
  server.Post("/add-checkpoint", [&](const httplib::Request& req, httplib::Response& res) {
    riec::witness::Response r = (*witness)->AddCheckpoint(req.body);
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
  });
  const size_t colon = listen.rfind(':');
  const std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.substr(colon + 1).c_str());
  if (port == 0) {
    port = server.bind_to_any_port(host.c_str());
  } else if (!server.bind_to_port(host.c_str(), port)) {
    return Fail(absl::StrCat("cannot listen on ", listen));
  }
  if (port < 0) return Fail(absl::StrCat("cannot listen on ", listen));
  std::cout << "riec-witness " << name << " listening on " << host << ":" << port << "; "
            << (*witness)->Vkey() << std::endl;
  if (config["ready_file"]) {
    (void)riec::WriteFileAtomically(config["ready_file"].as<std::string>(), absl::StrCat(host, ":", port, "\n"), 0644);
  }
  // SIGTERM/SIGINT stop the server; state is written before every answer.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
  });
  server.listen_after_bind();
  stopper.join();
  return 0;
}
