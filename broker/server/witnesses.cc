#include "server/witnesses.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/checkpoint.h"

namespace riec::server {
namespace {

// "http://host:port[/prefix]" -> ("http://host:port", "/prefix").
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return {url, ""};
  std::string prefix = url.substr(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {url.substr(0, path), prefix};
}

}  // namespace

std::vector<std::string> WitnessClerk::Submit(const policy::Policy& policy, const std::function<bool()>& stopping) {
  std::vector<std::string> problems;
  if (policy.witnesses().empty()) return problems;
  auto head = signer_->Latest(false);
  if (!head.ok()) return {absl::StrCat("no tree head to submit: ", head.status().message())};
  const uint64_t size = head->tree_size();
  auto note = merkle::ParseNote(head->checkpoint());
  if (!note.ok()) return {absl::StrCat("the latest head carries no checkpoint: ", note.status().message())};

  std::vector<merkle::NoteSignature> cosignatures;
  for (const auto& w : policy.witnesses()) {
    if (stopping()) return problems;
    auto v = merkle::ParseVkey(w.vkey);
    if (!v.ok()) continue;  // the policy validated it
    if (cosigned_[w.vkey] == size && size > 0) continue;
    bool done = false;
    const size_t reported = problems.size();
    for (int attempt = 0; attempt < 2 && !done; ++attempt) {
      uint64_t old = known_size_[w.vkey];
      if (old > size) old = 0;  // it knows more than this head: let it say so (409)
      std::string body = absl::StrCat("old ", old, "\n");
      if (old != 0 && old != size) {
        auto proof = log_->ConsistencyProof(old, size);
        if (!proof.ok()) {
          problems.push_back(absl::StrCat(v->name, ": no consistency proof from ", old, ": ", proof.status().message()));
          break;
        }
        for (const auto& h : *proof) absl::StrAppend(&body, crypto::Base64(h), "\n");
      }
      absl::StrAppend(&body, "\n", merkle::FormatNote(merkle::Note{note->body, {note->signatures.front()}}));
      const auto [base, prefix] = SplitUrl(w.url);
      httplib::Client client(base);
      client.set_connection_timeout(2, 0);
      client.set_read_timeout(5, 0);
      client.set_write_timeout(5, 0);
      auto res = client.Post(prefix + "/add-checkpoint", body, "text/plain");
      if (!res) {
        problems.push_back(absl::StrCat(v->name, " (", w.url, "): unreachable (", httplib::to_string(res.error()), ")"));
        break;
      }
      if (res->status == 409) {
        uint64_t theirs = 0;
        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(res->body), &theirs)) {
          problems.push_back(absl::StrCat(v->name, ": 409 without a size"));
          break;
        }
        known_size_[w.vkey] = theirs;
        if (theirs > size) {
          // It cosigned a larger tree of this log than the broker has: a
          // store rolled back, or a fork. The operator must know.
          problems.push_back(absl::StrCat(v->name, ": has cosigned a tree of ", theirs, " records, larger than this log's ",
                                          size, " (a store restored from an older backup, or a fork)"));
          done = true;
        }
        continue;  // again, from the size it knows
      }
      if (res->status != 200) {
        problems.push_back(absl::StrCat(v->name, ": refused with ", res->status, ": ",
                                        absl::StripAsciiWhitespace(res->body).substr(0, 200)));
        break;
      }
      auto answered = merkle::ParseNote(merkle::FormatNote(merkle::Note{note->body, {}}) + res->body);
      bool took = false;
      if (answered.ok()) {
        auto verified = merkle::VerifyNote(*answered, *v);
        if (verified.ok() && verified->has_value()) {
          for (const auto& s : answered->signatures) {
            if (s.name == v->name && s.key_id == v->key_id) cosignatures.push_back(s);
          }
          took = true;
        }
      }
      if (!took) {
        problems.push_back(absl::StrCat(v->name, ": answered without a valid cosignature"));
        break;
      }
      known_size_[w.vkey] = size;
      cosigned_[w.vkey] = size;
      done = true;
    }
    if (!done && problems.size() == reported) {
      problems.push_back(absl::StrCat(v->name, ": still answers 409 after a retry from size ", known_size_[w.vkey]));
    }
  }
  // How many of the policy's witnesses now vouch for this head: the
  // cosignatures it carried already (also those stored before a restart)
  // and the new ones.
  merkle::Note all = *note;
  for (const auto& c : cosignatures) {
    auto& sigs = all.signatures;
    sigs.erase(std::remove_if(sigs.begin(), sigs.end(),
                              [&](const merkle::NoteSignature& s) { return s.name == c.name && s.key_id == c.key_id; }),
               sigs.end());
    sigs.push_back(c);
  }
  uint32_t valid = 0;
  for (const auto& w : policy.witnesses()) {
    auto v = merkle::ParseVkey(w.vkey);
    if (!v.ok()) continue;
    auto r = merkle::VerifyNote(all, *v);
    if (r.ok() && r->has_value()) ++valid;
  }
  const bool quorum = valid >= policy.witness_quorum();
  const auto cosigned = signer_->LatestCosigned();
  const bool newly_reached = quorum && (!cosigned || cosigned->tree_size() < size);
  if (cosignatures.empty() && !newly_reached) return problems;
  if (absl::Status s = signer_->AddCosignatures(size, cosignatures, quorum); !s.ok()) {
    problems.push_back(absl::StrCat("cosignatures not stored: ", s.message()));
  }
  return problems;
}

}  // namespace riec::server
