// The riec command as its users meet it: help, usage errors, offline tools,
// quotas, the official recorded on whose behalf, an unreachable broker; and
// a Pseudonymiser that runs apart from the index.
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "riec/common/file.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

TEST(CliTest, HelpAndUsageErrors) {
  CommandResult help = RunCommand({RiecBinary(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"index", "signal", "query", "pseudonym", "oprf", "policy", "health"}) {
    EXPECT_THAT(help.out, HasSubstr(cmd));
  }
  CommandResult sub = RunCommand({RiecBinary(), "index", "publish", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_THAT(sub.out, HasSubstr("--valid-until"));
  // VOPRF mode, as pseudonyms are made: RFC 9497's vector with its proof.
  auto vtext = ReadFile(SourceDir() + "/tests/testdata/voprf-rfc9497-ristretto255-sha512.json");
  ASSERT_TRUE(vtext.ok()) << vtext.status();
  google::protobuf::Struct vdoc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*vtext, &vdoc).ok());
  const auto& vf = vdoc.fields();
  const auto& vv = vf.at("vectors").list_value().values(0).struct_value().fields();
  auto first = [&](const char* key) { return vv.at(key).list_value().values(0).string_value(); };
  CommandResult voprf = RunCommand({RiecBinary(), "oprf", "vector", "--json", "--seed-hex", vf.at("seed").string_value(),
                                    "--info-hex", vf.at("key_info").string_value(), "--input-hex", first("inputs"),
                                    "--blind-hex", first("blinds"), "--proof-random-hex",
                                    vv.at("proof_random_scalar").string_value()});
  ASSERT_EQ(voprf.exit_code, 0) << voprf.err;
  google::protobuf::Struct vout;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(voprf.out, &vout).ok()) << voprf.out;
  EXPECT_EQ(vout.fields().at("mode").string_value(), "0x01");
  EXPECT_EQ(vout.fields().at("pkS").string_value(), vf.at("pkSm").string_value());
  EXPECT_EQ(vout.fields().at("evaluation_element").string_value(), first("evaluation_elements"));
  EXPECT_EQ(vout.fields().at("proof").string_value(), vv.at("proof").string_value());
  EXPECT_EQ(vout.fields().at("output").string_value(), first("outputs"));

  CommandResult bad = RunCommand({RiecBinary(), "publish"});
  EXPECT_EQ(bad.exit_code, 2);
  CommandResult missing = RunCommand({RiecBinary(), "query"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--signal is required"));
  CommandResult broker_help = RunCommand({BrokerBinary(), "--help"});
  EXPECT_EQ(broker_help.exit_code, 0);
  EXPECT_THAT(broker_help.out, HasSubstr("--tls-client-ca"));
}

TEST(CliTest, OprfVectorReproducesRfc9497) {
  auto text = ReadFile(SourceDir() + "/../shared/testdata/oprf-ristretto255-sha512.json");
  ASSERT_TRUE(text.ok()) << text.status();
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*text, &doc).ok());
  const auto& f = doc.fields();
  const auto& v = f.at("vectors").list_value().values(0).struct_value().fields();
  CommandResult r = RunCommand({RiecBinary(), "oprf", "vector", "--json", "--mode", "oprf", "--seed-hex", f.at("seed").string_value(),
                                "--info-hex", f.at("key_info").string_value(), "--input-hex",
                                v.at("input").string_value(), "--blind-hex", v.at("blind").string_value()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &out).ok()) << r.out;
  EXPECT_EQ(out.fields().at("skS").string_value(), f.at("skSm").string_value());
  EXPECT_EQ(out.fields().at("blinded_element").string_value(), v.at("blinded_element").string_value());
  EXPECT_EQ(out.fields().at("evaluation_element").string_value(), v.at("evaluation_element").string_value());
  EXPECT_EQ(out.fields().at("output").string_value(), v.at("output").string_value());

  // VOPRF mode, as pseudonyms are made: RFC 9497's vector with its proof.
  auto vtext = ReadFile(SourceDir() + "/tests/testdata/voprf-rfc9497-ristretto255-sha512.json");
  ASSERT_TRUE(vtext.ok()) << vtext.status();
  google::protobuf::Struct vdoc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*vtext, &vdoc).ok());
  const auto& vf = vdoc.fields();
  const auto& vv = vf.at("vectors").list_value().values(0).struct_value().fields();
  auto first = [&](const char* key) { return vv.at(key).list_value().values(0).string_value(); };
  CommandResult voprf = RunCommand({RiecBinary(), "oprf", "vector", "--json", "--seed-hex", vf.at("seed").string_value(),
                                    "--info-hex", vf.at("key_info").string_value(), "--input-hex", first("inputs"),
                                    "--blind-hex", first("blinds"), "--proof-random-hex",
                                    vv.at("proof_random_scalar").string_value()});
  ASSERT_EQ(voprf.exit_code, 0) << voprf.err;
  google::protobuf::Struct vout;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(voprf.out, &vout).ok()) << voprf.out;
  EXPECT_EQ(vout.fields().at("mode").string_value(), "0x01");
  EXPECT_EQ(vout.fields().at("pkS").string_value(), vf.at("pkSm").string_value());
  EXPECT_EQ(vout.fields().at("evaluation_element").string_value(), first("evaluation_elements"));
  EXPECT_EQ(vout.fields().at("proof").string_value(), vv.at("proof").string_value());
  EXPECT_EQ(vout.fields().at("output").string_value(), first("outputs"));

  CommandResult bad = RunCommand({RiecBinary(), "oprf", "vector", "--seed-hex", "zz", "--info-hex", "",
                                  "--input-hex", "00", "--blind-hex", "00"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("--seed-hex: not a hex digit"));
}

