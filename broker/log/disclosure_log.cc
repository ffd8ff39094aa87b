#include "log/disclosure_log.h"

#include "absl/strings/str_cat.h"
#include "riec/crypto/sodium.h"
#include "storage/keys.h"

namespace riec::log {
namespace {

using storage::Table;
namespace keys = storage::keys;

constexpr uint32_t kLeafFormat = 2;

merkle::NodeReader ReaderOf(const storage::Store* store) {
  return [store](int level, uint64_t index) -> absl::StatusOr<std::string> {
    auto v = store->Get(Table::kLogTree, keys::TreeNode(level, index));
    if (!v.ok()) return v.status();
    if (!v->has_value()) {
      return absl::DataLossError(absl::StrCat("log tree node ", level, "/", index, " is missing"));
    }
    return **v;
  };
}

absl::Status TooLarge(size_t bytes) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "this request would write a disclosure-log record of ", bytes >> 10, " KiB, more than the ",
      DisclosureLog::kMaxRecordBytes >> 20, " MiB a record may have; send fewer items at once"));
}

}  // namespace

std::string EncodeRecord(const v1::LogRecord& record) {
  std::string bytes;
  record.SerializeToString(&bytes);
  return bytes;
}

std::string EncodeLeaf(const v1::LogRecord& record, absl::string_view record_bytes) {
  v1::LogLeaf leaf;
  leaf.set_format(kLeafFormat);
  leaf.set_kind(record.kind());
  leaf.set_time_unix_micros(record.time_unix_micros());
  leaf.set_record_sha256(crypto::Sha256(record_bytes));
  std::string bytes;
  leaf.SerializeToString(&bytes);
  return bytes;
}

absl::StatusOr<std::unique_ptr<DisclosureLog>> DisclosureLog::Open(storage::Store* store) {
  auto stored = store->Get(Table::kMeta, storage::kLogSizeKey);
  if (!stored.ok()) return stored.status();
  const uint64_t size = stored->has_value() ? storage::DecodeBE64(**stored) : 0;
  // The size and the leaves are written in the same batch; a leaf at index
  // `size` or a missing last leaf means the store was altered.
  auto past_end = store->Get(Table::kLog, keys::LogIndex(size));
  if (!past_end.ok()) return past_end.status();
  if (past_end->has_value()) {
    return absl::DataLossError(
        absl::StrCat("disclosure log: a record exists past the recorded size ", size));
  }
  auto range = merkle::CompactRange::Load(size, ReaderOf(store));
  if (!range.ok()) {
    return absl::DataLossError(absl::StrCat("disclosure log tree: ", range.status().message()));
  }
  if (size > 0) {
    // The last leaf must be the tree's last leaf: a cheap check at every start.
    auto last = store->Get(Table::kLog, keys::LogIndex(size - 1));
    if (!last.ok()) return last.status();
    if (!last->has_value()) {
      return absl::DataLossError(absl::StrCat("disclosure log: record ", size - 1, " is missing"));
    }
    auto node = ReaderOf(store)(0, size - 1);
    if (!node.ok()) return node.status();
    if (merkle::LeafHash(**last) != *node) {
      return absl::DataLossError(absl::StrCat(
          "disclosure log: record ", size - 1, " does not match its leaf hash (altered?)"));
    }
  }
  return std::unique_ptr<DisclosureLog>(new DisclosureLog(store, size, *std::move(range)));
}

absl::StatusOr<uint64_t> DisclosureLog::Append(const v1::LogRecord& record,
                                               storage::Batch mutations,
                                               IndexedMutations indexed) {
  Pending self;
  self.record = EncodeRecord(record);
  if (self.record.size() > kMaxRecordBytes) return TooLarge(self.record.size());
  self.leaf = EncodeLeaf(record, self.record);
  self.mutations = std::move(mutations);
  self.indexed = std::move(indexed);
  self.audit = AuditIndexPrefixes(record);
  if (absl::Status s = Commit({&self}); !s.ok()) return s;
  return self.index;
}

