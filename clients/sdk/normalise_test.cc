// Normalisation of every subject kind: equal identifiers in different
// notations must give one canonical form; each bad value a precise message.
// All values are synthetic: they pass their checks but belong to nobody.
#include "riec/sdk/normalise.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::sdk {
namespace {

using ::testing::HasSubstr;

const absl::Time kToday = absl::FromCivil(absl::CivilDay(2026, 11, 24), absl::UTCTimeZone());

std::string Ok(absl::StatusOr<std::string> r) {
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or("<error>");
}

std::string Err(absl::StatusOr<std::string> r) {
  EXPECT_FALSE(r.ok()) << "accepted: " << r.value_or("");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(BsnTest, NotationsAndPadding) {
  EXPECT_EQ(Ok(NormaliseBsn("111222333")), "111222333");
  EXPECT_EQ(Ok(NormaliseBsn("1112.22.333")), "111222333");
  EXPECT_EQ(Ok(NormaliseBsn(" 111 222 333 ")), "111222333");
  EXPECT_EQ(Ok(NormaliseBsn("10000008")), "010000008");  // 8 digits: left-padded
  EXPECT_EQ(Ok(NormaliseBsn("010000008")), "010000008");
}

TEST(BsnTest, Rejections) {
  EXPECT_EQ(Err(NormaliseBsn("111222334")), "BSN: fails the elfproef (11-test)");
  EXPECT_EQ(Err(NormaliseBsn("000000000")), "BSN: fails the elfproef (11-test)");
  EXPECT_EQ(Err(NormaliseBsn("1234567")), "BSN: 7 digits, want 8 or 9");
  EXPECT_EQ(Err(NormaliseBsn("1112223330")), "BSN: 10 digits, want 8 or 9");
  EXPECT_EQ(Err(NormaliseBsn("11122233X")), "BSN: only digits, spaces and dots are allowed");
  EXPECT_EQ(Err(NormaliseBsn("")), "BSN: only digits, spaces and dots are allowed");
  // The message never repeats the value.
  EXPECT_THAT(Err(NormaliseBsn("111222334")), ::testing::Not(HasSubstr("111222334")));
}

TEST(NameDobTest, NotationsOfOnePersonAgree) {
  const std::string want = "de vries|j.p.|1985-03-12";
  EXPECT_EQ(Ok(NormaliseNameDob("de Vries", "Jan Pieter", "1985-03-12", kToday)), want);
  EXPECT_EQ(Ok(NormaliseNameDob("DE VRIES", "J.P.", "12-03-1985", kToday)), want);
  EXPECT_EQ(Ok(NormaliseNameDob("  de   Vries ", "J. P.", "12/3/1985", kToday)), want);
  EXPECT_EQ(Ok(NormaliseNameDob("de Vries", "Jan-Pieter", "1985.03.12", kToday)), want);
}

TEST(NameDobTest, FoldsDiacriticsAndPunctuation) {
  EXPECT_EQ(Ok(NormaliseNameDob("Çelik-Özdemir", "Ayşe", "1990-01-31", kToday)),
            "celik ozdemir|a.|1990-01-31");
  EXPECT_EQ(Ok(NormaliseNameDob("d'Hondt", "Élodie", "1990-01-31", kToday)), "dhondt|e.|1990-01-31");
  EXPECT_EQ(Ok(NormaliseNameDob("Groß", "Łukasz", "1990-01-31", kToday)), "gross|l.|1990-01-31");
  EXPECT_EQ(Ok(NormaliseNameDob("Ĳsselstein", "Jürgen", "1990-01-31", kToday)),
            "ijsselstein|j.|1990-01-31");
  // Decomposed accents (e + U+0301) fold like composed ones.
  EXPECT_EQ(Ok(NormaliseNameDob("Rene\xCC\x81", "X", "1990-01-31", kToday)), "rene|x.|1990-01-31");
}

TEST(NameDobTest, TheCanonicalFormNormalisesToItself) {
  const absl::Time today = absl::FromCivil(absl::CivilDay(2026, 12, 1), absl::UTCTimeZone());
  for (const char* v : {"de Vries|Jan Pieter|1985-03-12", "Çelik-Özdemir|Ayşe|31/01/1990", "x|a b c d|2000-01-01"}) {
    auto once = Normalise(v1::PERSON_NAME_DOB, v, today);
    ASSERT_TRUE(once.ok()) << v;
    EXPECT_EQ(Ok(Normalise(v1::PERSON_NAME_DOB, *once, today)), *once) << v;
  }
}

TEST(NameDobTest, Rejections) {
  EXPECT_EQ(Err(NormaliseNameDob("Jansen", "JP", "1985-03-12", kToday)),
            "given names: a group of capitals without vowels looks like initials without "
            "dots; write initials with dots (J.P.) or the names in full");
  EXPECT_EQ(Err(NormaliseNameDob("Jansen2", "Jan", "1985-03-12", kToday)),
            "surname: digits are not allowed in a name");
  EXPECT_EQ(Err(NormaliseNameDob("...", "Jan", "1985-03-12", kToday)), "surname: no letters");
  EXPECT_EQ(Err(NormaliseNameDob("Jansen", "Jan", "1985-02-30", kToday)),
            "date of birth: not a calendar date");
  EXPECT_EQ(Err(NormaliseNameDob("Jansen", "Jan", "2027-01-01", kToday)),
            "date of birth: in the future");
  EXPECT_EQ(Err(NormaliseNameDob("Jansen", "Jan", "12 maart 1985", kToday)),
            "date of birth: want YYYY-MM-DD or DD-MM-YYYY");
  EXPECT_EQ(Err(NormaliseNameDob("Иванов", "Jan", "1985-03-12", kToday)),
            "surname: character U+0418 is not a Latin letter");
  EXPECT_EQ(Err(NormaliseNameDob("Jan\xff", "Jan", "1985-03-12", kToday)), "surname: not valid UTF-8");
}

TEST(KvkTest, EightOrTwelveDigits) {
  EXPECT_EQ(Ok(NormaliseKvk("9912 3456")), "99123456");
  EXPECT_EQ(Ok(NormaliseKvk("0000 9912 3456")), "000099123456");
  EXPECT_EQ(Err(NormaliseKvk("991234567")),
            "KvK-nummer: 9 digits, want 8 (KvK-nummer) or 12 (vestigingsnummer)");
  EXPECT_EQ(Err(NormaliseKvk("KVK99123456")), "KvK-nummer: only digits, spaces and dots are allowed");
}

TEST(AddressTest, NotationsOfOneAddressAgree) {
  const std::string want = "9999ZX|12|A|2HG";
  EXPECT_EQ(Ok(NormaliseAddress("9999 zx", "012", "a", "2-hg")), want);
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "9999ZX|12|A|2HG", kToday)), want);
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "9999 ZX, 12, a, 2hg", kToday)), want);
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "9999ZX 12A-2hg", kToday)), want);
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "9999 zx 12a 2HG", kToday)), want);
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "9999ZX 12", kToday)), "9999ZX|12||");
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "9999ZX 12 A", kToday)), "9999ZX|12||A");
  EXPECT_EQ(Ok(Normalise(v1::ADDRESS, "0599 2000 0000 1234", kToday)), "0599200000001234");
}

