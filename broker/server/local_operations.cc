#include "server/local_operations.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "riec/common/hex.h"
#include "server/operator_log.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "server/grpc_transport.h"
#include "storage/rocksdb_store.h"

namespace riec::server {
namespace {

namespace fs = std::filesystem;

// What a backup records beside the store's files (docs/operations.md):
// "riec-backup-1", then the log's size and root when it began.
constexpr absl::string_view kMetadataVersion = "riec-backup-1";

std::string Metadata(uint64_t log_size, absl::string_view root) {
  return absl::StrCat(kMetadataVersion, "\nlog_size=", log_size, "\nlog_root=", ToHex(root), "\n");
}

struct RecordedLog {
  uint64_t size = 0;
  std::string root_hex;
};

std::optional<RecordedLog> ParseMetadata(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.size() != 3 || lines[0] != kMetadataVersion) return std::nullopt;
  RecordedLog r;
  if (!absl::ConsumePrefix(&lines[1], "log_size=") || !absl::SimpleAtoi(lines[1], &r.size)) return std::nullopt;
  if (!absl::ConsumePrefix(&lines[2], "log_root=")) return std::nullopt;
  r.root_hex = std::string(lines[2]);
  return r;
}

std::string Mib(uint64_t bytes) { return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20)); }

std::string Describe(const v1::BackupResponse& r) {
  return absl::StrCat("backup ", r.backup_id(), ", taken ",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTime(r.taken()), absl::UTCTimeZone()),
                      ": ", r.files(), " files, ", Mib(r.bytes()), "; disclosure log at ", r.log_size(),
                      " records (root ", ToHex(r.log_root()).substr(0, 16), "…)");
}

}  // namespace

bool SocketAnswers(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool answers = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return answers;
}

absl::StatusOr<v1::BackupResponse> TakeBackup(storage::Store* store, const log::DisclosureLog& log,
                                              const std::string& data_dir, const std::string& dir) {
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("dir: '", dir, "' is not an absolute path"));
  }
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(dir, ec), data = fs::weakly_canonical(data_dir, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("dir: ", dir, ": ", ec.message()));
  const auto [d, t] = std::mismatch(data.begin(), data.end(), target.begin(), target.end());
  if (d == data.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: ", dir, " is inside the data directory ", data_dir, "; back up to another disk"));
  }
  // Everything appended so far is in the store; the backup holds at least
  // these records.
  const uint64_t size = log.Size();
  ASSIGN_OR_RETURN(const std::string root, log.RootAt(size));
  ASSIGN_OR_RETURN(storage::BackupInfo info, store->Backup(dir, Metadata(size, root)));
  v1::BackupResponse r;
  r.set_backup_id(info.id);
  *r.mutable_taken() = ToProtoTime(absl::FromUnixSeconds(info.unix_seconds));
  r.set_files(info.files);
  r.set_bytes(info.bytes);
  r.set_log_size(size);
  r.set_log_root(root);
  auto all = storage::ListRocksDbBackups(dir);
  r.set_backups_in_dir(all.ok() ? static_cast<uint32_t>(all->size()) : 1);
  return r;
}

grpc::Status LocalOperationsService::Backup(grpc::ServerContext*, const v1::BackupRequest* request,
                                            v1::BackupResponse* response) {
  absl::MutexLock lock(&backup_mu_);
  auto r = TakeBackup(store_, *log_, data_dir_, request->dir());
  if (!r.ok()) {
    LogError("backup failed", {{"dir", request->dir()}, {"error", std::string(r.status().message())}});
    return ToGrpcStatus(r.status());
  }
  LogInfo(absl::StrCat(Describe(*r), ", into ", request->dir()));
  *response = *std::move(r);
  return grpc::Status::OK;
}

