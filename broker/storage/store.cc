#include "storage/store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "riec/common/file.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"

namespace riec::storage {
namespace {

// Format version of the store as a whole; bumped on an incompatible change
// of any layout in docs/storage.md.
constexpr absl::string_view kFormatKey = "store/format";
constexpr absl::string_view kFormat = "riec-store-3";

// Index keys begin with pseudonym (32) + kind (1): "who holds S?" is one
// prefix seek, and the prefix bloom filter makes a no-hit cheap.
constexpr size_t kIndexPrefix = 33;

rocksdb::ColumnFamilyOptions FamilyOptions(
    Family f, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  if (f == Family::kIndex) {
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    t.whole_key_filtering = false;
    o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(kIndexPrefix));
    o.memtable_prefix_bloom_size_ratio = 0.05;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.write_buffer_size = f == Family::kIndex || f == Family::kIndexByHolder ||
                                f == Family::kLog || f == Family::kLogTree
                            ? 32 << 20
                            : 4 << 20;
  o.compression = rocksdb::kLZ4Compression;
  return o;
}

}  // namespace

const char* FamilyName(Family f) {
  switch (f) {
    case Family::kMeta: return rocksdb::kDefaultColumnFamilyName.c_str();
    case Family::kIndex: return "index";
    case Family::kIndexByHolder: return "index_by_holder";
    case Family::kSignals: return "signals";
    case Family::kSignalsByOwner: return "signals_by_owner";
    case Family::kLog: return "log";
    case Family::kQuota: return "quota";
    case Family::kEvents: return "events";
    case Family::kLogTree: return "log_tree";
    case Family::kLogByPartner: return "log_by_partner";
    case Family::kLogByPseudonym: return "log_by_pseudonym";
    case Family::kLogBySignal: return "log_by_signal";
    case Family::kLogByTime: return "log_by_time";
    case Family::kTreeHeads: return "tree_heads";
    case Family::kLogByCase: return "log_by_case";
    case Family::kAsked: return "asked";
    case Family::kAssessments: return "assessments";
    case Family::kCases: return "cases";
    case Family::kKeys: return "encryption_keys";
    case Family::kRequests: return "content_requests";
    case Family::kRequestsByPartner: return "content_requests_by_partner";
    case Family::kPayloads: return "payloads";
  }
  return "?";
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   const Options& options) {
  if (!std::filesystem::exists(dir)) {
    // Pseudonyms only, but still nobody else's business.
    if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
  }
  auto cache = rocksdb::NewLRUCache(options.memory_budget_bytes);
  rocksdb::DBOptions db_options;
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.memtable_bytes, cache);
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.enable_pipelined_write = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kFamilyCount; ++i) {
    Family f = static_cast<Family>(i);
    descriptors.emplace_back(FamilyName(f), FamilyOptions(f, cache));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::UnavailableError(absl::StrCat(
          "data directory ", dir, " is in use by another process (", s.ToString(), ")"));
    }
    return FromRocks(s, absl::StrCat("cannot open store in ", dir));
  }
  std::unique_ptr<Store> store(new Store());
  store->db_.reset(raw);
  for (int i = 0; i < kFamilyCount; ++i) store->handles_[i] = handles[i];

  auto format = store->Get(Family::kMeta, kFormatKey);
  if (!format.ok()) return format.status();
  if (!format->has_value()) {
    absl::Status w = store->Apply(
        {{Family::kMeta, std::string(kFormatKey), std::string(kFormat)}}, true);
    if (!w.ok()) return w;
  } else if (**format != kFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", dir, " holds store format '", **format,
        "'; this broker reads '", kFormat, "'"));
  }
  return store;
}

Store::~Store() {
  if (db_) {
    for (auto* h : handles_) {
      if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
    }
    db_->Close();
  }
}

void Store::AddTo(rocksdb::WriteBatch* batch, const Mutation& m) const {
  if (m.value.has_value()) {
    batch->Put(cf(m.family), m.key, *m.value);
  } else {
    batch->Delete(cf(m.family), m.key);
  }
}

absl::Status Store::Apply(const std::vector<Mutation>& mutations, bool sync) {
  rocksdb::WriteBatch batch;
  for (const auto& m : mutations) AddTo(&batch, m);
  return Write(&batch, sync);
}

absl::Status Store::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Write(wo, batch), "store write");
}

absl::StatusOr<std::optional<std::string>> Store::Get(
    Family f, absl::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(f),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "store read");
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(
    Family f, bool prefix_same_as_start) const {
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = prefix_same_as_start;
  if (!prefix_same_as_start) ro.total_order_seek = true;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro, cf(f)));
}

std::string EncodeBE64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t DecodeBE64(absl::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

}  // namespace riec::storage
