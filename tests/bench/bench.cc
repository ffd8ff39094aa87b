// riec-bench: measures the broker against DESIGN.md §10 and prints each
// figure beside a ceiling measured in the same run on the same machine.
//
// It starts the real riec-broker process with a fresh RocksDB directory and
// talks gRPC over mutual TLS on loopback, like a partner system would. The
// ceilings are the raw primitives the broker is built on: libsodium scalar
// multiplications, and RocksDB synced batched writes and prefix lookups with
// the broker's own store layout (storage::Store), without gRPC, TLS, policy
// or log records; for events, raw reads of the same events; for stage 2,
// the same sealing, opening and synced writes.
//
// Figures are printed, never asserted: machines here are shared and noisy.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/time_util.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/sealed_box.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"
#include "log/disclosure_log.h"
#include "riec/merkle/tree_head.h"
#include "riec/merkle/attestation.h"
#include "storage/keys.h"
#include "storage/rocksdb_store.h"
#include "storage/tables.h"
#include "riec/sdk/log_verify.h"
#include "riec/sdk/stage2.h"
#include "support/support.h"

namespace riec::bench {
namespace {

using testing::BrokerProcess;
using testing::Pki;
using testing::TempDir;

struct Args {
  bool smoke = false;
  std::string only;  // "", "broker" or "log"
  uint64_t entries = 1'000'000;
  uint64_t subjects = 200'000;
  uint64_t oprf = 262'144;
  int latency = 2000;
  int threads = 4;
  uint64_t log_records = 200'000;    // durable appends timed
  uint64_t log_leaves = 10'000'000;  // tree size for the proof timings
  uint64_t export_records = 1'000'000;
  int subscribers = 50;
  int event_questions = 10;           // questions of kSignalSize subjects, each a match event per holder
  int round_trips = 2000;             // stage-2 request -> provide -> fetch
  size_t payload = 64 * 1024;
  int late_signals = 10'000;          // open signals watching for late hits
  int late_subjects = 25;             // subjects of each
};

struct Row {
  std::string figure, measured, ceiling, ratio, target;
  std::string verdict;
};

constexpr int kPartners = 4;
constexpr int kPublishBatch = 5000;
constexpr int kSignalSize = 1000;

std::string Rate(double per_second) {
  return absl::StrFormat("%s/s", absl::StrCat(static_cast<uint64_t>(per_second)));
}

// Runs fn(thread, i) for i in [0, n) split over `threads` threads; returns
// the wall time.
absl::Duration Parallel(int threads, uint64_t n, const std::function<void(int, uint64_t)>& fn) {
  std::vector<std::thread> pool;
  std::atomic<uint64_t> next{0};
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (uint64_t i; (i = next.fetch_add(1)) < n;) fn(t, i);
    });
  }
  for (auto& th : pool) th.join();
  return absl::Now() - start;
}

std::string Policy() {
  std::string partners, ids;
  for (int i = 0; i < kPartners; ++i) {
    absl::StrAppend(&partners, "  - {id: p", i, ", name: Partner ", i, "}\n");
    absl::StrAppend(&ids, i ? ", " : "", "p", i);
  }
  return absl::StrCat(R"(convenant: {id: riec-bench, version: "1"}
partners:
  - {id: riec, name: RIEC, roles: [coordinator, chair]}
)", partners, R"(purposes:
  - id: bench
    subject_kinds: [person-bsn]
    participants: [riec, )", ids, R"(]
    stage1: {level: holders}
    max_subjects_per_signal: 1000
  - id: notify
    subject_kinds: [person-bsn]
    participants: [riec, )", ids, R"(]
    stage1: {level: holders, notify_holders: true}
    max_subjects_per_signal: 1000
  - id: late
    subject_kinds: [person-bsn]
    participants: [riec, )", ids, R"(]
    stage1: {level: holders, late_hits: {max_per_signal: 25}}
    max_subjects_per_signal: 1000
quotas:
  # The bench measures the path, not the convenant's rate limits.
  default: {oprf_evaluations_per_day: 1000000000, questions_per_hour: unlimited, open_signals: unlimited,
            requests_per_second: unlimited}
)");
}

uint64_t RssKiB(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// The index mutations of one entry, as the broker writes them.
void AddEntry(storage::Batch* b, const std::string& pseudonym, const std::string& holder,
              storage::IndexTable::CountDelta* counts) {
  v1::Subject s;
  s.set_kind(v1::PERSON_BSN);
  s.set_pseudonym(pseudonym);
  storage::IndexTable::Put(b, s, holder, "", storage::IndexValue{0, 1, false, {}}, std::nullopt, counts);
}

std::unique_ptr<storage::Store> RawStore(const std::string& dir) {
  auto s = storage::OpenRocksDbStore(dir);
  if (!s.ok()) {
    std::cerr << "riec-bench: " << s.status() << "\n";
    return nullptr;
  }
  return *std::move(s);
}

void Write(storage::Store& s, storage::Table t, std::string key, std::string value, bool sync) {
  storage::Batch b;
  storage::Put(&b, t, std::move(key), std::move(value));
  (void)s.Apply(b, sync);
}

void Print(const Args& a, const std::vector<Row>& rows) {
  size_t w[5] = {6, 8, 7, 5, 6};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.figure.size());
    w[1] = std::max(w[1], r.measured.size());
    w[2] = std::max(w[2], r.ceiling.size());
    w[3] = std::max(w[3], r.ratio.size());
    w[4] = std::max(w[4], r.target.size());
  }
  auto line = [&](const std::string& a0, const std::string& a1, const std::string& a2,
                  const std::string& a3, const std::string& a4, const std::string& a5) {
    std::cout << absl::StrFormat("%-*s  %*s  %-*s  %*s  %-*s  %s\n", w[0], a0, w[1], a1, w[2], a2,
                                 w[3], a3, w[4], a4, a5);
  };
  std::cout << "\nriec-bench" << (a.smoke ? " (smoke run: sizes too small for real figures)" : "")
            << ": " << std::thread::hardware_concurrency() << " cores\n\n";
  line("figure", "measured", "ceiling (same run)", "ratio", "target", "");
  for (const auto& r : rows) line(r.figure, r.measured, r.ceiling, r.ratio, r.target, r.verdict);
}