TEST(CliTest, PolicyCheckReportsEveryProblemWithItsPosition) {
  TempDir dir("policy");
  const std::string good = ExamplePolicy();
  CommandResult ok = RunCommand({RiecBinary(), "policy", "check", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("valid. Convenant riec-oost-brabant v2026-01"));
  std::string text = *ReadFile(good);
  text = absl::StrReplaceAll(text, {{"participants: [riec, gemeente-eindhoven, gemeente-helmond, gemeente-oss,\n                   gemeente-meierijstad, nla, uwv]",
                                     "participants: [riec, gemeente-eindhoven, uvw]"},
                                    {"signal_lifetime: 60d", "signal_lifetime: 60"}});
  std::ofstream(dir / "broken.yaml") << text;
  // VOPRF mode, as pseudonyms are made: RFC 9497's vector with its proof.
  auto vtext = ReadFile(SourceDir() + "/tests/testdata/voprf-rfc9497-ristretto255-sha512.json");
  ASSERT_TRUE(vtext.ok()) << vtext.status();
  google::protobuf::Struct vdoc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*vtext, &vdoc).ok());
  const auto& vf = vdoc.fields();
  const auto& vv = vf.at("vectors").list_value().values(0).struct_value().fields();
  auto first = [&](const char* key) { return vv.at(key).list_value().values(0).string_value(); };
  CommandResult voprf = RunCommand({RiecBinary(), "oprf", "vector", "--json", "--seed-hex", vf.at("seed").string_value(),
                                    "--info-hex", vf.at("key_info").string_value(), "--input-hex", first("inputs"),
                                    "--blind-hex", first("blinds"), "--proof-random-hex",
                                    vv.at("proof_random_scalar").string_value()});
  ASSERT_EQ(voprf.exit_code, 0) << voprf.err;
  google::protobuf::Struct vout;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(voprf.out, &vout).ok()) << voprf.out;
  EXPECT_EQ(vout.fields().at("mode").string_value(), "0x01");
  EXPECT_EQ(vout.fields().at("pkS").string_value(), vf.at("pkSm").string_value());
  EXPECT_EQ(vout.fields().at("evaluation_element").string_value(), first("evaluation_elements"));
  EXPECT_EQ(vout.fields().at("proof").string_value(), vv.at("proof").string_value());
  EXPECT_EQ(vout.fields().at("output").string_value(), first("outputs"));

  CommandResult bad = RunCommand({RiecBinary(), "policy", "check", dir / "broken.yaml"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, ::testing::ContainsRegex("broken.yaml:[0-9]+:[0-9]+: purposes\\[1\\].signal_lifetime: '60': want"));
  EXPECT_THAT(bad.err, ::testing::ContainsRegex("broken.yaml:[0-9]+:[0-9]+: purposes\\[2\\].participants\\[2\\]: unknown partner 'uvw'"));
  EXPECT_THAT(bad.err, HasSubstr("(2 problems)"));
}

