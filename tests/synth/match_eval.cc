// riec-match-eval: recall and precision of person matching without a BSN,
// exact-only beside match keys, on the synthetic person population.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "synth/persons.h"

int main(int argc, char** argv) {
  CLI::App app{
      "riec-match-eval — recall and precision of matching persons by name and date of birth.\n\n"
      "Generates two partners' records of a synthetic population (each record as registered or\n"
      "with one spelling variant, at the rates printed below), matches every record of one\n"
      "partner against every record of the other as the broker does (exact: the canonical\n"
      "form; match keys: exact, or probable by the broker's rule), and prints recall and\n"
      "precision against the ground truth. Deterministic for a seed (docs/pseudonyms.md §6)."};
  riec::synth::PersonOptions o;
  app.add_option("--seed", o.seed, "seed (default 1)");
  app.add_option("--persons", o.persons, "persons in the population (default 20000)")
      ->check(CLI::Range(100, 5000000));
  bool rates = false;
  app.add_flag("--rates", rates, "also print the variant rates");
  CLI11_PARSE(app, argc, argv);

  const auto pop = riec::synth::GeneratePersons(o);
  const auto ev = riec::synth::EvaluateMatching(pop);
  std::cout << absl::StrFormat(
      "%d persons (seed %d): partner A has %d records, partner B %d, %d persons are known to "
      "both\n\n",
      o.persons, o.seed, pop.a.size(), pop.b.size(), pop.in_both);
  std::cout << absl::StrFormat("| matching   | pairs found | correct | recall  | precision |\n");
  std::cout << absl::StrFormat("|------------|------------:|--------:|--------:|----------:|\n");
  auto row = [](const char* name, const riec::synth::MatchFigures& f) {
    std::cout << absl::StrFormat("| %-10s | %11d | %7d | %6.2f %% | %7.2f %% |\n", name, f.found,
                                 f.correct, 100 * f.recall(), 100 * f.precision());
  };
  row("exact only", ev.exact);
  row("match keys", ev.match_keys);
  std::cout << "\nPairs of one person by the records' variants (the other record as registered):\n\n";
  std::cout << "| variant                          | pairs | exact    | match keys |\n";
  std::cout << "|----------------------------------|------:|---------:|-----------:|\n";
  for (const auto& v : ev.by_variant) {
    std::cout << absl::StrFormat("| %-32s | %5d | %6.1f %% | %8.1f %% |\n", v.variant, v.true_pairs,
                                 100.0 * v.exact / v.true_pairs, 100.0 * v.match_keys / v.true_pairs);
  }
  if (rates) {
    std::cout << "\nVariant rates (share of records drawn for each; the rest as registered):\n\n";
    for (const auto& v : riec::synth::PersonVariants()) {
      std::cout << absl::StrFormat("  %-32s %5.1f %%\n", v.name, 100 * v.rate);
    }
  }
  if (ev.rejected > 0) std::cout << "\n" << ev.rejected << " records were rejected by normalisation\n";
  return 0;
}
