// The admin socket's service (proto/riec/v1/local.proto) and the backup and
// restore it and `riec-broker backup|restore` share (docs/operations.md,
// "Backup and restore").
//
// Thread-safety: LocalOperationsService is safe for concurrent calls (one
// backup runs at a time); the free functions touch only what they are
// given.
#ifndef RIEC_BROKER_SERVER_LOCAL_OPERATIONS_H_
#define RIEC_BROKER_SERVER_LOCAL_OPERATIONS_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "log/disclosure_log.h"
#include "riec/v1/local.grpc.pb.h"
#include "storage/store.h"

namespace riec::server {

// A consistent backup of `store` into `dir` (absolute; not inside
// `data_dir`), recording the disclosure log's size and root when it began.
absl::StatusOr<v1::BackupResponse> TakeBackup(storage::Store* store, const log::DisclosureLog& log,
                                              const std::string& data_dir, const std::string& dir);

class LocalOperationsService final : public v1::LocalOperations::Service {
 public:
  LocalOperationsService(storage::Store* store, const log::DisclosureLog* log, std::string data_dir)
      : store_(store), log_(log), data_dir_(std::move(data_dir)) {}

  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  storage::Store* const store_;
  const log::DisclosureLog* const log_;
  const std::string data_dir_;
  absl::Mutex backup_mu_;  // one backup at a time
};

// Whether a process accepts connections on the Unix socket `path`.
bool SocketAnswers(const std::string& path);

// Serves `service` on the Unix socket `path` (mode 600); refused while
// another process serves there. The reason if it cannot listen.
absl::StatusOr<std::unique_ptr<grpc::Server>> ServeAdminSocket(const std::string& path,
                                                              grpc::Service* service);

// `riec-broker backup`: asks the broker on `socket` for a backup into `dir`;
// if no broker answers there, backs the store of `data_dir` up directly
// (the broker must be stopped). Prints what it did to `out`; returns the
// exit code (0 done, 1 failed), with the reason on `err`.
int BackupCommand(const std::string& socket, const std::string& data_dir, const std::string& dir,
                  std::ostream& out, std::ostream& err);

// `riec-broker restore`: restores backup `id` (0: the newest) of `from`
// into `data_dir` (new or empty), opens it and checks that its disclosure
// log holds the records the backup recorded. `list`: only lists the
// backups. Prints what it did; returns the exit code.
int RestoreCommand(const std::string& from, uint32_t id, const std::string& data_dir, bool list,
                   std::ostream& out, std::ostream& err);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_LOCAL_OPERATIONS_H_