TEST(CliTest, UnreachableBrokerIsOneClearLine) {
  TestPki();
  Pki::Files f = TestPki().Client("politie", "partner-system");
  CommandResult r = RunCommand({RiecBinary(), "--broker", "127.0.0.1:1", "--timeout", "5", "--ca",
                                TestPki().ca_cert(), "--cert", f.cert, "--key", f.key, "index", "stats"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, ::testing::StartsWith("riec: unavailable: 127.0.0.1:1: "));
  CommandResult no_config = RunCommand({RiecBinary(), "index", "stats"});
  EXPECT_EQ(no_config.exit_code, 1);
  EXPECT_THAT(no_config.err, HasSubstr("no broker address"));
}

class CliBrokerTest : public BrokerTest {};

TEST_F(CliBrokerTest, QuotaExhaustionSaysWhichQuotaAndWhenItResets) {
  ASSERT_EQ(broker_->Stop(), 0);
  std::string text = *ReadFile(ExamplePolicy());
  text = absl::StrReplaceAll(text, {{"politie: {oprf_evaluations_per_day: 1000000}",
                                     "politie: {oprf_evaluations_per_day: 5}"}});
  std::ofstream(*dir_ / "policy.yaml") << text;
  StartBroker(*dir_ / "policy.yaml");
  std::ofstream(*dir_ / "many.csv") << "bsn\n111222333\n123456782\n999990019\n012345672\n10000008\n";
  CommandResult first = Cli("politie", "partner-system", {"index", "publish", "--kind", "person-bsn", "--csv", *dir_ / "many.csv"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  CommandResult second = Cli("politie", "partner-system", {"index", "publish", "--kind", "person-bsn", "--csv", *dir_ / "many.csv"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, ::testing::ContainsRegex(
                              "riec: resource exhausted: quota oprf_evaluations_per_day of partner "
                              "'politie' is 5; 5 used today, this call needs 5; it resets at "
                              "[0-9-]+T00:00:00Z"));
  // Quota counts survive a restart.
  ASSERT_EQ(broker_->Stop(), 0);
  StartBroker(*dir_ / "policy.yaml");
  CommandResult third = Cli("politie", "partner-system", {"pseudonym", "--kind", "person-bsn", "111222333"});
  EXPECT_EQ(third.exit_code, 1);
  EXPECT_THAT(third.err, HasSubstr("resource exhausted"));
}

TEST_F(CliBrokerTest, TheOfficialActedForIsRecorded) {
  Pki::Files f = TestPki().Client("gemeente-eindhoven", "partner-system");
  CommandResult r = RunCommand({RiecBinary(), "--broker", broker_->address(), "--server-name", "localhost",
                                "--ca", TestPki().ca_cert(), "--cert", f.cert, "--key", f.key,
                                "--on-behalf-of", "T. Tester, team ondermijning", "signal", "register",
                                "--purpose", "ondermijning", "--theme", "drugs",
                                "--subject", "address:9999 ZX 12", "--reference", "casus 2026-114"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("signal S-[0-9A-Z]{10} registered: purpose ondermijning"));
  const auto log = StopAndReadLog();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().kind(), v1::SIGNAL_REGISTERED);
  EXPECT_EQ(log.back().actor().on_behalf_of(), "T. Tester, team ondermijning");
  EXPECT_EQ(log.back().actor().partner(), "gemeente-eindhoven");
  EXPECT_EQ(log.back().actor().certificate_sha256().size(), 32u);
}

TEST_F(CliBrokerTest, PublishStatsWithdrawAndSignalLifecycle) {
  std::ofstream(*dir_ / "uwv.csv") << "bsn;categorie\n111222333;uitkering\n1234.56.782;arbeid\n";
  CommandResult pub = Cli("uwv", "partner-system", {"index", "publish", "--kind", "person-bsn", "--csv", *dir_ / "uwv.csv"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  EXPECT_THAT(pub.out, HasSubstr("published 2 person-bsn entries"));
  CommandResult stats = Cli("uwv", "partner-system", {"index", "stats", "--json"});
  // The JSON mapping of IndexStatistics: 64-bit counts as strings, enums by
  // name, fields at their default (no expired entries) left out.
  EXPECT_EQ(stats.out, "{\"entries\":\"2\",\"by_kind\":[{\"kind\":\"PERSON_BSN\",\"entries\":\"2\"}],"
                       "\"by_category\":[{\"category\":\"arbeid\",\"entries\":\"1\"},"
                       "{\"category\":\"uitkering\",\"entries\":\"1\"}]}\n");
  CommandResult wd = Cli("uwv", "partner-system", {"index", "withdraw", "--subject", "person-bsn:123456782"});
  EXPECT_EQ(wd.exit_code, 0) << wd.err;
  EXPECT_THAT(wd.out, HasSubstr("withdrew 1 entries for 1 subjects"));
  stats = Cli("uwv", "partner-system", {"index", "stats"});
  EXPECT_THAT(stats.out, HasSubstr("entries: 1 ("));

  CommandResult reg = Cli("gemeente-eindhoven", "partner-system",
                          {"signal", "register", "--purpose", "ondermijning", "--theme", "uitkeringsfraude",
                           "-q", "--subject", "person-bsn:111222333"});
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  const std::string id(absl::StripAsciiWhitespace(reg.out));
  CommandResult list = Cli("gemeente-eindhoven", "partner-system", {"signal", "list", "--state", "open"});
  EXPECT_THAT(list.out, HasSubstr(id));
  CommandResult q = Cli("gemeente-eindhoven", "partner-system", {"query", "--signal", id, "--subject", "person-bsn:111 222 333"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, ::testing::ContainsRegex("person-bsn 111 222 333 +hit +uwv \\(uitkering\\)"));
  CommandResult close = Cli("gemeente-eindhoven", "partner-system", {"signal", "close", id});
  EXPECT_EQ(close.exit_code, 0) << close.err;
  list = Cli("gemeente-eindhoven", "partner-system", {"signal", "list", "--state", "open"});
  EXPECT_THAT(list.out, ::testing::Not(HasSubstr(id)));
  CommandResult show = Cli("gemeente-eindhoven", "partner-system", {"signal", "show", id, "--json"});
  EXPECT_THAT(show.out, HasSubstr("\"state\":\"CLOSED\""));
}

TEST(SplitTest, PseudonymiserApartFromTheIndex) {
  TempDir dir("split");
  BrokerProcess::Options po;
  po.policy = ExamplePolicy();
  po.data_dir = dir / "pseudonymiser-data";
  po.key_dir = dir / "pseudonymiser-keys";
  po.services = "pseudonymiser";
  po.work_dir = dir / "p";
  std::filesystem::create_directories(po.work_dir);
  auto pseudonymiser = BrokerProcess::Start(TestPki(), po);
  ASSERT_TRUE(pseudonymiser.ok()) << pseudonymiser.status();
  BrokerProcess::Options io = po;
  io.data_dir = dir / "index-data";
  io.key_dir = dir / "index-keys";
  io.services = "index";
  io.work_dir = dir / "i";
  std::filesystem::create_directories(io.work_dir);
  auto index = BrokerProcess::Start(TestPki(), io);
  ASSERT_TRUE(index.ok()) << index.status();

  auto as = [&](const std::string& partner) {
    auto c = sdk::Client::Connect(Connection(TestPki(), (*index)->address(), partner, "partner-system",
                                             (*pseudonymiser)->address()));
    EXPECT_TRUE(c.ok());
    return *std::move(c);
  };
  auto politie = as("politie");
  auto subjects = politie->Subjects({{v1::PERSON_BSN, "111222333"}});
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  v1::PublishRequest pub;
  *pub.add_entries()->mutable_subject() = (*subjects)[0];
  ASSERT_TRUE(politie->Publish(pub).ok());
  auto gemeente = as("gemeente-eindhoven");
  auto same = gemeente->Subjects({{v1::PERSON_BSN, "1112 22 333"}});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)[0].pseudonym(), (*subjects)[0].pseudonym());
  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  reg.set_theme("drugs");
  *reg.add_subjects() = (*same)[0];
  auto signal = gemeente->RegisterSignal(reg);
  ASSERT_TRUE(signal.ok()) << signal.status();
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal->signal().id());
  auto answer = gemeente->CheckSubjects(ask);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->answers(0).hit());

  // The index never holds the key, and does not evaluate.
  EXPECT_FALSE(std::filesystem::exists(io.key_dir + "/oprf.key"));
  EXPECT_TRUE(std::filesystem::exists(po.key_dir + "/oprf.key"));
  auto direct = Connect(TestPki(), (*index)->address(), "politie", "partner-system");
  EXPECT_EQ(direct->GetKeyInfo().status().code(), absl::StatusCode::kUnimplemented);
  // Nor does the Pseudonymiser keep an index.
  auto at_pseudonymiser = Connect(TestPki(), (*pseudonymiser)->address(), "politie", "partner-system");
  EXPECT_EQ(at_pseudonymiser->GetIndexStatistics().status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace riec::testing
