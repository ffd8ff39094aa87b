#include "storage/rocksdb_store.h"

#include <array>
#include <atomic>
#include <sys/statvfs.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "riec/common/file.h"
#include "riec/common/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/statistics.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/backup_engine.h"
#include "rocksdb/write_batch.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/keys.h"

namespace riec::storage {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
absl::string_view ToView(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

// Counters (Mutation::Op::kAdd): 8-byte big-endian signed sums.
class AddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t sum = existing != nullptr && existing->size() >= 8
                      ? static_cast<int64_t>(DecodeBE64(ToView(*existing)))
                      : 0;
    if (value.size() >= 8) sum += static_cast<int64_t>(DecodeBE64(ToView(value)));
    *new_value = EncodeBE64(static_cast<uint64_t>(sum));
    return true;
  }
  const char* Name() const override { return "riec.add64"; }
};

// RocksDB's own messages: errors only, on stderr with the broker's prefix.
// Not the LOG file in the data directory: a write to it that fails on a
// full disk would stop RocksDB for good.
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::ERROR_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    std::fprintf(stderr, "riec-broker: store: %s\n", line);
  }
};

rocksdb::ColumnFamilyOptions FamilyOptions(Table t, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions bt;
  bt.block_cache = cache;
  bt.cache_index_and_filter_blocks = true;
  bt.pin_l0_filter_and_index_blocks_in_cache = true;
  if (t == Table::kIndex || t == Table::kLateHitWatches || t == Table::kMatchKeys) {
    // "Who holds S?", "which open signals asked about S?" and "which
    // subjects have match key K?" are one prefix seek each; the prefix Bloom
    // filter makes a miss cheap.
    bt.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    bt.whole_key_filtering = false;
    o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(kSubjectBytes));
    o.memtable_prefix_bloom_size_ratio = 0.05;
  }
  if (t == Table::kIndexStats || t == Table::kQuota) o.merge_operator = std::make_shared<AddOperator>();
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(bt));
  const bool large = t == Table::kIndex || t == Table::kIndexByHolder || t == Table::kLog ||
                     t == Table::kLogRecords || t == Table::kLogTree;
  o.write_buffer_size = large ? 16 << 20 : 2 << 20;
  o.compression = rocksdb::kLZ4Compression;
  return o;
}

// RESOURCE_EXHAUSTED, ending in `then`, if the filesystem of `dir` has less
// than `reserve` bytes free; OK if it has enough, or cannot tell.
absl::Status CheckReserve(const std::string& dir, uint64_t reserve, absl::string_view then) {
  if (reserve == 0) return absl::OkStatus();
  struct statvfs st;
  if (statvfs(dir.c_str(), &st) != 0) return absl::OkStatus();
  const uint64_t free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  if (free >= reserve) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "the store is out of space: ", free >> 20, " MiB free on the data disk (", dir,
      "), below the reserve of ", reserve >> 20, " MiB (store_reserve_mib); ", then));
}

constexpr absl::string_view kNotWritten =
    "nothing of this request was written; free space on the data disk";

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kSpaceLimit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the store is out of space (", msg,
                     "); nothing of this request was written; free space on the data disk"));
  }
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsAborted()) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

rocksdb::BackupEngineOptions BackupOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions o(dir);
  o.sync = true;
  o.share_table_files = true;
  o.share_files_with_checksum = true;
  o.info_log = nullptr;
  return o;
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> OpenBackupEngine(const std::string& dir) {
  rocksdb::BackupEngine* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::BackupEngine::Open(BackupOptions(dir), rocksdb::Env::Default(), &raw),
                            absl::StrCat("cannot open backup directory ", dir)));
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenBackupReader(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("backup directory ", dir, " does not exist"));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::BackupEngineReadOnly::Open(BackupOptions(dir), rocksdb::Env::Default(), &raw),
                            absl::StrCat("cannot open backup directory ", dir)));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(raw);
}

BackupInfo ToBackupInfo(const rocksdb::BackupInfo& i) {
  return BackupInfo{i.backup_id, i.timestamp, i.size, i.number_files, i.app_metadata};
}