absl::StatusOr<uint64_t> DisclosureLog::AppendAll(std::vector<Entry> entries) {
  if (entries.empty()) return absl::InvalidArgumentError("no records");
  std::vector<Pending> pending(entries.size());
  std::vector<Pending*> ptrs;
  for (size_t i = 0; i < entries.size(); ++i) {
    pending[i].record = EncodeRecord(entries[i].record);
    if (pending[i].record.size() > kMaxRecordBytes) return TooLarge(pending[i].record.size());
    pending[i].leaf = EncodeLeaf(entries[i].record, pending[i].record);
    pending[i].mutations = std::move(entries[i].mutations);
    pending[i].indexed = std::move(entries[i].indexed);
    pending[i].audit = AuditIndexPrefixes(entries[i].record);
    ptrs.push_back(&pending[i]);
  }
  // Commit queues them together under one lock and a leader takes the
  // whole queue: they land in one group, in order.
  if (absl::Status s = Commit(ptrs); !s.ok()) return s;
  return pending[0].index;
}

absl::StatusOr<uint64_t> DisclosureLog::AppendBatch(const std::vector<v1::LogRecord>& records) {
  if (records.empty()) return absl::InvalidArgumentError("no records");
  std::vector<Pending> pending(records.size());
  std::vector<Pending*> ptrs;
  for (size_t i = 0; i < records.size(); ++i) {
    pending[i].record = EncodeRecord(records[i]);
    if (pending[i].record.size() > kMaxRecordBytes) return TooLarge(pending[i].record.size());
    pending[i].leaf = EncodeLeaf(records[i], pending[i].record);
    pending[i].audit = AuditIndexPrefixes(records[i]);
    ptrs.push_back(&pending[i]);
  }
  if (absl::Status s = Commit(ptrs); !s.ok()) return s;
  return pending[0].index;
}

absl::Status DisclosureLog::Commit(const std::vector<Pending*>& mine) {
  const absl::Time started = absl::Now();
  absl::Status status = CommitGroup(mine);
  if (status.ok() && observer_.append) observer_.append(absl::Now() - started);
  return status;
}

absl::Status DisclosureLog::CommitGroup(const std::vector<Pending*>& mine) {
  Pending* const last = mine.back();
  std::vector<Pending*> group;
  uint64_t first = 0;
  {
    absl::MutexLock lock(&mu_);
    for (Pending* p : mine) queue_.push_back(p);
    auto done_or_free = [this, last] {
      mu_.AssertHeld();
      return last->done || !leader_active_;
    };
    mu_.Await(absl::Condition(&done_or_free));
    if (last->done) return last->status;
    // This thread leads: it commits everything queued so far, its own
    // included.
    leader_active_ = true;
    group.assign(queue_.begin(), queue_.end());
    queue_.clear();
    first = size_;
  }

  storage::Batch batch;
  size_t n = 1;
  for (Pending* p : group) n += p->mutations.size() + p->audit.size() + 4;
  batch.reserve(n);
  uint64_t index = first;
  merkle::CompactRange range = range_;  // adopted only if the write succeeds
  std::vector<merkle::CompactRange::Node> nodes;
  for (Pending* p : group) {
    if (p->indexed) p->indexed(index, &p->mutations);
    for (auto& m : p->mutations) batch.push_back(std::move(m));
    p->index = index;
    const std::string key = keys::LogIndex(index);
    for (const auto& [table, prefix] : p->audit) storage::Put(&batch, table, prefix + key, "");
    nodes.clear();
    range.Append(merkle::LeafHash(p->leaf), &nodes);
    for (const auto& node : nodes) {
      storage::Put(&batch, Table::kLogTree, keys::TreeNode(node.level, node.index), node.hash);
    }
    storage::Put(&batch, Table::kLog, key, std::move(p->leaf));
    storage::Put(&batch, Table::kLogRecords, key, std::move(p->record));
    ++index;
  }
  storage::Put(&batch, Table::kMeta, std::string(storage::kLogSizeKey), storage::EncodeBE64(index));
  const absl::Time write_started = absl::Now();
  const absl::Status status = store_->Apply(batch, /*sync=*/true);
  if (status.ok() && observer_.group) observer_.group(group.size(), absl::Now() - write_started);

  std::vector<std::function<void(uint64_t)>> listeners;
  {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      size_ = index;
      range_ = std::move(range);
      listeners = listeners_;
    }
    for (Pending* p : group) {
      p->status = status;
      p->done = true;
    }
    leader_active_ = false;
  }
  for (const auto& l : listeners) l(index);
  return last->status;
}

