#include "cli/csv.h"

#include "absl/time/time.h"
#include "cli/subjects_input.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kToday = absl::FromCivil(absl::CivilDay(2026, 11, 24), absl::UTCTimeZone());

TEST(CsvTest, QuotesCommasAndLineNumbers) {
  auto t = ParseCsv("bsn,opmerking\r\n111222333,\"a, \"\"b\"\"\"\n\n123456782,\"two\nlines\"\n10000008,x\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->delimiter, ',');
  EXPECT_THAT(t->header, ElementsAre("bsn", "opmerking"));
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[0].fields[1], "a, \"b\"");
  EXPECT_EQ(t->rows[1].line, 4);
  EXPECT_EQ(t->rows[1].fields[1], "two\nlines");
  EXPECT_EQ(t->rows[2].line, 6);
}

TEST(CsvTest, SemicolonExportsAndBom) {
  auto t = ParseCsv("\xEF\xBB\xBFPostcode;Huisnummer;Huisletter\n9999 ZX;12;a\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->delimiter, ';');
  EXPECT_THAT(t->header, ElementsAre("postcode", "huisnummer", "huisletter"));
  auto rows = RowsForKind(*t, v1::ADDRESS, kToday);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].canonical, "9999ZX|12|A|");
}

TEST(CsvTest, UnclosedQuoteNamesItsLine) {
  auto t = ParseCsv("bsn\n111222333\n\"123\n");
  EXPECT_EQ(t.status().message(), "line 3: a quoted field is not closed");
}

TEST(RowsTest, BadRowsCarryTheirReasonGoodRowsTheirValue) {
  auto t = ParseCsv("bsn,category\n111222333,brp\n111222334,brp\n12345678,\n");
  auto rows = RowsForKind(*t, v1::PERSON_BSN, kToday);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].canonical, "111222333");
  EXPECT_EQ((*rows)[0].category, "brp");
  EXPECT_EQ((*rows)[1].error, "BSN: fails the elfproef (11-test)");
  EXPECT_EQ((*rows)[1].line, 3);
  EXPECT_EQ((*rows)[2].error, "BSN: fails the elfproef (11-test)");
}

TEST(RowsTest, MissingColumnIsExplained) {
  auto t = ParseCsv("naam,adres\nx,y\n");
  auto rows = RowsForKind(*t, v1::PERSON_BSN, kToday);
  EXPECT_EQ(rows.status().message(),
            "line 1: no column for person-bsn (want 'bsn', or 'value'; the header has: naam, adres)");
}

TEST(RowsTest, NameColumnsInDutch) {
  auto t = ParseCsv("achternaam;voorletters;geboortedatum\nde Vries;J.P.;12-03-1985\n");
  auto rows = RowsForKind(*t, v1::PERSON_NAME_DOB, kToday);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].canonical, "de vries|j.p.|1985-03-12");
}

TEST(RowsTest, TussenvoegselInAColumnOfItsOwn) {
  auto t = ParseCsv("geslachtsnaam;voorvoegsel;voornamen;geboortedatum\nVries;de;Jan Pieter;12-03-1985\n"
                    "Bakker;;Anna;1990-04-11\n");
  auto rows = RowsForKind(*t, v1::PERSON_NAME_DOB, kToday);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].canonical, "de vries|j.p.|1985-03-12");
  EXPECT_EQ((*rows)[1].canonical, "bakker|a.|1990-04-11");
}

TEST(RowsTest, NameInOneColumnEitherWayRoundAndBadRowsNamed) {
  auto t = ParseCsv(
      "naam,geboortedatum\n"
      "\"Vries, J.P. de\",12-03-1985\n"
      "Jan Pieter de Vries,1985-03-12\n"
      "\"Berg-Jansen, Maria van den\",1985-10-12\n"
      "Jansen,1985-10-12\n"
      "J. Jansen,1985-13-12\n");
  auto rows = RowsForKind(*t, v1::PERSON_NAME_DOB, kToday);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[0].canonical, "de vries|j.p.|1985-03-12");
  EXPECT_EQ((*rows)[1].canonical, "de vries|j.p.|1985-03-12");
  EXPECT_EQ((*rows)[2].canonical, "van den berg jansen|m.|1985-10-12");
  EXPECT_EQ((*rows)[3].error, "name: no given names or initials; write 'Surname, Initials' or 'Initials Surname'");
  EXPECT_EQ((*rows)[3].line, 5);
  EXPECT_EQ((*rows)[4].error, "date of birth: not a calendar date");
}

TEST(RowsTest, PersonColumnsMissingAreExplained) {
  auto t = ParseCsv("achternaam,geboortedatum\nx,y\n");
  auto rows = RowsForKind(*t, v1::PERSON_NAME_DOB, kToday);
  EXPECT_THAT(rows.status().message(), HasSubstr("or 'name' and 'date_of_birth'"));
}

TEST(SubjectArgTest, KindAndValue) {
  auto v = ParseSubjectArg("vehicle:12-ABC-3");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->kind, v1::VEHICLE);
  EXPECT_EQ(v->value, "12-ABC-3");
  EXPECT_THAT(ParseSubjectArg("111222333").status().message(), HasSubstr("kind:value"));
  EXPECT_THAT(ParseSubjectArg("car:12-ABC-3").status().message(), HasSubstr("unknown subject kind 'car'"));
}

TEST(ValidUntilTest, DateIsInclusive) {
  EXPECT_EQ(*ParseValidUntil("2026-12-31"),
            absl::FromCivil(absl::CivilDay(2027, 1, 1), absl::UTCTimeZone()));
  EXPECT_TRUE(ParseValidUntil("2026-12-31T12:00:00Z").ok());
  EXPECT_FALSE(ParseValidUntil("31-12-2026").ok());
}

}  // namespace
}  // namespace riec::cli
