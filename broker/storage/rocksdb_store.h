// The embedded store: one RocksDB directory, one column family per table
// (docs/storage.md). The only file of the broker that sees RocksDB.
//
// Out of space: the store keeps a reserve of free space on the data disk.
// Below it, writes fail with RESOURCE_EXHAUSTED before RocksDB is touched
// (nothing of them is applied), and succeed again as soon as space is
// freed; reads keep working meanwhile. Should RocksDB itself still find the
// disk full (a reserve of 0, or another process filling the disk within
// one write), its writes stop until it is resumed, which Apply and Writable
// try (at most once a second); no write reaches RocksDB while it is
// stopped.
//
// Thread-safety: safe for concurrent use.
// Ownership: owns the database; Open returns an owned store.
#ifndef RIEC_BROKER_STORAGE_ROCKSDB_STORE_H_
#define RIEC_BROKER_STORAGE_ROCKSDB_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/store.h"

namespace riec::storage {

struct RocksDbOptions {
  // One memory budget for the block cache (index working set, index and
  // filter blocks) and the memtables of every table together: memtables are
  // charged to the cache, so the store's memory stays within this figure
  // whatever the index size.
  size_t memory_budget_bytes = 128 << 20;
  // The part of the budget that memtables may take before they are flushed.
  size_t memtable_bytes = 48 << 20;
  // Create the directory and an empty store if there is none.
  bool create_if_missing = true;
  // Free space to keep on the data disk: writes stop below it, and the
  // store does not open below it. 0: no reserve.
  uint64_t reserve_bytes = 0;
};

// Opens (creating if missing) the store in `dir`. FAILED_PRECONDITION if
// `dir` holds a store of another format version; UNAVAILABLE if another
// process holds its lock; RESOURCE_EXHAUSTED if the disk has less free space
// than the reserve, or is full.
absl::StatusOr<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir,
                                                        const RocksDbOptions& options = {});

// The backups in a backup directory that RocksDbStore::Backup wrote,
// oldest first. NOT_FOUND if `dir` holds none.
absl::StatusOr<std::vector<BackupInfo>> ListRocksDbBackups(const std::string& dir);

// Restores backup `id` (0: the newest) of `backup_dir` into `data_dir`,
// which must not exist or be empty, after verifying the backup's files
// against their checksums. Returns the backup restored. The restored store
// opens with OpenRocksDbStore like any other.
absl::StatusOr<BackupInfo> RestoreRocksDbBackup(const std::string& backup_dir, uint32_t id,
                                                const std::string& data_dir);

}  // namespace riec::storage

#endif  // RIEC_BROKER_STORAGE_ROCKSDB_STORE_H_
