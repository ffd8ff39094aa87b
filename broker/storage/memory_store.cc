#include "storage/memory_store.h"

#include <vector>

#include "storage/keys.h"

namespace riec::storage {

MemoryStore::MemoryStore() {
  absl::MutexLock l(&mu_);
  tables_[static_cast<int>(Table::kMeta)][std::string(kFormatKey)] = std::string(kStoreFormat);
}

absl::StatusOr<std::optional<std::string>> MemoryStore::Get(Table t,
                                                            absl::string_view key) const {
  absl::ReaderMutexLock l(&mu_);
  const auto& m = tables_[static_cast<int>(t)];
  auto it = m.find(key);
  if (it == m.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::Status MemoryStore::Scan(Table t, absl::string_view prefix, absl::string_view start,
                               const ScanVisitor& visit) const {
  // A snapshot of the matching range, so that `visit` may use the store.
  std::vector<std::pair<std::string, std::string>> snapshot;
  {
    absl::ReaderMutexLock l(&mu_);
    const auto& m = tables_[static_cast<int>(t)];
    const absl::string_view from = start < prefix ? prefix : start;
    for (auto it = m.lower_bound(from); it != m.end(); ++it) {
      if (absl::string_view(it->first).substr(0, prefix.size()) != prefix) break;
      snapshot.emplace_back(it->first, it->second);
    }
  }
  for (const auto& [k, v] : snapshot) {
    if (!visit(k, v)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> MemoryStore::Last(
    Table t) const {
  absl::ReaderMutexLock l(&mu_);
  const auto& m = tables_[static_cast<int>(t)];
  if (m.empty()) return std::optional<std::pair<std::string, std::string>>();
  return std::optional<std::pair<std::string, std::string>>(*m.rbegin());
}

absl::Status MemoryStore::Apply(const Batch& batch, bool sync) {
  if (full_.load()) {
    return absl::ResourceExhaustedError(
        "the store is out of space; nothing of this request was written; free space on the "
        "data disk");
  }
  absl::MutexLock l(&mu_);
  for (const Mutation& m : batch) {
    auto& table = tables_[static_cast<int>(m.table)];
    switch (m.op) {
      case Mutation::Op::kPut:
        table[m.key] = m.value;
        break;
      case Mutation::Op::kDelete:
        table.erase(m.key);
        break;
      case Mutation::Op::kAdd: {
        auto it = table.find(m.key);
        int64_t sum = it != table.end() && it->second.size() >= 8
                          ? static_cast<int64_t>(DecodeBE64(it->second))
                          : 0;
        if (m.value.size() >= 8) sum += static_cast<int64_t>(DecodeBE64(m.value));
        table[m.key] = EncodeBE64(static_cast<uint64_t>(sum));
        break;
      }
    }
  }
  if (sync) synced_.fetch_add(1);
  return absl::OkStatus();
}

absl::Status MemoryStore::Writable() const {
  if (full_.load()) return absl::ResourceExhaustedError("the store is out of space");
  return absl::OkStatus();
}

}  // namespace riec::storage
