// Support for integration tests that drive the real riec-broker process
// over mutual TLS on loopback: temporary directories, running commands, a
// test PKI made with the certs/ scripts, and broker processes.
//
// Thread-safety: not thread-safe; tests use these from one thread.
#ifndef RIEC_TESTS_SUPPORT_SUPPORT_H_
#define RIEC_TESTS_SUPPORT_SUPPORT_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "riec/sdk/client.h"
#include "riec/v1/log.pb.h"

namespace riec::testing {

std::string SourceDir();
std::string BinaryDir();
std::string RiecBinary();         // clients/cli/riec
std::string BrokerBinary();       // broker/main/riec-broker
std::string SynthBinary();        // tests/synth/riec-synth
std::string WitnessBinary();      // clients/witness/riec-witness
std::string ExamplePolicy();      // policy/convenants/riec-oost-brabant.yaml

// A directory removed at destruction (kept if RIEC_KEEP_TEST_DIRS is set).
class TempDir {
 public:
  explicit TempDir(const std::string& label);
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments, waits, and captures stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv);

// A convenant CA with a server certificate for localhost/127.0.0.1, and
// client certificates issued on demand with certs/issue-client.sh.
class Pki {
 public:
  Pki(std::string dir, std::string convenant);
  // Creates the CA and the server certificate.
  absl::Status Create();
  struct Files {
    std::string cert, key;
  };
  // Issues (once) and returns a client certificate. On failure the paths
  // are empty and the script's message is printed to stderr.
  Files Client(const std::string& partner, const std::string& role,
               const std::string& name = "", const std::string& convenant = "");
  std::string ca_dir() const { return dir_ + "/ca"; }
  std::string ca_cert() const { return dir_ + "/ca/ca.crt"; }
  std::string server_cert() const { return dir_ + "/server/broker.crt"; }
  std::string server_key() const { return dir_ + "/server/broker.key"; }

 private:
  std::string dir_, convenant_;
  std::map<std::string, Files> issued_;
};

// A child process the test started: stopped (SIGTERM) at destruction.
class Process {
 public:
  virtual ~Process();
  pid_t pid() const { return pid_; }
  // SIGTERM and wait; returns the exit status (0 for a clean stop).
  int Stop();
  // SIGKILL: a crash.
  void Kill();
  bool Alive();
  // The exit status of a process that stopped by itself (seen by Alive()),
  // -1 while it runs.
  int exit_status() const { return exit_status_; }
  // Everything it printed.
  std::string Output() const;

 protected:
  // Starts argv with stdout and stderr into a file of work_dir, and waits
  // (up to 30 s) for it to write `ready_file`, whose content is returned.
  absl::StatusOr<std::string> Launch(const std::vector<std::string>& argv, const std::string& work_dir,
                                     const std::string& ready_file, bool testing);

  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::string output_file_;
};

class BrokerProcess : public Process {
 public:
  struct Options {
    std::string policy;
    std::string data_dir;
    std::string key_dir;
    std::string services = "all";
    std::string crl_dir;
    std::string work_dir;  // ready file and output go here
    // A file whose offset (seconds) moves the broker's clock; the broker is
    // started with RIEC_TESTING=1 for it.
    std::string test_clock;
    std::vector<std::string> extra_flags;
    // The CA (bundle) of client certificates; empty: the PKI's CA.
    std::string client_ca;
    // Set: the broker is started with this --config alone (and the ready
    // file); the fields above are not used.
    std::string config_file;
  };
  static absl::StatusOr<std::unique_ptr<BrokerProcess>> Start(const Pki& pki, const Options& o);

  const std::string& address() const { return address_; }

 private:
  std::string address_;
};

// riec-witness serving the configuration file `config` (which names
// `work_dir`/ready as its ready_file); address() is "host:port".
class WitnessProcess : public Process {
 public:
  static absl::StatusOr<std::unique_ptr<WitnessProcess>> Start(const std::string& config,
                                                               const std::string& work_dir);
  const std::string& address() const { return address_; }

 private:
  std::string address_;
};

// Connection settings for a client certificate of `pki`.
sdk::ConnectionOptions Connection(Pki& pki, const std::string& address,
                                  const std::string& partner, const std::string& role,
                                  const std::string& pseudonymiser = "");
// nullptr (with the reason on stderr) if the client cannot be created.
std::unique_ptr<sdk::Client> Connect(Pki& pki, const std::string& address,
                                     const std::string& partner, const std::string& role);

// A call made without the SDK (which checks requests before sending them):
// `request` is sent as it is, with the metadata given, as a hostile or
// home-made client would. The status is the broker's; on OK, the response
// bytes.
absl::StatusOr<std::string> RawCall(Pki& pki, const std::string& address,
                                    const std::string& partner, const std::string& role,
                                    const std::string& method, const std::string& request,
                                    const std::vector<std::pair<std::string, std::string>>& metadata = {});

// A fake BSN that passes the elfproef, different for each n (never a real
// person's: the 99 prefix is not issued).
std::string FakeBsn(int n);

// Runs the riec command as partner/role against `address`.
CommandResult Riec(Pki& pki, const std::string& address, const std::string& partner,
                   const std::string& role, const std::vector<std::string>& args);

// Every record of the disclosure log in a (stopped) broker's data directory,
// read with the broker's own store and log code.
absl::StatusOr<std::vector<v1::LogRecord>> ReadLog(const std::string& data_dir);

// Every key and value of every column family of a (stopped) broker's store,
// decompressed, concatenated: what the data directory holds, as RocksDB reads
// it back.
absl::StatusOr<std::string> DumpStore(const std::string& data_dir);

}  // namespace riec::testing

#endif  // RIEC_TESTS_SUPPORT_SUPPORT_H_
