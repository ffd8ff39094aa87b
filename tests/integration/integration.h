// Shared setup of the integration tests: one test PKI for the whole run
// (made with the certs/ scripts), and a fixture that starts a fresh
// riec-broker process with the example convenant for each test.
#ifndef RIEC_TESTS_INTEGRATION_INTEGRATION_H_
#define RIEC_TESTS_INTEGRATION_INTEGRATION_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "support/support.h"

namespace riec::testing {

inline constexpr char kConvenant[] = "riec-oost-brabant";

// The PKI of the convenant under test, created once per test binary.
Pki& TestPki();

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)starts the broker on this test's data and key directories.
  void StartBroker(const std::string& policy = ExamplePolicy(), const std::string& crl_dir = "");
  // Stops it cleanly if it runs, then starts it again under `policy`.
  void RestartBroker(const std::string& policy);
  // Stops it (SIGTERM) and returns the log it wrote.
  std::vector<v1::LogRecord> StopAndReadLog();
  // Moves the broker's clock forward (the test clock file it runs with).
  void AdvanceClock(absl::Duration d);

  std::unique_ptr<sdk::Client> As(const std::string& partner, const std::string& role = "partner-system") {
    return Connect(TestPki(), broker_->address(), partner, role);
  }
  CommandResult Cli(const std::string& partner, const std::string& role,
                    const std::vector<std::string>& args) {
    return Riec(TestPki(), broker_->address(), partner, role, args);
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<BrokerProcess> broker_;
  std::string policy_;
  std::vector<std::string> extra_flags_;  // for every StartBroker
  absl::Duration clock_offset_;
};

}  // namespace riec::testing

#endif  // RIEC_TESTS_INTEGRATION_INTEGRATION_H_
