// A deterministic generator of synthetic partner exports (DOMAIN.md,
// "Realistic shapes for test data"): a fictitious region whose partners each
// export the subjects they hold, in the notations their systems use, with a
// ground truth of who holds what.
//
// Every identifier passes its check (BSN elfproef, IBAN mod-97, kenteken
// sidecode, postcode layout) yet belongs to nobody: BSNs start with 99,
// IBANs use the bank code RIEC, kentekens start with Q (never issued), KvK
// numbers start with 99, and names are drawn at random from lists.
//
// The same seed gives the same files on every machine: the generator uses
// its own PRNG (splitmix64), not <random>'s distributions.
//
// Thread-safety: pure functions.
#ifndef RIEC_TESTS_SYNTH_SYNTH_H_
#define RIEC_TESTS_SYNTH_SYNTH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "riec/v1/common.pb.h"

namespace riec::synth {

struct Options {
  uint64_t seed = 1;
  int persons = 2000;  // residents of the region; other counts scale with it
  int bad_rows = 0;    // invalid rows added to each person-bsn export
};

struct CsvFile {
  char delimiter = ',';
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// One subject held by at least one partner.
struct Truth {
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;
  std::string value;  // single-string notation (sdk::Normalise accepts it)
  std::map<std::string, std::string> holders;  // partner id -> category
};

struct Dataset {
  // partner id -> kind tag -> export
  std::map<std::string, std::map<std::string, CsvFile>> exports;
  std::vector<Truth> truth;  // in a stable order
};

Dataset Generate(const Options& options);

// Writes <dir>/<partner>/<kind>.csv and <dir>/ground-truth.csv
// (kind,value,holders as "partner:category;..."), creating directories.
absl::Status WriteDataset(const Dataset& data, const std::string& dir);

// A deterministic PRNG (splitmix64).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n), n > 0.
  uint64_t Below(uint64_t n);
  bool Chance(double p) { return Below(1'000'000) < static_cast<uint64_t>(p * 1'000'000); }

 private:
  uint64_t state_;
};

}  // namespace riec::synth

#endif  // RIEC_TESTS_SYNTH_SYNTH_H_