TEST(AddressTest, Rejections) {
  EXPECT_EQ(Err(NormaliseAddress("0123AB", "1", "", "")),
            "postcode: want 4 digits (not starting with 0) and 2 letters, e.g. 1234 AB");
  EXPECT_EQ(Err(NormaliseAddress("1234SS", "1", "", "")),
            "postcode: the letter combinations SA, SD and SS are not used");
  EXPECT_EQ(Err(NormaliseAddress("1234AB", "0", "", "")), "huisnummer: want 1 to 99999");
  EXPECT_EQ(Err(NormaliseAddress("1234AB", "12a", "", "")), "huisnummer: want a whole number");
  EXPECT_EQ(Err(NormaliseAddress("1234AB", "12", "AB", "")), "huisletter: want one letter");
  EXPECT_EQ(Err(NormaliseAddress("1234AB", "12", "", "boven")),
            "huisnummertoevoeging: at most 4 characters");
  EXPECT_EQ(Err(NormaliseBagId("0599100000001234")),
            "BAG nummeraanduiding-id: digits 5 and 6 must be 20 (the object type of a "
            "nummeraanduiding)");
  EXPECT_THAT(Err(Normalise(v1::ADDRESS, "Dorpsstraat 12", kToday)), HasSubstr("address: want"));
}

