// Backup and restore (docs/operations.md, "Backup and restore"), as an
// operator meets them: `riec-broker backup` while partners publish, the
// machine lost, `riec-broker restore` into a new data directory, a broker
// started on it. Every publication acknowledged before the backup began is
// there, and a privacy officer's head from before the backup still
// verifies.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sys/stat.h>
#include <thread>

#include "gmock/gmock.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

class BackupTest : public BrokerTest {
 protected:
  CommandResult Broker(std::vector<std::string> args) {
    args.insert(args.begin(), BrokerBinary());
    return RunCommand(args);
  }
};

TEST_F(BackupTest, ABackupUnderLoadRestoresEveryAcknowledgedRecordAndTheLogVerifies) {
  const std::string state = *dir_ / "trusted-head";
  CommandResult trusted = Cli("riec", "privacy-officer", {"audit", "verify", "--state", state});
  ASSERT_EQ(trusted.exit_code, 0) << trusted.err;

  // uwv publishes, one entry per call, until told to stop.
  auto uwv = As("uwv");
  std::vector<sdk::SubjectValue> values;
  for (int i = 0; i < 500; ++i) values.push_back({v1::PERSON_BSN, FakeBsn(i)});
  auto subjects = uwv->Subjects(values);
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  std::mutex mu;
  std::condition_variable grew;
  std::vector<uint64_t> acknowledged;  // log indices of answered publications
  std::atomic<bool> stop{false};
  std::thread load([&] {
    for (size_t i = 0; !stop; ++i) {
      v1::PublishRequest req;
      auto* e = req.add_entries();
      *e->mutable_subject() = (*subjects)[i % subjects->size()];
      e->set_category("uitkering");
      auto r = uwv->Publish(req);
      if (!r.ok()) continue;
      std::lock_guard lock(mu);
      acknowledged.push_back(r->log_index());
      grew.notify_all();
    }
  });
  // Waits (at most a minute: a dead broker fails the test, not hangs it)
  // until at least `n` publications were answered.
  auto wait_for = [&](size_t n) {
    std::unique_lock lock(mu);
    return grew.wait_for(lock, std::chrono::minutes(1), [&] { return acknowledged.size() >= n; });
  };
  std::vector<uint64_t> before_backup;
  ASSERT_TRUE(wait_for(50)) << broker_->Output();
  {
    std::lock_guard lock(mu);
    before_backup = acknowledged;
  }
  // The admin socket is the service user's alone.
  struct stat socket_stat;
  ASSERT_EQ(stat((*dir_ / "data.sock").c_str(), &socket_stat), 0);
  EXPECT_EQ(socket_stat.st_mode & 0777, 0600u);
  // As an operator runs it: with the broker's configuration file.
  const std::string config = *dir_ / "backup-config.yaml";
  { std::ofstream(config) << "data_dir: " << *dir_ / "data" << "\n"; }
  CommandResult backup = Broker({"backup", "--config", config, "--to", *dir_ / "backups"});
  const bool more = wait_for(before_backup.size() + 20);  // the load went on
  stop = true;
  load.join();
  ASSERT_TRUE(more) << broker_->Output();
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_THAT(backup.out, HasSubstr("from the running broker"));
  EXPECT_THAT(backup.out, HasSubstr("Not in it: the keys of key_dir"));
  EXPECT_THAT(broker_->Output(), HasSubstr("\"msg\":\"backup 1, taken"));

  // The machine is lost; the data directory with it.
  ASSERT_EQ(broker_->Stop(), 0) << broker_->Output();
  std::filesystem::rename(*dir_ / "data", *dir_ / "data.lost");
  // Restoring into a directory that holds something is refused.
  std::filesystem::create_directories(*dir_ / "occupied");
  { std::ofstream(*dir_ / "occupied/x") << "x"; }
  CommandResult refused = Broker({"restore", "--from", *dir_ / "backups", "--data-dir", *dir_ / "occupied"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("is not empty"));
  CommandResult listed = Broker({"restore", "--from", *dir_ / "backups", "--list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("  1  "));
  CommandResult restore = Broker({"restore", "--from", *dir_ / "backups", "--data-dir", *dir_ / "data"});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_THAT(restore.out, HasSubstr("records of the log when the backup began are there"));

  StartBroker();
  CommandResult verify = Cli("riec", "privacy-officer", {"audit", "verify", "--state", state, "--full"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::vector<v1::LogRecord> log = StopAndReadLog();
  for (uint64_t index : before_backup) {
    ASSERT_LT(index, log.size()) << "an acknowledged publication is missing";
    EXPECT_EQ(log[index].kind(), v1::INDEX_PUBLISHED) << index;
    EXPECT_EQ(log[index].actor().partner(), "uwv") << index;
  }
}

TEST_F(BackupTest, WithTheBrokerStoppedTheStoreIsBackedUpDirectly) {
  auto uwv = As("uwv");
  auto subjects = uwv->Subjects({{v1::PERSON_BSN, FakeBsn(1)}});
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  v1::PublishRequest req;
  *req.add_entries()->mutable_subject() = (*subjects)[0];
  auto published = uwv->Publish(req);
  ASSERT_TRUE(published.ok()) << published.status();
  ASSERT_EQ(broker_->Stop(), 0) << broker_->Output();

  CommandResult inside = Broker({"backup", "--data-dir", *dir_ / "data", "--to", *dir_ / "data/inside"});
  EXPECT_NE(inside.exit_code, 0);
  EXPECT_THAT(inside.err, HasSubstr("is inside the data directory"));
  CommandResult backup = Broker({"backup", "--data-dir", *dir_ / "data", "--to", *dir_ / "backups"});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_THAT(backup.out, HasSubstr("from the stopped store"));
  CommandResult restore = Broker({"restore", "--from", *dir_ / "backups", "--data-dir", *dir_ / "restored"});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  auto log = ReadLog(*dir_ / "restored");
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_GT(log->size(), published->log_index());
  EXPECT_EQ((*log)[published->log_index()].kind(), v1::INDEX_PUBLISHED);

  CommandResult none = Broker({"restore", "--from", *dir_ / "nothing-here", "--data-dir", *dir_ / "x"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_THAT(none.err, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace riec::testing
