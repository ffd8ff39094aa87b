#include "integration/integration.h"

#include <filesystem>
#include <fstream>

namespace riec::testing {
namespace {
TempDir* pki_dir = nullptr;
Pki* pki = nullptr;
}  // namespace

Pki& TestPki() {
  if (pki == nullptr) {
    pki_dir = new TempDir("pki");
    pki = new Pki(pki_dir->path(), kConvenant);
    absl::Status created = pki->Create();
    if (!created.ok()) ADD_FAILURE() << created;
  }
  return *pki;
}

void BrokerTest::SetUp() {
  dir_ = std::make_unique<TempDir>("broker");
  StartBroker();
}

void BrokerTest::TearDown() {
  if (broker_ && broker_->Alive()) {
    const int status = broker_->Stop();
    EXPECT_EQ(status, 0) << "broker did not stop cleanly:\n" << broker_->Output();
  }
  broker_.reset();
  dir_.reset();
}

void BrokerTest::StartBroker(const std::string& policy, const std::string& crl_dir) {
  BrokerProcess::Options o;
  o.policy = policy;
  o.data_dir = *dir_ / "data";
  o.key_dir = *dir_ / "keys";
  o.work_dir = dir_->path();
  o.crl_dir = crl_dir;
  o.test_clock = *dir_ / "clock";
  o.extra_flags = extra_flags_;
  auto b = BrokerProcess::Start(TestPki(), o);
  ASSERT_TRUE(b.ok()) << b.status();
  broker_ = *std::move(b);
}

void BrokerTest::RestartBroker(const std::string& policy) {
  if (broker_ && broker_->Alive()) {
    ASSERT_EQ(broker_->Stop(), 0) << broker_->Output();
  }
  StartBroker(policy);
}

void BrokerTest::AdvanceClock(absl::Duration d) {
  clock_offset_ += d;
  const std::string tmp = *dir_ / "clock.tmp";
  std::ofstream(tmp) << absl::ToInt64Seconds(clock_offset_) << "\n";
  std::filesystem::rename(tmp, *dir_ / "clock");
}

std::vector<v1::LogRecord> BrokerTest::StopAndReadLog() {
  EXPECT_EQ(broker_->Stop(), 0) << broker_->Output();
  auto log = ReadLog(*dir_ / "data");
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *log : std::vector<v1::LogRecord>{};
}

}  // namespace riec::testing