absl::StatusOr<std::unique_ptr<grpc::Server>> ServeAdminSocket(const std::string& path,
                                                              grpc::Service* service) {
  if (path.size() > 107) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_socket: ", path, " is longer than a Unix socket path may be (107 bytes)"));
  }
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)) && !fs::is_socket(fs::symlink_status(path, ec))) {
    return absl::FailedPreconditionError(
        absl::StrCat("admin_socket: ", path, " exists and is not a socket"));
  }
  if (SocketAnswers(path)) {
    return absl::FailedPreconditionError(
        absl::StrCat("admin_socket: ", path, " is in use by another process (another broker?)"));
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("unix:", path), grpc::InsecureServerCredentials());
  builder.RegisterService(service);
  // Only the service user may connect: created 600, and made so again.
  const mode_t old = umask(0077);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(old);
  if (server == nullptr) {
    return absl::UnavailableError(absl::StrCat("admin_socket: cannot listen on ", path));
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("admin_socket: chmod ", path, ": ", ec.message()));
  return server;
}

int BackupCommand(const std::string& socket, const std::string& data_dir, const std::string& dir,
                  std::ostream& out, std::ostream& err) {
  std::error_code ec;
  const std::string target = fs::absolute(dir, ec).lexically_normal().string();
  auto fail = [&](absl::string_view why) {
    err << "riec-broker backup: " << why << "\n";
    return 1;
  };
  const char* const kKeys =
      "Not in it: the keys of key_dir (oprf.key, log-signing.key). Keep a copy of them apart from the "
      "backups (docs/operations.md).\n";
  if (!socket.empty() && fs::is_socket(fs::status(socket, ec))) {
    auto channel = grpc::CreateChannel(absl::StrCat("unix:", socket), grpc::InsecureChannelCredentials());
    if (channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
      // A broker answers: the backup is its, whatever happens.
      auto stub = v1::LocalOperations::NewStub(channel);
      v1::BackupRequest req;
      req.set_dir(target);
      v1::BackupResponse resp;
      grpc::ClientContext ctx;
      const grpc::Status s = stub->Backup(&ctx, req, &resp);
      if (!s.ok()) return fail(absl::StrCat("the broker could not: ", s.error_message()));
      // The broker wrote it in its own view of the filesystem; it must be
      // here too (not in a private /tmp, not on a path it could not keep).
      auto here = storage::ListRocksDbBackups(target);
      bool seen = false;
      if (here.ok()) {
        for (const auto& b : *here) {
          const auto recorded = ParseMetadata(b.metadata);
          seen |= b.id == resp.backup_id() && recorded && recorded->size == resp.log_size();
        }
      }
      if (!seen) {
        return fail(absl::StrCat("the broker reports backup ", resp.backup_id(), " in ", target,
                                 ", but it is not there as this command sees the filesystem (a private /tmp or "
                                 "a path the service may not write, see the systemd unit's ReadWritePaths); "
                                 "back up to a directory both see"));
      }
      out << Describe(resp) << "\ninto " << target << " from the running broker (admin socket " << socket
          << "); " << resp.backups_in_dir() << " backup(s) there now.\n"
          << kKeys;
      return 0;
    }
    err << "riec-broker backup: no broker answers on " << socket << "; backing up the store directly\n";
  }
  // No broker serving: open the store ourselves (refused while a broker
  // holds it), as its owner, so that nothing it writes on opening becomes
  // unreadable to the broker.
  struct stat st;
  if (data_dir.empty() || stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(absl::StrCat("no store in '", data_dir, "' and no broker on the admin socket '", socket, "'"));
  }
  if (st.st_uid != geteuid()) {
    return fail(absl::StrCat(data_dir, " belongs to another user (uid ", st.st_uid,
                             "): run as the broker's user (sudo -u riec riec-broker backup …)"));
  }
  storage::RocksDbOptions options;
  options.create_if_missing = false;
  auto store = storage::OpenRocksDbStore(data_dir, options);
  if (!store.ok()) {
    return fail(absl::StrCat(store.status().message(),
                             store.status().code() == absl::StatusCode::kUnavailable
                                 ? absl::StrCat("; a broker holds the store but does not answer on its admin "
                                                "socket '", socket, "' (admin_socket: off?)")
                                 : ""));
  }
  auto log = log::DisclosureLog::Open(store->get());
  if (!log.ok()) return fail(log.status().message());
  auto r = TakeBackup(store->get(), **log, data_dir, target);
  if (!r.ok()) return fail(r.status().message());
  out << Describe(*r) << "\ninto " << target << " from the stopped store in " << data_dir << "; "
      << r->backups_in_dir() << " backup(s) there now.\n"
      << kKeys;
  return 0;
}