TEST(KentekenTest, NotationsAndSidecodes) {
  EXPECT_EQ(Ok(NormaliseKenteken("12-abc-3")), "12ABC3");
  EXPECT_EQ(Ok(NormaliseKenteken("12 ABC 3")), "12ABC3");
  EXPECT_EQ(Ok(NormaliseKenteken("XX-99-99")), "XX9999");  // sidecode 1
  EXPECT_EQ(Ok(NormaliseKenteken("999-XX-9")), "999XX9");  // sidecode 14
  EXPECT_EQ(Err(NormaliseKenteken("1A2B3C")),
            "kenteken: not a Dutch layout (sidecodes 1-14, e.g. 12-ABC-3 or AB-123-C)");
  EXPECT_EQ(Err(NormaliseKenteken("12-ABC")), "kenteken: 5 letters and digits, want 6");
  EXPECT_EQ(Err(NormaliseKenteken("12-AB*-3")), "kenteken: only letters, digits, spaces and '-' are allowed");
}

TEST(IbanTest, Mod97AndLengths) {
  EXPECT_EQ(Ok(NormaliseIban("nl34 riec 0123 4567 89")), "NL34RIEC0123456789");
  EXPECT_EQ(Ok(NormaliseIban("BE53123456789012")), "BE53123456789012");
  EXPECT_EQ(Ok(NormaliseIban("DE58 1234 5678 0123 4567 89")), "DE58123456780123456789");
  EXPECT_EQ(Err(NormaliseIban("NL35RIEC0123456789")), "IBAN: fails the mod-97 check (a typing error?)");
  EXPECT_EQ(Err(NormaliseIban("NL34RIEC012345678")), "IBAN: 17 characters, an IBAN of NL has 18");
  EXPECT_EQ(Err(NormaliseIban("US34RIEC0123456789")), "IBAN: country US is not an IBAN country known here");
  EXPECT_EQ(Err(NormaliseIban("NL34RIEC01234567AB")), "IBAN: a Dutch IBAN has a 4-letter bank code and 10 digits");
  EXPECT_THAT(Err(NormaliseIban("34NL")), HasSubstr("want a country code"));
}

TEST(NormaliseTest, SingleStringFormsOfCompositeKinds) {
  EXPECT_EQ(Ok(Normalise(v1::PERSON_NAME_DOB, "de Vries|J.P.|1985-03-12", kToday)),
            "de vries|j.p.|1985-03-12");
  EXPECT_EQ(Ok(Normalise(v1::PERSON_NAME_DOB, "de Vries, Jan Pieter, 12-03-1985", kToday)),
            "de vries|j.p.|1985-03-12");
  EXPECT_EQ(Err(Normalise(v1::PERSON_NAME_DOB, "de Vries|1985-03-12", kToday)),
            "person-name-dob: 2 fields, want 3 separated by '|' or ','");
  EXPECT_FALSE(Normalise(v1::SUBJECT_KIND_UNSPECIFIED, "x", kToday).ok());
}

TEST(NormaliseTest, PseudonymInputIsTagZeroCanonical) {
  EXPECT_EQ(PseudonymInput(v1::PERSON_BSN, "111222333"), std::string("person-bsn\0" "111222333", 20));
}

}  // namespace
}  // namespace riec::sdk