class RocksDbStore final : public Store {
 public:
  RocksDbStore(std::string dir, std::unique_ptr<rocksdb::DB> db,
               std::array<rocksdb::ColumnFamilyHandle*, kTableCount> handles,
               std::shared_ptr<rocksdb::Cache> cache, uint64_t reserve)
      : dir_(std::move(dir)), db_(std::move(db)), handles_(handles), cache_(std::move(cache)),
        reserve_(reserve) {}

  ~RocksDbStore() override {
    for (auto* h : handles_) {
      if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
    }
    db_->Close();
  }

  absl::StatusOr<std::optional<std::string>> Get(Table t, absl::string_view key) const override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(t), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, absl::StrCat("store read (", TableName(t), ")"));
    return std::optional<std::string>(std::move(value));
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Table t, const std::vector<std::string>& keys) const override {
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (const auto& k : keys) slices.emplace_back(k);
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(rocksdb::ReadOptions(), cf(t), keys.size(), slices.data(), values.data(),
                  statuses.data());
    std::vector<std::optional<std::string>> out(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i], "store read");
      out[i] = values[i].ToString();
    }
    return out;
  }

  absl::Status Scan(Table t, absl::string_view prefix, absl::string_view start,
                    const ScanVisitor& visit) const override {
    rocksdb::ReadOptions ro;
    // Index lookups use the prefix Bloom filter; every other scan orders
    // the whole table.
    if ((t == Table::kIndex || t == Table::kMatchKeys) && prefix.size() >= kSubjectBytes) {
      ro.prefix_same_as_start = true;
    } else {
      ro.total_order_seek = true;
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(t)));
    const absl::string_view from = start < prefix ? prefix : start;
    for (it->Seek(ToSlice(from)); it->Valid(); it->Next()) {
      const absl::string_view k = ToView(it->key());
      if (k.substr(0, prefix.size()) != prefix) break;
      if (!visit(k, ToView(it->value()))) break;
    }
    return FromRocks(it->status(), absl::StrCat("store scan (", TableName(t), ")"));
  }

  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Last(
      Table t) const override {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(t)));
    it->SeekToLast();
    if (!it->Valid()) {
      if (!it->status().ok()) return FromRocks(it->status(), "store scan");
      return std::optional<std::pair<std::string, std::string>>();
    }
    return std::optional<std::pair<std::string, std::string>>(
        std::make_pair(it->key().ToString(), it->value().ToString()));
  }

  absl::StatusOr<BackupInfo> Backup(const std::string& dir, const std::string& metadata) override {
    // A failure here is the backup's, not the store's: never UNAVAILABLE
    // (which would read as "the broker is down").
    auto failed = [&](const absl::Status& s) {
      return s.code() == absl::StatusCode::kUnavailable ? absl::FailedPreconditionError(s.message()) : s;
    };
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot create backup directory ", dir, ": ", ec.message()));
    auto engine = OpenBackupEngine(dir);
    if (!engine.ok()) return failed(engine.status());
    {
      absl::MutexLock l(&backup_mu_);
      if (backup_stopped_) return absl::CancelledError("the store is closing: no backup");
      running_backup_ = engine->get();
    }
    // The write-ahead logs are copied too (no flush first): a point in time
    // across every table, with everything applied before this call.
    rocksdb::CreateBackupOptions o;
    o.flush_before_backup = false;
    rocksdb::BackupID id = 0;
    const rocksdb::IOStatus made = (*engine)->CreateNewBackupWithMetadata(o, db_.get(), metadata, &id);
    {
      absl::MutexLock l(&backup_mu_);
      running_backup_ = nullptr;
      if (backup_stopped_ && !made.ok()) return absl::CancelledError("backup stopped: the broker is shutting down");
    }
    if (absl::Status s = FromRocks(made, absl::StrCat("backup into ", dir)); !s.ok()) return failed(s);
    rocksdb::BackupInfo info;
    if (absl::Status s = FromRocks((*engine)->GetBackupInfo(id, &info), "backup info"); !s.ok()) return failed(s);
    return ToBackupInfo(info);
  }

  void StopBackups() override {
    absl::MutexLock l(&backup_mu_);
    backup_stopped_ = true;
    if (running_backup_ != nullptr) running_backup_->StopBackup();
  }

  absl::Status Apply(const Batch& batch, bool sync) override {
    rocksdb::WriteBatch wb;
    for (const Mutation& m : batch) {
      switch (m.op) {
        case Mutation::Op::kPut:
          wb.Put(cf(m.table), m.key, m.value);
          break;
        case Mutation::Op::kDelete:
          wb.Delete(cf(m.table), m.key);
          break;
        case Mutation::Op::kAdd:
          wb.Merge(cf(m.table), m.key, m.value);
          break;
      }
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    RETURN_IF_ERROR(CheckReserve(dir_, reserve_, kNotWritten));
    // A failed write (the disk filled up) stops the database's writes until
    // it is resumed. Resume before writing, and write nothing while stopped:
    // a batch that failed is the caller's to retry, never applied twice.
    if (stopped_.load()) {
      TryResume();
      absl::MutexLock l(&error_mu_);
      if (stopped_.load()) return last_error_;
    }
    rocksdb::Status s = db_->Write(wo, &wb);
    if (!s.ok()) {
      stopped_ = true;
      TryResume();
    }
    return FromRocks(s, "store write");
  }

  absl::Status Writable() const override {
    RETURN_IF_ERROR(CheckReserve(dir_, reserve_, "free space on the data disk"));
    if (!stopped_.load()) return absl::OkStatus();
    TryResume();
    absl::MutexLock l(&error_mu_);
    return stopped_.load() ? last_error_ : absl::OkStatus();
  }

  absl::Status Compact(Table t) override {
    return FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(), cf(t), nullptr, nullptr),
                     "store compaction");
  }

  std::map<std::string, double> Properties() const override {
    std::map<std::string, double> out;
    uint64_t v = 0;
    if (db_->GetAggregatedIntProperty("rocksdb.live-sst-files-size", &v)) out["live_sst_bytes"] = v;
    if (db_->GetAggregatedIntProperty("rocksdb.estimate-pending-compaction-bytes", &v)) {
      out["pending_compaction_bytes"] = v;
    }
    if (db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &v)) out["memtable_bytes"] = v;
    out["block_cache_usage_bytes"] = cache_->GetUsage();
    out["block_cache_capacity_bytes"] = cache_->GetCapacity();
    if (const auto& stats = db_->GetDBOptions().statistics) {
      out["block_cache_hits_total"] = static_cast<double>(stats->getTickerCount(rocksdb::BLOCK_CACHE_HIT));
      out["block_cache_misses_total"] = static_cast<double>(stats->getTickerCount(rocksdb::BLOCK_CACHE_MISS));
    }
    return out;
  }

 private:
  rocksdb::ColumnFamilyHandle* cf(Table t) const { return handles_[static_cast<int>(t)]; }

  // Resumes a database stopped by a background error, at most once a
  // second.
  void TryResume() const {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    int64_t last = last_resume_.load();
    if (now == last || !last_resume_.compare_exchange_strong(last, now)) return;
    rocksdb::Status s = db_->Resume();
    absl::MutexLock l(&error_mu_);
    last_error_ = FromRocks(s, "store");
    stopped_ = !s.ok();
  }

  const std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kTableCount> handles_;
  std::shared_ptr<rocksdb::Cache> cache_;
  const uint64_t reserve_;
  mutable std::atomic<int64_t> last_resume_{0};
  // A write failed and the database was not resumed since.
  mutable std::atomic<bool> stopped_{false};
  mutable absl::Mutex error_mu_;
  mutable absl::Status last_error_ ABSL_GUARDED_BY(error_mu_);
  // The backup in progress, so that closing can stop it.
  absl::Mutex backup_mu_;
  rocksdb::BackupEngine* running_backup_ ABSL_GUARDED_BY(backup_mu_) = nullptr;
  bool backup_stopped_ ABSL_GUARDED_BY(backup_mu_) = false;
};