int RestoreCommand(const std::string& from, uint32_t id, const std::string& data_dir, bool list,
                   std::ostream& out, std::ostream& err) {
  auto fail = [&](absl::string_view why) {
    err << "riec-broker restore: " << why << "\n";
    return 1;
  };
  auto all = storage::ListRocksDbBackups(from);
  if (!all.ok()) return fail(all.status().message());
  auto when = [](int64_t s) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(s), absl::UTCTimeZone());
  };
  if (list) {
    out << "backups in " << from << ":\n";
    for (const auto& b : *all) {
      const auto recorded = ParseMetadata(b.metadata);
      out << "  " << b.id << "  " << when(b.unix_seconds) << "  " << b.files << " files, " << Mib(b.bytes);
      if (recorded) out << ", log at " << recorded->size << " records";
      out << "\n";
    }
    return 0;
  }
  const storage::BackupInfo* chosen = id == 0 ? &all->back() : nullptr;
  for (const auto& b : *all) {
    if (b.id == id) chosen = &b;
  }
  if (chosen == nullptr) return fail(absl::StrCat("backup directory ", from, " has no backup ", id));
  const auto recorded = ParseMetadata(chosen->metadata);
  if (!recorded) return fail(absl::StrCat("backup ", chosen->id, " has no riec-backup-1 metadata: not made by riec-broker backup"));
  if (data_dir.empty()) return fail("no data directory to restore into (--data-dir, or data_dir in --config)");
  std::error_code ec;
  const fs::path target = fs::absolute(data_dir, ec).lexically_normal();
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    return fail(absl::StrCat("data directory ", data_dir,
                             " is not empty: restore only into a new or empty directory (move the old one aside first)"));
  }
  // The broker's user must own what is restored: run as that user.
  struct stat parent;
  if (stat(target.parent_path().c_str(), &parent) != 0) {
    return fail(absl::StrCat(target.parent_path().string(), " does not exist"));
  }
  if (parent.st_uid != geteuid()) {
    return fail(absl::StrCat(target.parent_path().string(), " belongs to another user (uid ", parent.st_uid,
                             "): run as the broker's user (sudo -u riec riec-broker restore …), so that it "
                             "can read what is restored"));
  }
  // Restored and checked beside the target, then moved into place: a
  // failure leaves nothing behind.
  const std::string staging = absl::StrCat(target.string(), ".restore-", getpid());
  fs::remove_all(staging, ec);
  auto abandon = [&](absl::string_view why) {
    fs::remove_all(staging, ec);
    return fail(why);
  };
  auto restored = storage::RestoreRocksDbBackup(from, chosen->id, staging);
  if (!restored.ok()) return abandon(restored.status().message());
  {
    storage::RocksDbOptions options;
    options.create_if_missing = false;
    auto store = storage::OpenRocksDbStore(staging, options);
    if (!store.ok()) return abandon(absl::StrCat("the restored store does not open: ", store.status().message()));
    auto log = log::DisclosureLog::Open(store->get());
    if (!log.ok()) return abandon(absl::StrCat("the restored log does not open: ", log.status().message()));
    if ((*log)->Size() < recorded->size) {
      return abandon(absl::StrCat("the restored log has ", (*log)->Size(), " records, the backup recorded ",
                                  recorded->size));
    }
    auto root = (*log)->RootAt(recorded->size);
    if (!root.ok() || ToHex(*root) != recorded->root_hex) {
      return abandon(absl::StrCat("the restored log's root at ", recorded->size,
                                  " records is not the one the backup recorded"));
    }
    out << "restored backup " << restored->id << " (taken " << when(restored->unix_seconds) << ") of " << from
        << " into " << target.string() << "\ndisclosure log: " << (*log)->Size() << " records; the "
        << recorded->size << " records of the log when the backup began are there (root "
        << recorded->root_hex.substr(0, 16) << "… matches).\n";
  }
  fs::rename(staging, target, ec);  // replaces an empty directory
  if (ec) return abandon(absl::StrCat("cannot move ", staging, " to ", target.string(), ": ", ec.message()));
  out << "Start the broker with data_dir: " << target.string()
      << " and the key_dir of the same broker (its oprf.key and log-signing.key).\n";
  return 0;
}

}  // namespace riec::server