uint64_t DisclosureLog::WaitForGrowth(uint64_t size, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const uint64_t interrupts = interrupts_;
  auto grown = [this, size, interrupts] {
    mu_.AssertHeld();
    return size_ > size || interrupts_ != interrupts;
  };
  mu_.AwaitWithTimeout(absl::Condition(&grown), timeout);
  return size_;
}

void DisclosureLog::Interrupt() {
  absl::MutexLock lock(&mu_);
  ++interrupts_;
}

void DisclosureLog::OnGrowth(std::function<void(uint64_t)> listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

uint64_t DisclosureLog::Size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

merkle::NodeReader DisclosureLog::Nodes() const { return ReaderOf(store_); }

absl::StatusOr<std::string> DisclosureLog::LeafHash(uint64_t index) const {
  if (index >= Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("record ", index, ": the log has ", Size(), " records"));
  }
  return Nodes()(0, index);
}

absl::StatusOr<std::string> DisclosureLog::RootAt(uint64_t size) const {
  if (size > Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", size, ": the log has ", Size(), " records"));
  }
  return merkle::RootAt(size, Nodes());
}

absl::StatusOr<std::vector<std::string>> DisclosureLog::InclusionProof(uint64_t index,
                                                                      uint64_t size) const {
  if (size > Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("tree_size: ", size, "; the log has ", Size(), " records"));
  }
  return merkle::InclusionProof(index, size, Nodes());
}

absl::StatusOr<std::vector<std::string>> DisclosureLog::ConsistencyProof(uint64_t first,
                                                                        uint64_t size) const {
  if (size > Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("second_size: ", size, "; the log has ", Size(), " records"));
  }
  return merkle::ConsistencyProof(first, size, Nodes());
}

absl::StatusOr<storage::Batch> DisclosureLog::RedactionOf(uint64_t index) const {
  auto bytes = ReadRecord(index);
  if (!bytes.ok()) return bytes.status();
  storage::Batch out;
  if (bytes->empty()) return out;
  const std::string key = keys::LogIndex(index);
  v1::LogRecord record;
  // A record that does not parse still has its content erased; its audit
  // index entries are found from what parses.
  if (record.ParseFromString(*bytes)) {
    for (const auto& [table, prefix] : AuditIndexPrefixes(record)) {
      storage::Delete(&out, table, prefix + key);
    }
  }
  storage::Delete(&out, Table::kLogRecords, key);
  return out;
}

absl::StatusOr<StoredEntry> DisclosureLog::Read(uint64_t index) const {
  if (index >= Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("record ", index, ": the log has ", Size(), " records"));
  }
  const std::string key = keys::LogIndex(index);
  auto leaf = store_->Get(Table::kLog, key);
  if (!leaf.ok()) return leaf.status();
  if (!leaf->has_value()) return absl::DataLossError(absl::StrCat("record ", index, " is missing"));
  auto record = store_->Get(Table::kLogRecords, key);
  if (!record.ok()) return record.status();
  return StoredEntry{**std::move(leaf), record->value_or("")};
}

absl::StatusOr<std::string> DisclosureLog::ReadRecord(uint64_t index) const {
  if (index >= Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("record ", index, ": the log has ", Size(), " records"));
  }
  auto record = store_->Get(Table::kLogRecords, keys::LogIndex(index));
  if (!record.ok()) return record.status();
  return record->value_or("");
}

}  // namespace riec::log