std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (int i = 0; i < kTableCount; ++i) {
    const Table t = static_cast<Table>(i);
    out.emplace_back(t == Table::kMeta ? rocksdb::kDefaultColumnFamilyName : TableName(t),
                     FamilyOptions(t, cache));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir,
                                                        const RocksDbOptions& options) {
  if (!std::filesystem::exists(dir)) {
    if (!options.create_if_missing) {
      return absl::NotFoundError(absl::StrCat("data directory ", dir, " does not exist"));
    }
    // Pseudonyms only, but still nobody else's business.
    if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
  }
  // Opening writes (a new write-ahead log and manifest): not on a disk
  // without the reserve.
  RETURN_IF_ERROR(CheckReserve(dir, options.reserve_bytes, "free space on the data disk, then start again"));
  auto cache = rocksdb::NewLRUCache(options.memory_budget_bytes);
  rocksdb::DBOptions db_options;
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.memtable_bytes, cache);
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.enable_pipelined_write = true;
  db_options.max_open_files = 512;
  db_options.info_log = std::make_shared<StderrLogger>();
  // Tickers only (no histograms, no timers), for the block cache's hits and misses on the
  // metrics port; not dumped to the log.
  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_options.stats_dump_period_sec = 0;
  db_options.stats_persist_period_sec = 0;

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, Descriptors(cache), &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::UnavailableError(absl::StrCat(
          "data directory ", dir, " is in use by another process (", s.ToString(), ")"));
    }
    return FromRocks(s, absl::StrCat("cannot open the store in ", dir));
  }
  std::array<rocksdb::ColumnFamilyHandle*, kTableCount> array{};
  for (int i = 0; i < kTableCount; ++i) array[i] = handles[i];
  auto store = std::make_unique<RocksDbStore>(dir, std::unique_ptr<rocksdb::DB>(raw), array, cache,
                                              options.reserve_bytes);

  auto format = store->Get(Table::kMeta, kFormatKey);
  if (!format.ok()) return format.status();
  if (!format->has_value()) {
    Batch b;
    Put(&b, Table::kMeta, std::string(kFormatKey), std::string(kStoreFormat));
    if (absl::Status w = store->Apply(b, true); !w.ok()) return w;
  } else if (**format != kStoreFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", dir, " holds store format '", **format, "'; this broker reads '",
        kStoreFormat, "'"));
  }
  return std::unique_ptr<Store>(std::move(store));
}