// Starts a broker with `o` and connects a partner-system client of each
// bench partner; nullptr (having said why) if either fails.
std::unique_ptr<BrokerProcess> StartWithPartners(Pki& pki, const BrokerProcess::Options& o,
                                                 std::vector<std::unique_ptr<sdk::Client>>* partner) {
  auto broker = BrokerProcess::Start(pki, o);
  if (!broker.ok()) {
    std::cerr << "riec-bench: " << broker.status() << "\n";
    return nullptr;
  }
  for (int i = 0; i < kPartners; ++i) {
    partner->push_back(testing::Connect(pki, (*broker)->address(), absl::StrCat("p", i), "partner-system"));
    if (!partner->back()) return nullptr;
  }
  return *std::move(broker);
}

// Publishes `pseudonyms` in batches over the partners; the wall time.
absl::Duration PublishAll(const Args& a, const std::vector<std::string>& pseudonyms,
                          std::vector<std::unique_ptr<sdk::Client>>& partner, bool* failed) {
  const uint64_t batches = (pseudonyms.size() + kPublishBatch - 1) / kPublishBatch;
  std::atomic<bool> bad{false};
  const absl::Duration took = Parallel(a.threads, batches, [&](int, uint64_t b) {
    v1::PublishRequest req;
    for (uint64_t i = b * kPublishBatch; i < std::min<uint64_t>(pseudonyms.size(), (b + 1) * kPublishBatch); ++i) {
      auto* e = req.add_entries();
      e->mutable_subject()->set_kind(v1::PERSON_BSN);
      e->mutable_subject()->set_pseudonym(pseudonyms[i]);
    }
    if (!partner[b % kPartners]->Publish(req).ok()) bad = true;
  });
  *failed = bad;
  return took;
}

// Late hits: publishing `entries` fresh entries on a fresh broker, once
// without any signal and once with `late_signals` open signals of
// `late_subjects` subjects asked about first, 1 % of the published entries
// on watched subjects (each a late hit, up to the cap). Two fresh brokers,
// so that both publications land on an index of the same size.
int RunLateHits(const Args& a, Pki& pki, const BrokerProcess::Options& base,
                const std::string& dir, std::vector<Row>* rows) {
  const uint64_t watched = static_cast<uint64_t>(a.late_signals) * a.late_subjects;
  const uint64_t overlap = std::min<uint64_t>(a.entries / 100, watched);
  absl::Duration took[2];
  uint64_t late = 0;
  for (int watching = 0; watching < 2; ++watching) {
    BrokerProcess::Options o = base;
    o.data_dir = absl::StrCat(dir, "/late-data-", watching);
    std::vector<std::unique_ptr<sdk::Client>> partner;
    auto broker = StartWithPartners(pki, o, &partner);
    if (!broker) return 1;
    const std::string address = broker->address();
    auto coordinator = testing::Connect(pki, address, "riec", "coordinator");
    std::vector<std::string> pseudonyms(a.entries);
    for (auto& p : pseudonyms) p = crypto::RandomBytes(32);
    std::vector<std::string> signals(a.late_signals);
    if (watching) {
      std::atomic<bool> bad{false};
      Parallel(a.threads, a.late_signals, [&](int, uint64_t s) {
        v1::RegisterSignalRequest reg;
        reg.set_purpose("late");
        for (int j = 0; j < a.late_subjects; ++j) {
          const uint64_t n = s * a.late_subjects + j;
          auto* subject = reg.add_subjects();
          subject->set_kind(v1::PERSON_BSN);
          // The first `overlap` watched subjects are published afterwards.
          subject->set_pseudonym(n < overlap ? pseudonyms[n * (a.entries / overlap)]
                                             : crypto::RandomBytes(32));
        }
        auto r = coordinator->RegisterSignal(reg);
        if (!r.ok()) {
          bad = true;
          return;
        }
        signals[s] = r->signal().id();
        v1::CheckSubjectsRequest ask;
        ask.set_signal_id(signals[s]);
        if (!coordinator->CheckSubjects(ask).ok()) bad = true;
      });
      if (bad) {
        std::cerr << "riec-bench: registering or asking in the late-hit signals failed\n";
        return 1;
      }
    }
    bool failed = false;
    took[watching] = PublishAll(a, pseudonyms, partner, &failed);
    if (failed) std::cerr << "riec-bench: some Publish calls failed (late hits)\n";
    for (uint64_t s = 0; watching && s * a.late_subjects < overlap; ++s) {
      if (auto r = coordinator->ListLateHits(signals[s]); r.ok()) late += r->late_hits_size();
    }
    broker->Stop();
  }
  std::cerr << "riec-bench: late hits: " << late << " of " << overlap << " expected\n";
  const double r0 = a.entries / absl::ToDoubleSeconds(took[0]);
  const double r1 = a.entries / absl::ToDoubleSeconds(took[1]);
  rows->push_back({absl::StrCat("index entries published per second with ", a.late_signals,
                                " open signals of ", a.late_subjects, " subjects watching (", late,
                                " late hits)"),
                   Rate(r1), Rate(r0) + " the same without", absl::StrFormat("%.0f %%", 100 * r1 / r0),
                   "cost <= 10 %", r1 >= 0.9 * r0 ? "met" : "not met"});
  return 0;
}

