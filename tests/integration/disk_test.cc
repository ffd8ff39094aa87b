// The data disk fills up (issue 8, 11b): the broker says so, refuses what
// would write with RESOURCE_EXHAUSTED naming the cause, keeps answering what
// needs no write, recovers by itself once space is freed, loses nothing it
// acknowledged, and refuses to start on a full disk with one clear line.
//
// The test makes a small filesystem of its own (tmpfs), so it needs to be
// root; CI runs as root.
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "integration/integration.h"
#include "riec/crypto/sodium.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

// A tmpfs of `size` mounted at `path` for the test's lifetime.
class SmallDisk {
 public:
  SmallDisk(std::string path, const std::string& size) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    mounted_ = mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  // Writes a file until the filesystem is full.
  void Fill(const std::string& name) {
    std::FILE* f = std::fopen((*this / name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string block(64 << 10, 'x');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0) {
    }
    // The last partial blocks, byte by byte to the end.
    while (std::fputc('x', f) != EOF && std::fflush(f) == 0) {
    }
    std::fclose(f);
  }

 private:
  std::string path_, error_;
  bool mounted_ = false;
};

class DiskTest : public BrokerTest {
 protected:
  // Restarts the broker with its store on `disk`.
  absl::StatusOr<std::unique_ptr<BrokerProcess>> StartOn(const SmallDisk& disk) {
    BrokerProcess::Options o;
    o.policy = ExamplePolicy();
    o.data_dir = disk / "data";
    o.key_dir = *dir_ / "keys";
    o.work_dir = dir_->path();
    o.extra_flags = {"--store-memory-mib", "16", "--store-reserve-mib", "4"};
    return BrokerProcess::Start(TestPki(), o);
  }

  static v1::PublishRequest Entries(int n) {
    v1::PublishRequest req;
    for (int i = 0; i < n; ++i) {
      v1::Subject* s = req.add_entries()->mutable_subject();
      s->set_kind(v1::PERSON_BSN);
      s->set_pseudonym(crypto::RandomBytes(32));  // the broker only sees pseudonyms
    }
    return req;
  }

  // Waits (up to a minute) for the broker to print `text`.
  bool WaitForOutput(const std::string& text) {
    for (int i = 0; i < 600; ++i) {
      if (broker_->Output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(DiskTest, AFullDiskIsSaidAndRecoveredFromWithoutLosingAnything) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  ASSERT_EQ(broker_->Stop(), 0);
  SmallDisk disk(*dir_ / "disk", "32m");
  ASSERT_TRUE(disk.mounted()) << disk.error();
  auto started = StartOn(disk);
  ASSERT_TRUE(started.ok()) << started.status();
  broker_ = *std::move(started);

  auto politie = As("politie");
  uint64_t acknowledged = 0;
  auto first = politie->Publish(Entries(100));
  ASSERT_TRUE(first.ok()) << first.status();
  acknowledged += first->stored();
  auto signed_head = politie->GetLatestTreeHead(true);
  ASSERT_TRUE(signed_head.ok()) << signed_head.status();

  disk.Fill("filler");
  absl::Status refused;
  for (int i = 0; i < 1000 && refused.ok(); ++i) {
    auto r = politie->Publish(Entries(200));
    if (r.ok()) {
      acknowledged += r->stored();
    } else {
      refused = r.status();
    }
  }
  ASSERT_FALSE(refused.ok()) << "the disk never filled up";
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("out of space"));
  EXPECT_TRUE(broker_->Alive()) << broker_->Output();
  EXPECT_TRUE(WaitForOutput("the store refuses writes")) << broker_->Output();

  // What needs no write is still answered: the latest signed head, the
  // log key, health.
  auto head = politie->GetLatestTreeHead(false);
  EXPECT_TRUE(head.ok()) << head.status();
  EXPECT_TRUE(politie->GetLogInfo().ok());
  auto healthy = politie->Healthy();
  EXPECT_TRUE(healthy.ok() && *healthy) << healthy.status();

  // Space is freed: the broker resumes by itself.
  std::filesystem::remove(disk / "filler");
  EXPECT_TRUE(WaitForOutput("the store accepts writes again")) << broker_->Output();
  auto after = politie->Publish(Entries(10));
  ASSERT_TRUE(after.ok()) << after.status();
  acknowledged += after->stored();

  // Nothing acknowledged was lost, across a restart.
  ASSERT_EQ(broker_->Stop(), 0) << broker_->Output();
  started = StartOn(disk);
  ASSERT_TRUE(started.ok()) << started.status();
  broker_ = *std::move(started);
  auto stats = As("politie")->GetIndexStatistics();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries(), acknowledged);
  ASSERT_EQ(broker_->Stop(), 0);
}

TEST_F(DiskTest, StartingOnAFullDiskSaysSoAndExits) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  ASSERT_EQ(broker_->Stop(), 0);
  SmallDisk disk(*dir_ / "disk", "32m");
  ASSERT_TRUE(disk.mounted()) << disk.error();
  auto started = StartOn(disk);
  ASSERT_TRUE(started.ok()) << started.status();
  broker_ = *std::move(started);
  ASSERT_TRUE(As("politie")->Publish(Entries(10)).ok());
  ASSERT_EQ(broker_->Stop(), 0);

  disk.Fill("filler");
  started = StartOn(disk);
  ASSERT_FALSE(started.ok()) << "started on a full disk";
  EXPECT_THAT(started.status().message(), HasSubstr("out of space"));
  EXPECT_THAT(started.status().message(), HasSubstr("exited with status 1:"));
  broker_.reset();
}

}  // namespace
}  // namespace riec::testing