absl::StatusOr<std::vector<BackupInfo>> ListRocksDbBackups(const std::string& dir) {
  ASSIGN_OR_RETURN(auto reader, OpenBackupReader(dir));
  std::vector<rocksdb::BackupInfo> infos;
  reader->GetBackupInfo(&infos);
  if (infos.empty()) return absl::NotFoundError(absl::StrCat("backup directory ", dir, " holds no backup"));
  std::vector<BackupInfo> out;
  for (const auto& i : infos) out.push_back(ToBackupInfo(i));
  return out;
}

absl::StatusOr<BackupInfo> RestoreRocksDbBackup(const std::string& backup_dir, uint32_t id,
                                                const std::string& data_dir) {
  std::error_code ec;
  if (std::filesystem::exists(data_dir, ec) && !std::filesystem::is_empty(data_dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", data_dir, " is not empty: restore only into a new or empty directory "
        "(move the old one aside first)"));
  }
  ASSIGN_OR_RETURN(auto all, ListRocksDbBackups(backup_dir));
  const BackupInfo* chosen = id == 0 ? &all.back() : nullptr;
  for (const auto& b : all) {
    if (b.id == id) chosen = &b;
  }
  if (chosen == nullptr) {
    std::string ids;
    for (const auto& b : all) absl::StrAppend(&ids, ids.empty() ? "" : ", ", b.id);
    return absl::NotFoundError(absl::StrCat("backup directory ", backup_dir, " has no backup ", id,
                                            " (it has ", ids, ")"));
  }
  ASSIGN_OR_RETURN(auto reader, OpenBackupReader(backup_dir));
  RETURN_IF_ERROR(FromRocks(reader->VerifyBackup(chosen->id, /*verify_with_checksum=*/true),
                            absl::StrCat("backup ", chosen->id, " does not verify")));
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot create ", data_dir, ": ", ec.message()));
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all, ec);
  RETURN_IF_ERROR(FromRocks(
      reader->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen->id, data_dir, data_dir),
      absl::StrCat("restore of backup ", chosen->id, " into ", data_dir)));
  return *chosen;
}

}  // namespace riec::storage
