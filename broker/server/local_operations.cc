#include "server/local_operations.h"

#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "riec/common/hex.h"
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

absl::StatusOr<v1::BackupResponse> TakeBackup(storage::Store* store, const log::DisclosureLog& log,
                                              const std::string& data_dir, const std::string& dir) {
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("dir: '", dir, "' is not an absolute path"));
  }
  const fs::path target = fs::weakly_canonical(dir), data = fs::weakly_canonical(data_dir);
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
    std::cerr << "riec-broker: backup into " << request->dir() << " failed: " << r.status().message() << std::endl;
    return ToGrpcStatus(r.status());
  }
  std::cout << "riec-broker: " << Describe(*r) << ", into " << request->dir() << std::endl;
  *response = *std::move(r);
  return grpc::Status::OK;
}

absl::StatusOr<std::unique_ptr<grpc::Server>> ServeAdminSocket(const std::string& path,
                                                              grpc::Service* service) {
  if (path.size() > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_socket: ", path, " is longer than a Unix socket path may be (100 bytes)"));
  }
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)) && !fs::is_socket(fs::symlink_status(path, ec))) {
    return absl::FailedPreconditionError(
        absl::StrCat("admin_socket: ", path, " exists and is not a socket"));
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
  if (!socket.empty() && fs::is_socket(fs::symlink_status(socket, ec))) {
    auto channel = grpc::CreateChannel(absl::StrCat("unix:", socket), grpc::InsecureChannelCredentials());
    auto stub = v1::LocalOperations::NewStub(channel);
    v1::BackupRequest req;
    req.set_dir(target);
    v1::BackupResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(6));
    const grpc::Status s = stub->Backup(&ctx, req, &resp);
    if (s.ok()) {
      out << Describe(resp) << "\ninto " << target << " from the running broker (admin socket " << socket
          << "); " << resp.backups_in_dir() << " backup(s) there now.\n";
    } else if (s.error_code() != grpc::StatusCode::UNAVAILABLE) {
      return fail(absl::StrCat("the broker refused: ", s.error_message()));
    } else {
      err << "riec-broker backup: no broker answers on " << socket << " (" << s.error_message()
          << "); backing up the store directly\n";
    }
    if (s.ok()) {
      out << "Not in it: the keys of key_dir (oprf.key, log-signing.key). Keep a copy of them apart "
             "from the backups (docs/operations.md).\n";
      return 0;
    }
  }
  // No broker serving: open the store ourselves (refused while a broker
  // holds it).
  storage::RocksDbOptions options;
  options.create_if_missing = false;
  if (!fs::is_directory(data_dir, ec)) return fail(absl::StrCat("no store in ", data_dir));
  auto store = storage::OpenRocksDbStore(data_dir, options);
  if (!store.ok()) {
    return fail(absl::StrCat(store.status().message(),
                             store.status().code() == absl::StatusCode::kUnavailable
                                 ? absl::StrCat("; the broker holds the store but its admin socket ", socket,
                                                " does not answer (admin_socket: off?)")
                                 : ""));
  }
  auto log = log::DisclosureLog::Open(store->get());
  if (!log.ok()) return fail(log.status().message());
  auto r = TakeBackup(store->get(), **log, data_dir, target);
  if (!r.ok()) return fail(r.status().message());
  out << Describe(*r) << "\ninto " << target << " from the stopped store in " << data_dir << "; "
      << r->backups_in_dir() << " backup(s) there now.\n"
      << "Not in it: the keys of key_dir (oprf.key, log-signing.key). Keep a copy of them apart "
         "from the backups (docs/operations.md).\n";
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
  auto restored = storage::RestoreRocksDbBackup(from, id, data_dir);
  if (!restored.ok()) return fail(restored.status().message());
  out << "restored backup " << restored->id << " (taken " << when(restored->unix_seconds) << ") of " << from
      << " into " << data_dir << "\n";
  // It must open as a store, and its log must hold what the backup recorded.
  storage::RocksDbOptions options;
  options.create_if_missing = false;
  auto store = storage::OpenRocksDbStore(data_dir, options);
  if (!store.ok()) return fail(absl::StrCat("the restored store does not open: ", store.status().message()));
  auto log = log::DisclosureLog::Open(store->get());
  if (!log.ok()) return fail(absl::StrCat("the restored log does not open: ", log.status().message()));
  const auto recorded = ParseMetadata(restored->metadata);
  if (!recorded) return fail("the backup has no riec-backup-1 metadata: not made by riec-broker backup");
  if ((*log)->Size() < recorded->size) {
    return fail(absl::StrCat("the restored log has ", (*log)->Size(), " records, the backup recorded ",
                             recorded->size));
  }
  auto root = (*log)->RootAt(recorded->size);
  if (!root.ok() || ToHex(*root) != recorded->root_hex) {
    return fail(absl::StrCat("the restored log's root at ", recorded->size,
                             " records is not the one the backup recorded"));
  }
  out << "disclosure log: " << (*log)->Size() << " records; the " << recorded->size
      << " records of the log when the backup began are there (root " << recorded->root_hex.substr(0, 16)
      << "… matches).\nStart the broker with data_dir: " << data_dir
      << " and the key_dir of the same broker (its oprf.key and log-signing.key).\n";
  return 0;
}

}  // namespace riec::server
