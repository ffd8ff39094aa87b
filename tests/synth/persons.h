// A synthetic person population for measuring person matching without a
// BSN (docs/pseudonyms.md §6): persons known to two partners by name and
// date of birth, each partner's record written with the spelling variation
// real registrations show, and the ground truth of who is who.
//
// Every record is written as the person is registered (about half) or with
// one variant, drawn by the rates in kVariants (persons.cc; the table is
// printed by riec-match-eval and listed in docs/pseudonyms.md §6.4). Names
// are drawn from lists; dates of birth are uniform over 1940-2006. The same
// seed gives the same population on every machine.
//
// Thread-safety: pure functions.
#ifndef RIEC_TESTS_SYNTH_PERSONS_H_
#define RIEC_TESTS_SYNTH_PERSONS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace riec::synth {

struct PersonOptions {
  uint64_t seed = 1;
  int persons = 20000;
  double known_to_each = 0.5;  // chance that a partner has a record of a person
};

// One partner's record of a person, as its export writes it.
struct PersonRecord {
  int person = 0;          // ground truth: who it is
  std::string surname;     // with its tussenvoegsels, as written
  std::string given;       // given names or initials, as written
  std::string dob;         // date of birth, as written
  std::string variant;     // the variant applied ("" : as registered)
};

struct PersonPopulation {
  std::vector<PersonRecord> a, b;  // two partners' records
  int in_both = 0;                 // persons with a record at both
};

PersonPopulation GeneratePersons(const PersonOptions& options);

// The variants and their share of the records (0..1), in table order.
struct VariantRate {
  const char* name;
  double rate;
};
std::vector<VariantRate> PersonVariants();

// Recall and precision of matching every record of partner A against every
// record of partner B, counting pairs of records.
struct MatchFigures {
  int true_pairs = 0;   // pairs of records of one person
  int found = 0;        // pairs reported
  int correct = 0;      // of those, pairs of one person
  double recall() const { return true_pairs ? double(correct) / true_pairs : 0; }
  double precision() const { return found ? double(correct) / found : 1; }
};
struct MatchEvaluation {
  MatchFigures exact;      // the full canonical form only
  MatchFigures match_keys; // exact, or probable by the broker's rule
  // Per variant of the pair (the record that carries one; "two variants"
  // when both do): {true pairs, found exactly, found with match keys}.
  struct PerVariant {
    std::string variant;
    int true_pairs = 0, exact = 0, match_keys = 0;
  };
  std::vector<PerVariant> by_variant;
  int rejected = 0;  // records normalisation refused (none expected)
};

// Normalises each record (sdk::NormaliseNameDob), derives its projections
// (sdk::PersonMatchProjections) and matches as the broker does: equal
// canonical forms are exact, otherwise the kinds of projection in common
// decide by riec::IsProbableMatch. Equal projections are equal pseudonyms
// under one OPRF key, so no key is needed.
MatchEvaluation EvaluateMatching(const PersonPopulation& population);

}  // namespace riec::synth

#endif  // RIEC_TESTS_SYNTH_PERSONS_H_
