// riec pseudonym (through the Pseudonymiser) and riec oprf vector (offline
// test vectors for implementers of other clients).
#include <iostream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/output.h"
#include "cli/subjects_input.h"
#include "riec/crypto/voprf.h"
#include "riec/common/hex.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/sodium.h"
#include "riec/sdk/normalise.h"

namespace riec::cli {
namespace {

struct PseudonymArgs {
  std::string kind, value;
  bool quiet = false, json = false;
};

struct VectorArgs {
  std::string seed_hex, info_hex, input_hex, blind_hex, proof_random_hex;
  std::string mode = "voprf";
  bool json = false;
};

int Pseudonym(sdk::Api& client, const std::string& kind_tag, const std::string& value,
              bool quiet, bool json, std::ostream& out) {
  auto kind = ParseKind(kind_tag);
  if (!kind.ok()) return Fail(kind.status());
  auto canonical = sdk::Normalise(*kind, value, absl::Now());
  if (!canonical.ok()) return Fail(canonical.status());
  auto info = client.GetKeyInfo();
  if (!info.ok()) return Fail(info.status());
  auto p = client.PseudonymiseCanonical(*kind, {*canonical});
  if (!p.ok()) return Fail(p.status());
  const std::string hex = ToHex((*p)[0]);
  if (quiet) {
    out << hex << "\n";
  } else if (json) {
    return ExitCode(PrintJson(
        StringStruct({{"kind", kind_tag}, {"canonical", *canonical}, {"pseudonym", hex}, {"key_id", info->key_id()}}),
        out));
  } else {
    out << "kind       " << kind_tag << "\ncanonical  " << *canonical << "\npseudonym  " << hex
        << "\nkey        " << info->key_id() << "\n";
  }
  return 0;
}

int OprfVector(const VectorArgs& a, std::ostream& out) {
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return Fail(s);
  auto hex = [](const std::string& h, const char* flag) -> absl::StatusOr<std::string> {
    auto b = FromHex(h);
    if (!b.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", b.status().message()));
    return b;
  };
  auto seed = hex(a.seed_hex, "--seed-hex");
  if (!seed.ok()) return Fail(seed.status());
  auto info = hex(a.info_hex, "--info-hex");
  if (!info.ok()) return Fail(info.status());
  auto input = hex(a.input_hex, "--input-hex");
  if (!input.ok()) return Fail(input.status());
  auto blind_bytes = hex(a.blind_hex, "--blind-hex");
  if (!blind_bytes.ok()) return Fail(blind_bytes.status());
  if (a.mode != "oprf" && a.mode != "voprf") {
    return Fail(absl::InvalidArgumentError("--mode: want oprf (0x00) or voprf (0x01)"));
  }
  const crypto::OprfMode mode = a.mode == "oprf" ? crypto::OprfMode::kOprf : crypto::OprfMode::kVoprf;
  auto key = crypto::OprfKey::Derive(*seed, *info, mode);
  if (!key.ok()) return Fail(absl::InvalidArgumentError(absl::StrCat("--seed-hex: ", key.status().message())));
  auto blind = crypto::Scalar::FromBytes(*blind_bytes);
  if (!blind.ok()) return Fail(absl::InvalidArgumentError(absl::StrCat("--blind-hex: ", blind.status().message())));
  auto blinded = crypto::BlindWith(*input, *std::move(blind), mode);
  if (!blinded.ok()) return Fail(blinded.status());
  // VOPRF: the evaluation with its proof, with the given proof scalar (the
  // RFC's vectors) or a fresh one.
  std::optional<crypto::Scalar> r;
  if (!a.proof_random_hex.empty()) {
    auto bytes = hex(a.proof_random_hex, "--proof-random-hex");
    if (!bytes.ok()) return Fail(bytes.status());
    auto scalar = crypto::Scalar::FromBytes(*bytes);
    if (!scalar.ok()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("--proof-random-hex: ", scalar.status().message())));
    }
    r = *std::move(scalar);
  }
  std::string evaluated, proof;
  if (mode == crypto::OprfMode::kVoprf) {
    auto e = crypto::EvaluateWithProof(*key, {blinded->blinded_element}, r ? &*r : nullptr);
    if (!e.ok()) return Fail(e.status());
    evaluated = e->evaluated[0];
    proof = e->proof;
  } else {
    auto e = key->Evaluate(blinded->blinded_element);
    if (!e.ok()) return Fail(e.status());
    evaluated = *e;
  }
  auto output = crypto::Finalize(*input, blinded->blind, evaluated);
  if (!output.ok()) return Fail(output.status());
  const crypto::SecretBytes sk = key->ExportSecret();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"mode", mode == crypto::OprfMode::kOprf ? "0x00" : "0x01"},
      {"skS", ToHex(sk)},
      {"pkS", ToHex(key->public_key())},
      {"blinded_element", ToHex(blinded->blinded_element)},
      {"evaluation_element", ToHex(evaluated)},
      {"output", ToHex(*output)},
      {"pseudonym", ToHex(output->substr(0, 32))}};
  if (!proof.empty()) fields.push_back({"proof", ToHex(proof)});
  if (a.json) return ExitCode(PrintJson(StringStruct(fields), out));
  out << "suite               " << crypto::kOprfSuiteName << ", mode "
      << (mode == crypto::OprfMode::kOprf ? "0x00 (OPRF)" : "0x01 (VOPRF)") << " (RFC 9497)\n";
  for (const auto& [k, v] : fields) out << k << std::string(20 - k.size(), ' ') << v << "\n";
  return 0;
}

}  // namespace

void RegisterPseudonymCommands(CLI::App& app, Dispatch& d) {
  auto p = std::make_shared<PseudonymArgs>();
  auto* pseud = app.add_subcommand("pseudonym", "the pseudonym of one identifier, through the Pseudonymiser");
  pseud->add_option("--kind", p->kind, "subject kind")->required();
  pseud->add_option("value", p->value, "the identifier (single-string notation, docs/pseudonyms.md)")->required();
  pseud->add_flag("--quiet,-q", p->quiet, "print only the pseudonym (hex)");
  pseud->add_flag("--json", p->json, "print JSON");
  d.Online(pseud, [p](sdk::Api& c) { return Pseudonym(c, p->kind, p->value, p->quiet, p->json, std::cout); });

  auto* oprf = app.add_subcommand("oprf", "OPRF tools for implementers of other clients");
  oprf->require_subcommand(1);
  auto vec = std::make_shared<VectorArgs>();
  auto* vector = oprf->add_subcommand(
      "vector", "derive a key (RFC 9497 DeriveKeyPair) and print Blind/Evaluate/Finalize values");
  vector->add_option("--seed-hex", vec->seed_hex, "32-byte seed")->required();
  vector->add_option("--info-hex", vec->info_hex, "key info")->required();
  vector->add_option("--input-hex", vec->input_hex, "OPRF input")->required();
  vector->add_option("--blind-hex", vec->blind_hex, "blind scalar (32 bytes, little-endian)")->required();
  vector->add_option("--mode", vec->mode,
                     "voprf (RFC 9497 mode 0x01, as pseudonyms are made; default) or oprf (mode 0x00)");
  vector->add_option("--proof-random-hex", vec->proof_random_hex,
                     "voprf: the proof's random scalar (the RFC's ProofRandomScalar); default fresh");
  vector->add_flag("--json", vec->json, "print JSON");
  d.Offline(vector, [vec] { return OprfVector(*vec, std::cout); });
}

}  // namespace riec::cli