// A stage-1 answer record of typical size (three subjects, one holder each).
v1::LogRecord AnswerRecord() {
  v1::LogRecord r;
  r.set_format(1);
  r.set_kind(v1::STAGE1_ANSWERED);
  r.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  r.mutable_actor()->set_partner("gemeente-eindhoven");
  r.mutable_actor()->set_role("partner-system");
  r.mutable_actor()->set_certificate_sha256(crypto::RandomBytes(32));
  r.set_method("/riec.v1.Inquiry/CheckSubjects");
  r.set_convenant_id("riec-oost-brabant");
  r.set_policy_version("2026-01");
  r.set_policy_sha256(crypto::RandomBytes(32));
  r.set_purpose("ondermijning");
  r.set_signal_id("S-7KQ2M9XD4F");
  r.mutable_decision()->set_allowed(true);
  r.mutable_decision()->set_rule("purpose.participants");
  r.mutable_decision()->set_explanation(
      "partner 'gemeente-eindhoven' (partner-system) takes part in purpose 'ondermijning'");
  for (int i = 0; i < 3; ++i) {
    auto* s = r.add_subjects();
    s->set_kind(v1::PERSON_BSN);
    s->set_pseudonym(crypto::RandomBytes(32));
    s->set_hit(true);
    s->add_holders()->set_partner("politie");
  }
  r.add_recipients("gemeente-eindhoven");
  r.set_stage1_level(v1::HOLDERS);
  return r;
}

