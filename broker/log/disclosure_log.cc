#include "log/disclosure_log.h"

#include "absl/strings/str_cat.h"

namespace riec::log {
namespace {
constexpr char kSizeKey[] = "log/size";

std::string NodeKey(int level, uint64_t index) {
  return std::string(1, static_cast<char>(level)) + storage::EncodeBE64(index);
}

merkle::NodeReader ReaderOf(const storage::Store* store) {
  return [store](int level, uint64_t index) -> absl::StatusOr<std::string> {
    auto v = store->Get(storage::Family::kLogTree, NodeKey(level, index));
    if (!v.ok()) return v.status();
    if (!v->has_value()) {
      return absl::DataLossError(absl::StrCat("log tree node ", level, "/", index, " is missing"));
    }
    return **v;
  };
}
}  // namespace

std::string EncodeRecord(const v1::LogRecord& record) {
  std::string bytes;
  record.SerializeToString(&bytes);
  return bytes;
}

absl::StatusOr<std::unique_ptr<DisclosureLog>> DisclosureLog::Open(
    storage::Store* store) {
  auto stored = store->Get(storage::Family::kMeta, kSizeKey);
  if (!stored.ok()) return stored.status();
  uint64_t size = stored->has_value() ? storage::DecodeBE64(**stored) : 0;
  // The size and the records are written in the same batch; a record at
  // index `size` or a missing last record means the store was altered.
  auto past_end = store->Get(storage::Family::kLog, storage::EncodeBE64(size));
  if (!past_end.ok()) return past_end.status();
  if (past_end->has_value()) {
    return absl::DataLossError(absl::StrCat(
        "disclosure log: a record exists past the recorded size ", size));
  }
  if (size > 0) {
    auto last = store->Get(storage::Family::kLog, storage::EncodeBE64(size - 1));
    if (!last.ok()) return last.status();
    if (!last->has_value()) {
      return absl::DataLossError(absl::StrCat(
          "disclosure log: record ", size - 1, " is missing"));
    }
  }
  auto range = merkle::CompactRange::Load(size, ReaderOf(store));
  if (!range.ok()) {
    return absl::DataLossError(absl::StrCat("disclosure log tree: ", range.status().message()));
  }
  if (size > 0) {
    // The last record must be the last leaf: a cheap check at every start.
    auto last = store->Get(storage::Family::kLog, storage::EncodeBE64(size - 1));
    auto leaf = ReaderOf(store)(0, size - 1);
    if (!leaf.ok()) return leaf.status();
    if (last.ok() && last->has_value() && !(*last)->empty() && merkle::LeafHash(**last) != *leaf) {
      return absl::DataLossError(absl::StrCat(
          "disclosure log: record ", size - 1, " does not match its leaf hash (altered?)"));
    }
  }
  return std::unique_ptr<DisclosureLog>(new DisclosureLog(store, size, *std::move(range)));
}

absl::StatusOr<uint64_t> DisclosureLog::Append(
    const v1::LogRecord& record, std::vector<storage::Mutation> mutations,
    IndexedMutations indexed) {
  Pending self{EncodeRecord(record), std::move(mutations), std::move(indexed),
               AuditIndexPrefixes(record)};
  if (absl::Status s = Commit({&self}); !s.ok()) return s;
  return self.index;
}

absl::StatusOr<uint64_t> DisclosureLog::AppendBatch(const std::vector<v1::LogRecord>& records) {
  if (records.empty()) return absl::InvalidArgumentError("no records");
  std::vector<Pending> pending(records.size());
  std::vector<Pending*> ptrs;
  for (size_t i = 0; i < records.size(); ++i) {
    pending[i].bytes = EncodeRecord(records[i]);
    pending[i].audit = AuditIndexPrefixes(records[i]);
    ptrs.push_back(&pending[i]);
  }
  if (absl::Status s = Commit(ptrs); !s.ok()) return s;
  return pending[0].index;
}

absl::Status DisclosureLog::Commit(const std::vector<Pending*>& mine) {
  std::unique_lock<std::mutex> lock(mu_);
  for (Pending* p : mine) queue_.push_back(p);
  Pending* last = mine.back();
  cv_.wait(lock, [&] { return last->done || !leader_active_; });
  if (last->done) return last->status;

  // This thread leads: it commits everything queued so far, its own included.
  leader_active_ = true;
  std::vector<Pending*> group(queue_.begin(), queue_.end());
  queue_.clear();
  const uint64_t first = size_;
  lock.unlock();

  rocksdb::WriteBatch batch;
  uint64_t index = first;
  merkle::CompactRange range = range_;  // adopted only if the write succeeds
  std::vector<merkle::CompactRange::Node> nodes;
  for (Pending* p : group) {
    if (p->indexed) p->indexed(index, &p->mutations);
    for (const auto& m : p->mutations) store_->AddTo(&batch, m);
    p->index = index;
    const std::string key = storage::EncodeBE64(index);
    batch.Put(store_->cf(storage::Family::kLog), key, p->bytes);
    for (const auto& [family, prefix] : p->audit) batch.Put(store_->cf(family), prefix + key, "");
    nodes.clear();
    range.Append(merkle::LeafHash(p->bytes), &nodes);
    for (const auto& n : nodes) {
      batch.Put(store_->cf(storage::Family::kLogTree), NodeKey(n.level, n.index), n.hash);
    }
    ++index;
  }
  batch.Put(store_->cf(storage::Family::kMeta), kSizeKey, storage::EncodeBE64(index));
  absl::Status status = store_->Write(&batch, /*sync=*/true);

  lock.lock();
  if (status.ok()) {
    size_ = index;
    range_ = std::move(range);
  }
  for (Pending* p : group) {
    p->status = status;
    p->done = true;
  }
  leader_active_ = false;
  lock.unlock();
  cv_.notify_all();
  if (status.ok()) grown_.notify_all();
  return last->status;
}

uint64_t DisclosureLog::WaitForGrowth(uint64_t size, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t interrupts = interrupts_;
  grown_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                  [&] { return size_ > size || interrupts_ != interrupts; });
  return size_;
}

