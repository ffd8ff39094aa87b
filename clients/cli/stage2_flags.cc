#include "cli/stage2_flags.h"

#include <unistd.h>

#include <iostream>

namespace riec::cli {

void Stage2Flags::Add(CLI::App& app, std::function<int(sdk::Client&)>* online,
                      std::function<int()>* offline) {
  auto run = [online](std::function<int(sdk::Client&)> f) { *online = std::move(f); };

  // riec assess
  auto* assess = app.add_subcommand("assess", "holder assessments of a signal's subjects");
  assess->require_subcommand(1);
  auto* areq = assess->add_subcommand("request", "ask the holders of a signal's subjects for their assessment (signal owner)");
  areq->add_option("--signal", signal_, "your open signal (S-...)")->required();
  areq->callback([=, this] { run([this](auto& c) { return AssessRequestCmd(c, signal_, std::cout); }); });

  auto* agive = assess->add_subcommand("give", "assess subjects you hold: can you provide, does it suit a casusaanpak");
  agive->add_option("--signal", give_.signal, "the signal (S-...)")->required();
  agive->add_option("--subject", give_.input.subjects, "a subject you assess, kind:value (repeatable)")->required();
  agive->add_option("--can-provide", give_.can_provide, "yes or no")->required();
  agive->add_option("--suits", give_.suits, "does it suit a casusaanpak: yes, no or unknown")->required();
  agive->add_option("--reason", give_.reason, "optional reason code, e.g. lopend-onderzoek, verouderd");
  agive->callback([=, this] { run([this](auto& c) { return AssessGiveCmd(c, give_, std::cout); }); });

  auto* alist = assess->add_subcommand("list", "the assessments given on a signal (owner, coordinator, chair)");
  alist->add_option("--signal", signal_, "the signal (S-...)")->required();
  alist->add_flag("--json", json_, "print JSON");
  alist->callback([=, this] { run([this](auto& c) { return AssessListCmd(c, signal_, json_, std::cout); }); });

  // riec case
  auto* cs = app.add_subcommand("case", "the casustafel's decision: propose, unlock, confirm, change, close");
  cs->require_subcommand(1);
  auto* prop = cs->add_subcommand("propose", "record the casustafel's decision on a signal (chair)");
  ProposeArgs& p = propose_;
  prop->add_option("--signal", p.signal, "the open signal (S-...)")->required();
  prop->add_option("--meeting", p.meeting, "date of the casustafel, YYYY-MM-DD")->required();
  prop->add_option("--present", p.present,
                   "a partner present (repeatable); partner:no if it did not consent")->required();
  prop->add_option("--subject", p.input.subjects,
                   "a subject in scope, kind:value (repeatable; default: every subject of the signal)");
  prop->add_option("--flow", p.flows, "from:to — the holder 'from' may provide to 'to' (repeatable)")->required();
  prop->add_option("--category", p.categories, "a category concerned (repeatable; default: any)");
  prop->add_option("--noodzaak", p.noodzaak, "justification: necessity")->required();
  prop->add_option("--proportionaliteit", p.proportionaliteit, "justification: proportionality")->required();
  prop->add_option("--subsidiariteit", p.subsidiariteit, "justification: subsidiarity")->required();
  prop->add_option("--use-condition", p.use_conditions, "a use condition for all content of the case (repeatable)");
  prop->add_option("--ends", p.ends, "the case's end date, YYYY-MM-DD (inclusive)")->required();
  prop->add_flag("--json", p.json, "print the case as JSON");
  prop->add_flag("--quiet,-q", p.quiet, "print only the case id");
  prop->callback([=, this] { run([this](auto& c) { return CasePropose(c, propose_, std::cout); }); });

  auto* unlock = cs->add_subcommand("unlock", "ask for the unlock; it takes effect when the purpose's rule holds (chair)");
  unlock->add_option("case", case_id_, "case id (C-...)")->required();
  unlock->callback([=, this] { run([this](auto& c) { return CaseUnlock(c, case_id_, std::cout); }); });

  auto* confirm = cs->add_subcommand(
      "confirm", "confirm a case (four-eyes: privacy officer; quorum: a partner concerned)");
  confirm->add_option("case", case_id_, "case id (C-...)")->required();
  confirm->callback([=, this] { run([this](auto& c) { return CaseConfirm(c, case_id_, std::cout); }); });

  auto* extend = cs->add_subcommand("extend", "a later end date, within the purpose's maximum (chair)");
  extend->add_option("case", case_id_, "case id (C-...)")->required();
  extend->add_option("--ends", ends_, "new end date, YYYY-MM-DD")->required();
  extend->callback([=, this] { run([this](auto& c) { return CaseExtend(c, case_id_, ends_, std::cout); }); });

  auto* narrow = cs->add_subcommand("narrow", "take subjects, flows or categories out of scope (chair)");
  narrow->add_option("case", narrow_.id, "case id (C-...)")->required();
  narrow->add_option("--remove-subject", narrow_.remove.subjects, "kind:value (repeatable)");
  narrow->add_option("--remove-flow", narrow_.flows, "from:to (repeatable)");
  narrow->add_option("--remove-category", narrow_.categories, "category (repeatable)");
  narrow->callback([=, this] { run([this](auto& c) { return CaseNarrow(c, narrow_, std::cout); }); });

  auto* close = cs->add_subcommand("close", "close the case with its outcome; contributors are told (chair)");
  close->add_option("case", case_id_, "case id (C-...)")->required();
  close->add_option("--outcome", outcome_,
                    "administrative-measure, criminal-investigation, tax-or-benefit-measure, "
                    "care-or-support, no-action or other")->required();
  close->add_option("--text", text_, "a short account for the contributing partners (no personal data)");
  close->callback([=, this] { run([this](auto& c) { return CaseClose(c, case_id_, outcome_, text_, std::cout); }); });

  auto* hand = cs->add_subcommand("handover", "hand the chair of a case to a deputy chair certificate (chair)");
  hand->add_option("case", case_id_, "case id (C-...)")->required();
  hand->add_option("--to", to_, "partner[/holder-name] of the deputy's chair certificate")->required();
  hand->callback([=, this] { run([this](auto& c) { return CaseHandOver(c, case_id_, to_, std::cout); }); });

  auto* show = cs->add_subcommand("show", "one case with its decision and state");
  show->add_option("case", case_id_, "case id (C-...)")->required();
  show->add_flag("--json", json_, "print JSON");
  show->callback([=, this] { run([this](auto& c) { return CaseShow(c, case_id_, json_, std::cout); }); });

  auto* list = cs->add_subcommand("list", "cases (chairs and coordinators: all; others: theirs)");
  list->add_option("--state", state_, "proposed, unlocked, closed, expired or all (default all)");
  list->add_flag("--json", json_, "print JSON");
  list->callback([=, this] { run([this](auto& c) { return CaseList(c, state_, json_, std::cout); }); });

  // riec content
  auto* content = app.add_subcommand("content", "stage 2: request, provide, refuse and fetch sealed content");
  content->require_subcommand(1);
  auto* creq = content->add_subcommand("request", "request content on a subject of an unlocked case from a holder");
  creq->add_option("--case", request_.case_id, "the case (C-...)")->required();
  creq->add_option("--subject", request_.subject, "kind:value, a subject in the case's scope")->required();
  creq->add_option("--holder", request_.holder, "the partner the decision lets provide to you")->required();
  creq->add_option("--category", request_.category, "only this category (default: any in scope)");
  creq->add_flag("--quiet,-q", request_.quiet, "print only the request id");
  creq->callback([=, this] { run([this](auto& c) { return ContentRequestCmd(c, request_, std::cout); }); });

  auto* pending = content->add_subcommand("pending", "requests waiting for your answer (--all: every request to or from you)");
  pending->add_flag("--all", all_, "every request to or from you, in any state");
  pending->add_flag("--json", json_, "print JSON");
  pending->callback([=, this] { run([this](auto& c) { return ContentPending(c, all_, json_, std::cout); }); });

  auto* provide = content->add_subcommand(
      "provide", "seal a file to the requester's key and provide it (shows the key's fingerprint first)");
  provide->add_option("request", provide_.request_id, "request id (R-...)")->required();
  provide->add_option("--file", provide_.file, "the content to provide (at most 16 MiB)")->required()->check(CLI::ExistingFile);
  provide->add_option("--category", provide_.category, "the content's category");
  provide->add_option("--use-condition", provide_.use_conditions,
                      "a condition on its use, e.g. \"niet verder verstrekken\" (repeatable)");
  provide->add_option("--expect-key", provide_.expect_key,
                      "the requester's key fingerprint as the requester told you; refuse to seal to another");
  provide->add_flag("--yes,-y", provide_.yes, "do not ask to confirm the requester's key");
  provide->callback([=, this] {
    run([this](auto& c) { return ContentProvide(c, provide_, std::cin, ::isatty(STDIN_FILENO) == 1, std::cout); });
  });

  auto* refuse = content->add_subcommand("refuse", "refuse a request, with the reason");
  refuse->add_option("request", request_id_, "request id (R-...)")->required();
  refuse->add_option("--reason", reason_,
                     "no-legal-basis, professional-secrecy, running-investigation or other")->required();
  refuse->add_option("--note", note_, "optional, at most 200 characters, no personal data");
  refuse->callback([=, this] {
    run([this](auto& c) { return ContentRefuse(c, request_id_, reason_, note_, std::cout); });
  });

  auto* fetch = content->add_subcommand(
      "fetch", "fetch provided content (once), decrypt it with your keyring, show its use conditions");
  fetch->add_option("request", fetch_.request_id, "request id (R-...)")->required();
  fetch->add_option("--out", fetch_.out_file, "file to write the content to (mode 0600), or - for stdout")->required();
  fetch->add_option("--keyring", fetch_.keyring, "keyring directory (default $RIEC_KEYRING, else ~/.local/share/riec/keyring)");
  fetch->callback([=, this] { run([this](auto& c) { return ContentFetch(c, fetch_, std::cout); }); });

  // riec keys
  auto* keys = app.add_subcommand("keys", "your partner's X25519 encryption keys for stage 2");
  keys->require_subcommand(1);
  auto add_keyring = [this](CLI::App* cmd) {
    cmd->add_option("--keyring", keyring_, "keyring directory (default $RIEC_KEYRING, else ~/.local/share/riec/keyring)");
  };
  auto* kreg = keys->add_subcommand("register", "register your keyring's key (a new one if it has none)");
  add_keyring(kreg);
  kreg->callback([=, this] { run([this](auto& c) { return KeysRegister(c, keyring_, false, std::cout); }); });
  auto* krot = keys->add_subcommand("rotate", "generate and register a new key; earlier keys stay to open older content");
  add_keyring(krot);
  krot->callback([=, this] { run([this](auto& c) { return KeysRegister(c, keyring_, true, std::cout); }); });
  auto* klist = keys->add_subcommand("list", "the keys in your keyring (offline)");
  add_keyring(klist);
  klist->callback([=, this] { *offline = [this] { return KeysList(keyring_, std::cout); }; });
  auto* kshow = keys->add_subcommand("show", "a partner's registered key fingerprint (default: your own)");
  kshow->add_option("--partner", partner_, "partner id");
  kshow->callback([=, this] { run([this](auto& c) { return KeysShow(c, partner_, std::cout); }); });
}

}  // namespace riec::cli