// The disclosure log itself, in process: durable appends beside raw synced
// RocksDB writes, proofs at a large tree, and verifying an export.
int RunLog(const Args& a, std::vector<Row>* rows) {
  TempDir dir("bench-log");
  auto store = RawStore(dir / "log");
  auto raw = RawStore(dir / "raw");
  if (!store || !raw) return 1;
  auto log = log::DisclosureLog::Open(store.get());
  if (!log.ok()) return 1;
  constexpr int kWriters = 64;  // concurrent requests, as gRPC handlers are
  const v1::LogRecord record = AnswerRecord();
  const std::string bytes = log::EncodeRecord(record);
  std::cerr << "riec-bench: log: " << a.log_records << " durable appends by " << kWriters << " writers\n";
  const absl::Duration raw_time = Parallel(kWriters, a.log_records, [&](int, uint64_t i) {
    Write(*raw, storage::Table::kLog, storage::keys::LogIndex(i), bytes, /*sync=*/true);
  });
  const absl::Duration log_time = Parallel(kWriters, a.log_records, [&](int, uint64_t) {
    (void)(*log)->Append(record);
  });
  const double got = a.log_records / absl::ToDoubleSeconds(log_time);
  const double ceil = a.log_records / absl::ToDoubleSeconds(raw_time);
  rows->push_back({"log records appended per second, durable (in process)", Rate(got),
                   Rate(ceil) + " raw synced writes", absl::StrFormat("%.0f %%", 100 * got / ceil),
                   ">= 20 000/s and >= 25 %", got >= 20000 && got >= 0.25 * ceil ? "met" : "not met"});

  // Grow the tree to log_leaves with bulk appends, then time proofs.
  v1::LogRecord small;
  small.set_format(1);
  small.set_kind(v1::INDEX_PUBLISHED);
  small.mutable_actor()->set_partner("politie");
  small.set_count(1);
  std::vector<v1::LogRecord> batch(10000, small);
  const absl::Time grow = absl::Now();
  while ((*log)->Size() < a.log_leaves) {
    batch.resize(std::min<uint64_t>(10000, a.log_leaves - (*log)->Size()), small);
    for (size_t i = 0; i < batch.size(); ++i) batch[i].set_time_unix_micros(static_cast<int64_t>((*log)->Size() + i));
    if (!(*log)->AppendBatch(batch).ok()) return 1;
    if ((*log)->Size() % 1'000'000 < 10000) {
      std::cerr << "riec-bench: log: " << (*log)->Size() << " leaves ("
                << static_cast<int>(absl::ToDoubleSeconds(absl::Now() - grow)) << " s)\n";
    }
  }
  const uint64_t n = (*log)->Size();
  std::mt19937_64 rng(7);
  auto time_proofs = [&](auto&& prove) {
    std::vector<double> ms;
    for (int i = 0; i < 1000; ++i) {
      const absl::Time t0 = absl::Now();
      if (!prove().ok()) return std::make_pair(-1.0, -1.0);
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    std::sort(ms.begin(), ms.end());
    return std::make_pair(ms[500], ms[990]);
  };
  const auto inclusion = time_proofs([&] { return (*log)->InclusionProof(rng() % n, n).status(); });
  const auto consistency = time_proofs([&] { return (*log)->ConsistencyProof(1 + rng() % (n - 1), n).status(); });
  for (const auto& [name, t] : {std::pair{"inclusion", inclusion}, std::pair{"consistency", consistency}}) {
    rows->push_back({absl::StrCat(name, " proof at ", n, " leaves, p50 / p99"),
                     absl::StrFormat("%.3f / %.3f ms", t.first, t.second), "-", "-", "<= 1 ms",
                     t.second >= 0 && t.first <= 1 ? (n >= 10'000'000 ? "met" : "met (smaller tree)") : "not met"});
  }

  // An export of the first export_records records, then its full verification.
  const uint64_t e = std::min(a.export_records, n);
  crypto::SigningKey key = crypto::SigningKey::Generate();
  v1::ExportHeader header;
  header.set_format("riec-log-export-2");
  header.set_scope("all");
  header.set_public_key(key.public_key());
  auto* head = header.mutable_head();
  head->set_log_id(merkle::LogId(key.public_key()));
  head->set_tree_size(e);
  head->set_timestamp_millis(absl::ToUnixMillis(absl::Now()));
  head->set_root_hash(*(*log)->RootAt(e));
  head->set_signature(key.Sign(merkle::TreeHeadSignedBytes(head->log_id(), e, head->timestamp_millis(),
                                                           head->root_hash())));
  {
    std::ofstream out(dir / "export.jsonl");
    out << sdk::ExportHeaderLine(header) << "\n";
    for (uint64_t first = 0; first < e; first += 1000) {
      google::protobuf::RepeatedPtrField<v1::LogEntry> page;
      merkle::AttestationBuilder attested("all", head->log_id(), e);
      for (uint64_t i = first; i < std::min<uint64_t>(e, first + 1000); ++i) {
        auto stored = (*log)->Read(i);
        v1::LogEntry* entry = page.Add();
        entry->set_index(i);
        entry->set_leaf_hash(*(*log)->LeafHash(i));
        entry->set_status(v1::PRESENT);
        entry->set_leaf(stored->leaf);
        entry->set_record(stored->record);
        attested.Add(i, v1::PRESENT, entry->leaf_hash(), entry->record());
        out << sdk::ExportEntryLine(*entry) << "\n";
      }
      v1::ScopeAttestation a;
      a.set_scope("all");
      a.set_tree_size(e);
      a.set_signature(key.Sign(attested.bytes()));
      out << sdk::ExportAttestationLine(a, first, page.size()) << "\n";
    }
  }
  const absl::Time t0 = absl::Now();
  auto report = sdk::VerifyExportFile(dir / "export.jsonl", key.public_key());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  if (!report.ok()) {
    std::cerr << "riec-bench: export did not verify: " << report.status() << "\n";
    return 1;
  }
  rows->push_back({absl::StrCat("full verification of an export of ", e, " records"),
                   absl::StrFormat("%.2f s", seconds), "-", "-", "<= 10 s at 1 000 000",
                   seconds <= 10 ? (e >= 1'000'000 ? "met" : "met (smaller export)") : "not met"});
  return 0;
}

// Events to many subscribers, and stage-2 round trips, against the running
// broker; each beside the raw work under it, measured in this run.
int RunStage2(const Args& a, const std::string& dir, Pki& pki, const std::string& address,
              std::vector<std::unique_ptr<sdk::Client>>& partner, std::vector<Row>* rows) {
  auto coordinator = testing::Connect(pki, address, "riec", "coordinator");
  auto chair = testing::Connect(pki, address, "riec", "chair");
  if (!coordinator || !chair) return 1;

  // 1. Events delivered per second to `subscribers` streams. Every partner
  // holds every subject of a signal; each question the coordinator asks in
  // it makes one match event per subject for each partner, and every
  // subscriber of that partner receives it.
  {
    std::vector<std::string> pseudonyms(kSignalSize);
    v1::RegisterSignalRequest reg;
    reg.set_purpose("notify");
    v1::PublishRequest pub;
    for (auto& p : pseudonyms) {
      p = crypto::RandomBytes(32);
      auto* e = pub.add_entries();
      e->mutable_subject()->set_kind(v1::PERSON_BSN);
      e->mutable_subject()->set_pseudonym(p);
      *reg.add_subjects() = e->subject();
    }
    for (auto& c : partner) {
      if (!c->Publish(pub).ok()) return 1;
    }
    auto signal = coordinator->RegisterSignal(reg);
    auto head = coordinator->GetLatestTreeHead(true);
    if (!signal.ok() || !head.ok()) {
      std::cerr << "riec-bench: events: " << (signal.ok() ? head.status() : signal.status()) << "\n";
      return 1;
    }
    // Every event of a later record.
    const uint64_t after = *storage::keys::EventSequence(head->tree_size() - 1, storage::keys::kMaxEventsPerRecord);
    const uint64_t per_subscriber = static_cast<uint64_t>(a.event_questions) * kSignalSize;
    std::vector<std::unique_ptr<sdk::Client>> clients;
    for (int i = 0; i < a.subscribers; ++i) {
      clients.push_back(testing::Connect(pki, address, absl::StrCat("p", i % kPartners), "partner-system"));
      if (!clients.back()) return 1;
    }
    std::atomic<uint64_t> delivered{0};
    std::atomic<int> finished{0};
    std::vector<std::thread> subscribers;
    for (int i = 0; i < a.subscribers; ++i) {
      subscribers.emplace_back([&, i] {
        uint64_t got = 0;
        (void)clients[i]->Subscribe(after, [&](const v1::Event&) {
          delivered.fetch_add(1);
          return ++got < per_subscriber;
        });
        finished.fetch_add(1);
      });
    }
    absl::SleepFor(absl::Milliseconds(500));  // let the streams open
    std::cerr << "riec-bench: events: " << a.event_questions << " questions of " << kSignalSize << " subjects, "
              << a.subscribers << " subscribers\n";
    const absl::Time t0 = absl::Now();
    v1::CheckSubjectsRequest ask;
    ask.set_signal_id(signal->signal().id());
    for (int q = 0; q < a.event_questions; ++q) {
      if (!coordinator->CheckSubjects(ask).ok()) std::cerr << "riec-bench: a question failed\n";
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(300);
    while (finished.load() < a.subscribers && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    const absl::Duration took = absl::Now() - t0;
    if (finished.load() < a.subscribers) {
      std::cerr << "riec-bench: events: only " << delivered.load() << " delivered in 300 s\n";
      return 1;  // the broker's stop ends the open streams
    }
    for (auto& t : subscribers) t.join();
    // Ceiling: the same number of events read back from RocksDB (the
    // broker's layout) by as many readers, in process.
    auto raw = RawStore(dir + "/raw-events");
    if (!raw) return 1;
    v1::Event e;
    e.set_kind(v1::MATCH);
    e.set_partner("riec");
    e.set_signal_id(signal->signal().id());
    e.set_purpose("notify");
    e.mutable_subject()->set_kind(v1::PERSON_BSN);
    e.mutable_subject()->set_pseudonym(pseudonyms[0]);
    e.set_text("your entry matched a question of partner 'riec' in signal S-0000000000 for purpose 'notify'");
    for (int p = 0; p < kPartners; ++p) {
      storage::Batch b;
      for (uint64_t i = 0; i < per_subscriber; ++i) {
        e.set_sequence(i);
        storage::Put(&b, storage::Table::kEvents, storage::keys::Event(absl::StrCat("p", p), i),
                     e.SerializeAsString());
      }
      (void)raw->Apply(b, true);
    }
    const absl::Duration raw_time = Parallel(a.subscribers, a.subscribers, [&](int, uint64_t i) {
      v1::Event read;
      (void)storage::ScanPrefix(*raw, storage::Table::kEvents,
                                storage::keys::IdPrefix(absl::StrCat("p", i % kPartners)),
                                [&](absl::string_view, absl::string_view v) {
                                  read.ParseFromArray(v.data(), static_cast<int>(v.size()));
                                  return true;
                                });
    });
    const double got = delivered.load() / absl::ToDoubleSeconds(took);
    const double ceil = a.subscribers * per_subscriber / absl::ToDoubleSeconds(raw_time);
    rows->push_back({absl::StrCat("events delivered per second to ", a.subscribers, " subscribers"), Rate(got),
                     Rate(ceil) + " raw reads of the events", absl::StrFormat("%.0f %%", 100 * got / ceil), "-", ""});
  }

  // 2. Stage-2 round trips: p0 requests content from a holder, the holder
  // seals `payload` bytes to p0's key and provides it, p0 fetches and opens it.
  {
    const crypto::BoxKeyPair key = crypto::GenerateBoxKeyPair();
    if (!partner[0]->RegisterKey(key.public_key).ok()) return 1;
    v1::RegisterSignalRequest reg;
    reg.set_purpose("bench");
    auto* subject = reg.add_subjects();
    subject->set_kind(v1::PERSON_BSN);
    subject->set_pseudonym(crypto::RandomBytes(32));
    auto signal = coordinator->RegisterSignal(reg);
    if (!signal.ok()) {
      std::cerr << "riec-bench: stage 2: " << signal.status() << "\n";
      return 1;
    }
    v1::ProposeCaseRequest propose;
    propose.set_signal_id(signal->signal().id());
    v1::CaseDecision* d = propose.mutable_decision();
    *d->mutable_meeting() = ToProtoTime(absl::Now());
    for (int i = 0; i < kPartners; ++i) {
      auto* p = d->add_present();
      p->set_partner(absl::StrCat("p", i));
      p->set_consent(true);
      if (i > 0) {
        auto* f = d->add_flows();
        f->set_from(absl::StrCat("p", i));
        f->set_to("p0");
      }
    }
    *d->add_subjects() = *subject;
    d->mutable_justification()->set_noodzaak("benchmark");
    d->mutable_justification()->set_proportionaliteit("benchmark");
    d->mutable_justification()->set_subsidiariteit("benchmark");
    *d->mutable_ends() = ToProtoTime(absl::Now() + absl::Hours(24));
    auto proposed = chair->ProposeCase(propose);
    if (!proposed.ok() || !chair->UnlockCase(proposed->case_().id()).ok()) {
      std::cerr << "riec-bench: case: " << proposed.status() << "\n";
      return 1;
    }
    const std::string payload = crypto::RandomBytes(a.payload);
    std::cerr << "riec-bench: stage 2: " << a.round_trips << " round trips of " << a.payload << " bytes\n";
    std::atomic<int> failed{0};
    absl::Status first_failure;  // written by the first thread to fail only
    const absl::Duration served = Parallel(a.threads, a.round_trips, [&](int, uint64_t i) {
      v1::RequestContentRequest req;
      req.set_case_id(proposed->case_().id());
      *req.mutable_subject() = *subject;
      const int holder = 1 + static_cast<int>(i % (kPartners - 1));
      req.set_holder(absl::StrCat("p", holder));
      auto r = partner[0]->RequestContent(req);
      absl::Status provided = r.ok() ? sdk::ProvideSealed(*partner[holder], *r, payload, "", {}).status() : r.status();
      if (!provided.ok()) {
        if (failed++ == 0) first_failure = provided;
        return;
      }
      auto fetched = partner[0]->FetchContent(
          r->id(), *crypto::KeyProof(key.secret_key, r->fetch_challenge(), r->id()));
      if (!fetched.ok()) {
        if (failed++ == 0) first_failure = fetched.status();
        return;
      }
      auto opened = crypto::OpenSealed(key.public_key, key.secret_key, fetched->sealed());
      if ((!opened.ok() || crypto::Sha256(*opened) != fetched->request().sha256()) && failed++ == 0) {
        first_failure = absl::DataLossError("the opened content differs from what was provided");
      }
    });
    if (failed) std::cerr << "riec-bench: " << failed << " round trips failed, the first with " << first_failure << "\n";
    // Ceiling: the same cryptography and three synced writes per round trip
    // (request, sealed content, fetch), without gRPC, TLS, policy or log.
    auto raw = RawStore(dir + "/raw-stage2");
    if (!raw) return 1;
    const absl::Duration raw_time = Parallel(a.threads, a.round_trips, [&](int, uint64_t i) {
      const std::string id = absl::StrCat("R-", i);
      Write(*raw, storage::Table::kRequests, id, std::string(200, 'r'), true);
      auto sealed = crypto::Seal(key.public_key, payload);
      const std::string digest = crypto::Sha256(payload);
      Write(*raw, storage::Table::kPayloads, id, *sealed, true);
      const std::string stored = raw->Get(storage::Table::kPayloads, id)->value_or("");
      storage::Batch fetch;
      storage::Delete(&fetch, storage::Table::kPayloads, id);
      (void)raw->Apply(fetch, true);
      auto opened = crypto::OpenSealed(key.public_key, key.secret_key, stored);
      if (!opened.ok() || crypto::Sha256(*opened) != digest) failed++;
    });
    const double got = (a.round_trips - failed.load()) / absl::ToDoubleSeconds(served);
    const double ceil = a.round_trips / absl::ToDoubleSeconds(raw_time);
    rows->push_back({absl::StrCat("stage-2 request -> provide -> fetch round trips per second, ", a.payload / 1024,
                                  " KiB"),
                     Rate(got), Rate(ceil) + " raw seal/open + 3 synced writes",
                     absl::StrFormat("%.0f %%", 100 * got / ceil), "-", ""});
  }
  return 0;
}

int Run(const Args& a) {
  if (!crypto::InitCrypto().ok()) return 1;
  std::vector<Row> rows;
  if (a.only != "broker") {
    if (int rc = RunLog(a, &rows); rc != 0) return rc;
  }
  if (a.only == "log") {
    Print(a, rows);
    return 0;
  }
  TempDir dir("bench");
  Pki pki(dir / "pki", "riec-bench");
  if (auto s = pki.Create(); !s.ok()) {
    std::cerr << "riec-bench: " << s << "\n";
    return 1;
  }
  std::ofstream(dir / "policy.yaml") << Policy();
  BrokerProcess::Options o;
  o.policy = dir / "policy.yaml";
  o.data_dir = dir / "data";
  o.key_dir = dir / "keys";
  o.work_dir = dir.path();
  auto broker = BrokerProcess::Start(pki, o);
  if (!broker.ok()) {
    std::cerr << "riec-bench: " << broker.status() << "\n";
    return 1;
  }
  const std::string address = (*broker)->address();
  std::vector<std::unique_ptr<sdk::Client>> partner;
  for (int i = 0; i < kPartners; ++i) {
    partner.push_back(testing::Connect(pki, address, absl::StrCat("p", i), "partner-system"));
    if (!partner.back()) return 1;
  }
  std::cerr << "riec-bench: broker at " << address << ", " << a.threads << " client threads\n";

  // 1. OPRF evaluations.
  {
    // Ceiling: one scalar multiplication per evaluation, on every core.
    const crypto::Scalar scalar = crypto::Scalar::Random();
    const std::string point = crypto::HashToGroup("bench");
    const uint64_t raw_n = a.oprf;
    const absl::Duration raw = Parallel(std::thread::hardware_concurrency(), raw_n, [&](int, uint64_t) {
      unsigned char out[32];
      if (crypto_scalarmult_ristretto255(out, scalar.data(),
                                         reinterpret_cast<const unsigned char*>(point.data())) != 0) {
        std::abort();  // a valid point and scalar: cannot fail
      }
    });
    v1::EvaluateRequest req;
    for (int i = 0; i < 1024; ++i) req.add_blinded_elements(crypto::Blind(absl::StrCat("x", i))->blinded_element);
    const uint64_t calls = std::max<uint64_t>(1, a.oprf / 1024);
    std::atomic<bool> failed{false};
    const absl::Duration served = Parallel(a.threads, calls, [&](int t, uint64_t) {
      if (!partner[t % kPartners]->Evaluate(req).ok()) failed = true;
    });
    if (failed) std::cerr << "riec-bench: some Evaluate calls failed\n";
    const double got = calls * 1024 / absl::ToDoubleSeconds(served);
    const double smult = raw_n / absl::ToDoubleSeconds(raw);
    // The work of one evaluation with its share of the batch's proof: the
    // evaluation and the composite element (2m + 3 for m elements).
    auto row = [&](const std::string& figure, double rate, int cost, const char* target, double goal) {
      const double ceil = smult / cost;
      rows.push_back({figure, Rate(rate), absl::StrCat(Rate(ceil), " (scalar mult / ", cost, ")"),
                      absl::StrFormat("%.0f %%", 100 * rate / ceil), target,
                      goal == 0 ? "" : (rate >= goal * ceil ? "met" : "not met")});
    };
    row("VOPRF evaluations with proof per second, broker (batches of 1024)", got, 2, ">= 70 % of ceiling", 0.7);

    // Through the SDK: blind, evaluate with proof, verify the proof,
    // finalize: 1 + 2 + 2 + 1 scalar multiplications per pseudonym.
    std::vector<sdk::SubjectValue> values;
    for (int i = 0; i < 1024; ++i) values.push_back({v1::PERSON_BSN, testing::FakeBsn(i)});
    const uint64_t sdk_calls = std::max<uint64_t>(1, a.oprf / 4096);
    const absl::Duration single = Parallel(a.threads, sdk_calls, [&](int t, uint64_t) {
      if (!partner[t % kPartners]->Subjects(values).ok()) failed = true;
    });
    row("pseudonyms per second through the SDK, single key (VOPRF, verified)",
        sdk_calls * 1024 / absl::ToDoubleSeconds(single), 6, "-", 0);

    // 2-of-3 threshold: the running key split into three Pseudonymiser
    // processes; the SDK asks two, verifies both proofs and combines:
    // 1 + 2*2 + 2*2 + 2 + 1 = 12 scalar multiplications per pseudonym.
    const std::string shares = dir / "shares";
    testing::CommandResult keygen = testing::RunCommand({testing::BrokerBinary(), "pseudonymiser", "keygen", "--threshold", "2", "--shares",
                                       "3", "--out", shares, "--from-key-dir", dir / "keys"});
    if (keygen.exit_code != 0) {
      std::cerr << "riec-bench: keygen: " << keygen.err;
      return 1;
    }
    const std::string public_yaml = ReadFile(shares + "/public.yaml").value_or("");
    std::vector<std::unique_ptr<BrokerProcess>> instances;
    std::vector<sdk::PseudonymiserShare> share_list;
    for (uint32_t i = 1; i <= 3; ++i) {
      BrokerProcess::Options so = o;
      so.services = "pseudonymiser";
      so.key_dir = absl::StrCat(shares, "/share-", i);
      so.data_dir = absl::StrCat(dir.path(), "/share-data-", i);
      so.work_dir = absl::StrCat(dir.path(), "/share-work-", i);
      std::filesystem::create_directories(so.work_dir);
      auto instance = BrokerProcess::Start(pki, so);
      if (!instance.ok()) {
        std::cerr << "riec-bench: " << instance.status() << "\n";
        return 1;
      }
      const std::string marker = absl::StrCat("index: ", i, ", public_share: ");
      const size_t at = public_yaml.find(marker);
      if (at == std::string::npos) {
        std::cerr << "riec-bench: " << shares << "/public.yaml lacks share " << i << "\n";
        return 1;
      }
      share_list.push_back({(*instance)->address(), i, *FromHex(public_yaml.substr(at + marker.size(), 64))});
      instances.push_back(*std::move(instance));
    }
    auto group = partner[0]->GetKeyInfo();
    if (!group.ok()) return 1;
    std::vector<std::unique_ptr<sdk::Client>> threshold;
    for (int i = 0; i < kPartners; ++i) {
      auto co = testing::Connection(pki, address, absl::StrCat("p", i), "partner-system");
      co.pseudonymiser_key = group->public_key();
      co.pseudonymiser_shares = share_list;
      co.threshold = 2;
      auto c = sdk::Client::Connect(co);
      if (!c.ok()) {
        std::cerr << "riec-bench: " << c.status() << "\n";
        return 1;
      }
      threshold.push_back(*std::move(c));
    }
    std::vector<std::string> expected;
    if (auto first = partner[0]->Subjects(values); first.ok()) {
      for (const auto& s : *first) expected.push_back(s.pseudonym());
    }
    const absl::Duration split = Parallel(a.threads, sdk_calls, [&](int t, uint64_t) {
      auto got = threshold[t % kPartners]->Subjects(values);
      if (!got.ok() || got->empty() || got->front().pseudonym() != expected.front()) failed = true;
    });
    if (failed) std::cerr << "riec-bench: some pseudonym calls failed or differed from the single key's\n";
    row("pseudonyms per second through the SDK, 2-of-3 threshold (verified, combined)",
        sdk_calls * 1024 / absl::ToDoubleSeconds(split), 12, "-", 0);
  }

  // 2. Durable publication: broker vs raw synced batched writes.
  std::vector<std::string> pseudonyms(a.entries);
  for (auto& p : pseudonyms) p = crypto::RandomBytes(32);
  {
    auto raw_store = RawStore(dir / "raw");
    if (!raw_store) return 1;
    const uint64_t batches = (a.entries + kPublishBatch - 1) / kPublishBatch;
    const absl::Duration raw = Parallel(a.threads, batches, [&](int, uint64_t b) {
      storage::Batch batch;
      const std::string holder = absl::StrCat("p", b % kPartners);
      storage::IndexTable::CountDelta counts;
      for (uint64_t i = b * kPublishBatch; i < std::min<uint64_t>(a.entries, (b + 1) * kPublishBatch); ++i) {
        AddEntry(&batch, pseudonyms[i], holder, &counts);
      }
      counts.WriteTo(&batch, holder);
      (void)raw_store->Apply(batch, /*sync=*/true);
    });
    std::atomic<bool> failed{false};
    const absl::Duration served = Parallel(a.threads, batches, [&](int, uint64_t b) {
      v1::PublishRequest req;
      const int holder = static_cast<int>(b % kPartners);
      for (uint64_t i = b * kPublishBatch; i < std::min<uint64_t>(a.entries, (b + 1) * kPublishBatch); ++i) {
        auto* e = req.add_entries();
        e->mutable_subject()->set_kind(v1::PERSON_BSN);
        e->mutable_subject()->set_pseudonym(pseudonyms[i]);
      }
      if (!partner[holder]->Publish(req).ok()) failed = true;
    });
    if (failed) std::cerr << "riec-bench: some Publish calls failed\n";
    const double got = a.entries / absl::ToDoubleSeconds(served);
    const double ceil = a.entries / absl::ToDoubleSeconds(raw);
    rows.push_back({"index entries published per second, durable", Rate(got),
                    Rate(ceil) + " raw synced batches", absl::StrFormat("%.0f %%", 100 * got / ceil),
                    ">= 100 000/s", got >= 100000 ? "met" : "not met"});

    // 3. Stage-1 answers vs raw prefix lookups on the same data. Half the
    // subjects asked are held, half are unknown.
    const uint64_t asked = std::min<uint64_t>(a.subjects, a.entries * 2);
    std::vector<std::string> questions(asked);
    for (uint64_t i = 0; i < asked; ++i) {
      questions[i] = i % 2 == 0 ? pseudonyms[(i / 2) % a.entries] : crypto::RandomBytes(32);
    }
    // The ceiling is the best case: the raw index fully compacted, not in
    // the middle of the compactions its bulk load started.
    (void)raw_store->Compact(storage::Table::kIndex);
    std::atomic<uint64_t> found{0};
    const absl::Duration raw_lookups = Parallel(a.threads, asked, [&](int, uint64_t i) {
      std::string prefix = questions[i];
      prefix.push_back(static_cast<char>(v1::PERSON_BSN));
      (void)storage::ScanPrefix(*raw_store, storage::Table::kIndex, prefix,
                                [&](absl::string_view, absl::string_view) {
                                  found++;
                                  return true;
                                });
    });
    auto coordinator = testing::Connect(pki, address, "riec", "coordinator");
    std::vector<std::string> signals;
    for (uint64_t start = 0; start < asked; start += kSignalSize) {
      v1::RegisterSignalRequest reg;
      reg.set_purpose("bench");
      for (uint64_t i = start; i < std::min<uint64_t>(asked, start + kSignalSize); ++i) {
        auto* s = reg.add_subjects();
        s->set_kind(v1::PERSON_BSN);
        s->set_pseudonym(questions[i]);
      }
      auto r = coordinator->RegisterSignal(reg);
      if (!r.ok()) {
        std::cerr << "riec-bench: " << r.status() << "\n";
        return 1;
      }
      signals.push_back(r->signal().id());
    }
    std::atomic<uint64_t> answered{0}, hits{0};
    const absl::Duration stage1 = Parallel(a.threads, signals.size(), [&](int t, uint64_t s) {
      v1::CheckSubjectsRequest req;
      req.set_signal_id(signals[s]);
      auto r = coordinator->CheckSubjects(req);
      if (!r.ok()) return;
      answered += r->answers_size();
      for (const auto& ans : r->answers()) hits += ans.hit();
    });
    if (answered != asked) std::cerr << "riec-bench: only " << answered << " of " << asked << " answered\n";
    const double answers = answered / absl::ToDoubleSeconds(stage1);
    const double lookups = asked / absl::ToDoubleSeconds(raw_lookups);
    rows.push_back({"stage-1 subjects answered per second, logged", Rate(answers),
                    Rate(lookups) + " raw prefix lookups",
                    absl::StrFormat("%.0f %%", 100 * answers / lookups), ">= 100 000/s",
                    answers >= 100000 ? "met" : "not met"});
    std::cerr << "riec-bench: stage 1: " << hits << " hits of " << answered << " (expected about half)\n";

    // 4. Single-subject latency, in a signal about one subject; beside it
    // the latency of one raw synced write, the floor for an answer that
    // waits for its durable log record.
    auto percentiles = [](std::vector<double> ms) {
      std::sort(ms.begin(), ms.end());
      if (ms.empty()) return std::make_pair(0.0, 0.0);
      return std::make_pair(ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]);
    };
    std::vector<double> raw_ms, ms;
    for (int i = 0; i < a.latency; ++i) {
      storage::Batch batch;
      storage::Put(&batch, storage::Table::kLog, absl::StrCat("latency", i), std::string(200, 'x'));
      const absl::Time t0 = absl::Now();
      (void)raw_store->Apply(batch, /*sync=*/true);
      raw_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    v1::RegisterSignalRequest reg;
    reg.set_purpose("bench");
    auto* subject = reg.add_subjects();
    subject->set_kind(v1::PERSON_BSN);
    subject->set_pseudonym(questions[0]);
    auto single = coordinator->RegisterSignal(reg);
    v1::CheckSubjectsRequest one;
    if (single.ok()) one.set_signal_id(single->signal().id());
    for (int i = 0; i < a.latency && single.ok(); ++i) {
      const absl::Time t0 = absl::Now();
      if (!coordinator->CheckSubjects(one).ok()) break;
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    const auto [p50, p99] = percentiles(ms);
    const auto [raw50, raw99] = percentiles(raw_ms);
    rows.push_back({"single-subject stage-1 latency p50 / p99",
                    absl::StrFormat("%.2f / %.2f ms", p50, p99),
                    absl::StrFormat("%.2f / %.2f ms one synced write", raw50, raw99), "-",
                    "<= 1 / 5 ms", p50 <= 1 && p99 <= 5 ? "met" : "not met"});
  }

  if (int rc = RunStage2(a, dir.path(), pki, address, partner, &rows); rc != 0) {
    (*broker)->Stop();
    return rc;
  }
  // 5. Memory.
  const uint64_t rss = RssKiB((*broker)->pid());
  rows.push_back({absl::StrCat("broker memory (RSS) with ", a.entries, " index entries"),
                  absl::StrFormat("%.0f MiB", rss / 1024.0), "-", "-", "<= 512 MiB at 10 000 000",
                  a.entries >= 10'000'000 ? (rss <= 512 * 1024 ? "met" : "not met") : "run --entries 10000000"});
  // 6. Late hits: publication with open signals watching their subjects,
  // beside the same publication without any (measured first).
  (*broker)->Stop();
  if (int rc = RunLateHits(a, pki, o, dir.path(), &rows); rc != 0) return rc;

  Print(a, rows);
  return 0;
}

}  // namespace
}  // namespace riec::bench

int main(int argc, char** argv) {
  CLI::App app{
      "riec-bench — measures riec-broker (DESIGN.md §10) over mutual TLS on loopback and prints\n"
      "each figure beside the ceiling of the primitive under it, measured in the same run."};
  riec::bench::Args a;
  app.add_flag("--smoke", a.smoke, "tiny sizes: checks that the benchmark runs");
  app.add_option("--entries", a.entries, "index entries to publish (default 1 000 000)");
  app.add_option("--subjects", a.subjects, "stage-1 subjects to ask about (default 200 000)");
  app.add_option("--oprf", a.oprf, "OPRF evaluations (default 262 144)");
  app.add_option("--latency-samples", a.latency, "single-subject questions timed (default 2000)");
  app.add_option("--threads", a.threads, "client threads (default 4)")->check(CLI::Range(1, 64));
  app.add_option("--only", a.only, "run only 'broker' (over mTLS) or 'log' (the disclosure log in process)");
  app.add_option("--log-records", a.log_records, "durable log appends timed (default 200 000)");
  app.add_option("--log-leaves", a.log_leaves, "tree size for the proof timings (default 10 000 000)");
  app.add_option("--export-records", a.export_records, "records in the verified export (default 1 000 000)");
  app.add_option("--subscribers", a.subscribers, "event subscribers (default 50)")->check(CLI::Range(1, 500));
  app.add_option("--event-questions", a.event_questions, "questions that make the events (default 10)");
  app.add_option("--round-trips", a.round_trips, "stage-2 round trips (default 2000)");
  app.add_option("--payload", a.payload, "stage-2 content size in bytes (default 65536)");
  app.add_option("--late-signals", a.late_signals, "open signals watching for late hits (default 10 000)")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--late-subjects", a.late_subjects, "subjects per late-hit signal (default 25)")
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  if (a.smoke) {
    a.entries = 20000;
    a.subjects = 4000;
    a.oprf = 8192;
    a.latency = 100;
    a.log_records = 2000;
    a.log_leaves = 20000;
    a.export_records = 5000;
    a.event_questions = 1;
    a.round_trips = 40;
    a.late_signals = 100;
  }
  return riec::bench::Run(a);
}
