// (d) The data directory holds no identifier in the clear: after partners
// published their exports and asked questions, no identifier of the
// generated data appears in any file of the data directory, in the store's
// decompressed contents, or in what the broker printed.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "riec/common/subject_kind.h"
#include "cli/csv.h"
#include "gmock/gmock.h"
#include "riec/sdk/normalise.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PrivacyTest : public BrokerTest {};

TEST_F(PrivacyTest, DataDirectoryHoldsNoIdentifier) {
  TempDir data("synth");
  ASSERT_EQ(RunCommand({SynthBinary(), "--out", data.path(), "--persons", "300", "--seed", "5"}).exit_code, 0);

  // Everything to look for: canonical forms and the notations as exported.
  std::set<std::string> needles;
  const absl::Time now = absl::Now();
  auto truth = cli::ReadCsv(data / "ground-truth.csv");
  ASSERT_TRUE(truth.ok());
  std::vector<std::pair<std::string, std::string>> sample;  // kind, value
  for (const auto& row : truth->rows) {
    auto kind = KindFromTag(row.fields[0]);
    auto canonical = sdk::Normalise(*kind, row.fields[1], now);
    ASSERT_TRUE(canonical.ok()) << canonical.status();
    for (absl::string_view part : absl::StrSplit(*canonical, '|')) {
      if (part.size() >= 6) needles.insert(std::string(part));
    }
    needles.insert(*canonical);
    if (sample.size() < 20) sample.emplace_back(row.fields[0], row.fields[1]);
  }
  for (const auto& partner : std::filesystem::directory_iterator(data.path())) {
    if (!partner.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(partner)) {
      auto csv = cli::ReadCsv(file.path());
      ASSERT_TRUE(csv.ok());
      for (const auto& row : csv->rows) {
        for (size_t i = 0; i + 1 < row.fields.size(); ++i) {  // last column: category
          if (row.fields[i].size() >= 6) needles.insert(row.fields[i]);
        }
      }
      CommandResult r = Cli(partner.path().filename(), "partner-system",
                            {"index", "publish", "--kind", file.path().stem(), "--csv", file.path()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  ASSERT_GT(needles.size(), 500u);

  // Questions too leave pseudonyms only.
  std::vector<std::string> args = {"signal", "register", "--purpose", "ondermijning", "--theme", "drugs", "-q"};
  for (const auto& [kind, value] : sample) {
    args.push_back("--subject");
    args.push_back(kind + ":" + value);
  }
  CommandResult reg = Cli("riec", "coordinator", args);
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  CommandResult q = Cli("riec", "coordinator",
                        {"query", "--signal", std::string(absl::StripAsciiWhitespace(reg.out))});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  ASSERT_EQ(broker_->Stop(), 0);

  std::vector<std::pair<std::string, std::string>> haystacks;  // name, bytes
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_->path())) {
    if (!entry.is_regular_file()) continue;
    haystacks.emplace_back(entry.path().string(), Slurp(entry.path()));
    ++files;
  }
  auto dump = DumpStore(*dir_ / "data");
  ASSERT_TRUE(dump.ok()) << dump.status();
  ASSERT_GT(dump->size(), 100000u) << "the store holds the published index";
  haystacks.emplace_back("store contents", *dump);
  EXPECT_GT(files, 5u);

  size_t found = 0;
  for (const auto& [name, bytes] : haystacks) {
    for (const auto& needle : needles) {
      if (bytes.find(needle) != std::string::npos) {
        // Name the file, not the identifier.
        ADD_FAILURE() << name << " contains an identifier of kind-length " << needle.size();
        if (++found > 5) return;
      }
    }
  }
}

}  // namespace
}  // namespace riec::testing