void DisclosureLog::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++interrupts_;
  }
  grown_.notify_all();
}

uint64_t DisclosureLog::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

merkle::NodeReader DisclosureLog::Nodes() const { return ReaderOf(store_); }

absl::StatusOr<std::string> DisclosureLog::LeafHash(uint64_t index) const {
  if (index >= Size()) {
    return absl::OutOfRangeError(absl::StrCat("record ", index, ": the log has ", Size(), " records"));
  }
  return Nodes()(0, index);
}

absl::StatusOr<std::string> DisclosureLog::RootAt(uint64_t size) const {
  if (size > Size()) {
    return absl::OutOfRangeError(absl::StrCat("tree size ", size, ": the log has ", Size(), " records"));
  }
  return merkle::RootAt(size, Nodes());
}

absl::StatusOr<std::vector<std::string>> DisclosureLog::InclusionProof(uint64_t index,
                                                                      uint64_t size) const {
  if (size > Size()) {
    return absl::OutOfRangeError(absl::StrCat("tree_size: ", size, "; the log has ", Size(), " records"));
  }
  return merkle::InclusionProof(index, size, Nodes());
}

absl::StatusOr<std::vector<std::string>> DisclosureLog::ConsistencyProof(uint64_t first,
                                                                        uint64_t size) const {
  if (size > Size()) {
    return absl::OutOfRangeError(absl::StrCat("second_size: ", size, "; the log has ", Size(), " records"));
  }
  return merkle::ConsistencyProof(first, size, Nodes());
}

absl::StatusOr<std::vector<storage::Mutation>> DisclosureLog::RedactionOf(uint64_t index) const {
  auto bytes = ReadRecord(index);
  if (!bytes.ok()) return bytes.status();
  std::vector<storage::Mutation> out;
  if (bytes->empty()) return out;
  v1::LogRecord record;
  if (!record.ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("record ", index, " is unreadable"));
  }
  const std::string key = storage::EncodeBE64(index);
  for (const auto& [family, prefix] : AuditIndexPrefixes(record)) {
    out.push_back({family, prefix + key, std::nullopt});
  }
  out.push_back({storage::Family::kLog, key, std::string()});
  return out;
}

absl::StatusOr<std::string> DisclosureLog::ReadRecord(uint64_t index) const {
  if (index >= Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("record ", index, ": the log has ", Size(), " records"));
  }
  auto v = store_->Get(storage::Family::kLog, storage::EncodeBE64(index));
  if (!v.ok()) return v.status();
  if (!v->has_value()) {
    return absl::DataLossError(absl::StrCat("record ", index, " is missing"));
  }
  return **v;
}

}  // namespace riec::log
