// Normalisation of every subject kind: equal identifiers in different
// notations must give one canonical form; each bad value a precise message.
// All values are synthetic: they pass their checks but belong to nobody.
#include "riec/sdk/normalise.h"

#include <array>
#include <set>

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

// ---- Match keys (docs/pseudonyms.md §6) ----

std::vector<MatchProjection> Projections(absl::string_view surname, absl::string_view given,
                                         absl::string_view dob) {
  auto canonical = NormaliseNameDob(surname, given, dob, kToday);
  EXPECT_TRUE(canonical.ok()) << canonical.status();
  auto p = PersonMatchProjections(canonical.value_or(""));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.value_or(std::vector<MatchProjection>());
}

// The kinds of projection two persons have in common.
std::set<v1::MatchKeyKind> InCommon(const std::vector<MatchProjection>& a,
                                    const std::vector<MatchProjection>& b) {
  std::set<v1::MatchKeyKind> out;
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) out.insert(x.kind);
  }
  return out;
}

TEST(MatchKeysTest, ProjectionsOfAMarriedName) {
  using P = MatchProjection;
  EXPECT_EQ(Projections("van den Berg-Jansen", "Jan Pieter", "03-05-1980"),
            (std::vector<P>{{v1::MATCH_KEY_CORE_INITIAL_DOB, "bergjansen|j|1980-05-03"},
                            {v1::MATCH_KEY_CORE_INITIAL_DOB, "berg|j|1980-05-03"},
                            {v1::MATCH_KEY_CORE_INITIAL_DOB, "jansen|j|1980-05-03"},
                            {v1::MATCH_KEY_PHONETIC_INITIAL_DOB, "brgjnsn|j|1980-05-03"},
                            {v1::MATCH_KEY_PHONETIC_INITIAL_DOB, "brg|j|1980-05-03"},
                            {v1::MATCH_KEY_PHONETIC_INITIAL_DOB, "jnsn|j|1980-05-03"},
                            {v1::MATCH_KEY_CORE_INITIAL_YEAR, "bergjansen|j|1980"},
                            {v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS, "bergjansen|j|00013589"}}));
  // One word: no per-word keys.
  EXPECT_EQ(Projections("Bakker", "A.", "1990-12-31").size(), 4u);
  EXPECT_EQ(MatchKeyInput(v1::MATCH_KEY_CORE_INITIAL_YEAR, "bakker|a|1990"),
            std::string("person-name-dob/core-initial-year\0bakker|a|1990", 47));
  EXPECT_FALSE(PersonMatchProjections("de vries|jan|1980-05-03").ok());
  EXPECT_FALSE(PersonMatchProjections("de vries|j.").ok());
}

TEST(MatchKeysTest, WrittenDifferentlyStillShareAStrongKey) {
  const auto registered = Projections("de Vries", "Jan Pieter", "1980-05-03");
  auto strong = [](const std::set<v1::MatchKeyKind>& s) {
    return s.count(v1::MATCH_KEY_CORE_INITIAL_DOB) || s.count(v1::MATCH_KEY_PHONETIC_INITIAL_DOB);
  };
  for (const auto& [surname, given, dob] : std::vector<std::array<const char*, 3>>{
           {"Vries, de", "J.", "03-05-1980"},          // tussenvoegsel after, initial only
           {"Vries", "Jan", "1980-05-03"},             // tussenvoegsel left out
           {"DE  VRIES", "J.P.", "3/5/1980"},          // capitals, spaces, notation
           {"Vriess", "Jan", "1980-05-03"},            // spelling (doubled letter)
       }) {
    EXPECT_TRUE(strong(InCommon(registered, Projections(surname, given, dob)))) << surname;
  }
  EXPECT_TRUE(strong(InCommon(Projections("Özdemir", "Ayşe", "1990-01-31"),
                              Projections("Oezdemir", "A.", "1990-01-31"))));
  EXPECT_TRUE(strong(InCommon(Projections("Meijer", "K.", "1970-07-07"),
                              Projections("Meyer", "Karim", "1970-07-07"))));
  EXPECT_TRUE(strong(InCommon(Projections("Jansen", "M.", "1985-10-12"),
                              Projections("van den Berg-Jansen", "Maria", "1985-10-12"))));
  EXPECT_TRUE(strong(InCommon(Projections("Smit", "P.", "1966-02-14"),
                              Projections("Smidt", "P.", "1966-02-14"))));
  // Day and month swapped: both weak keys, no strong one.
  EXPECT_EQ(InCommon(Projections("Bakker", "A.", "1990-04-11"), Projections("Bakker", "A.", "1990-11-04")),
            (std::set<v1::MatchKeyKind>{v1::MATCH_KEY_CORE_INITIAL_YEAR,
                                        v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS}));
  // Another person: another initial, or another date of birth.
  EXPECT_TRUE(InCommon(registered, Projections("de Vries", "Karin", "1980-05-03")).empty());
  EXPECT_TRUE(InCommon(registered, Projections("de Vries", "Jan", "1981-05-03")).empty());
}

TEST(MatchKeysTest, DutchPhonetic) {
  EXPECT_EQ(DutchPhonetic("meijer"), "mr");
  EXPECT_EQ(DutchPhonetic("maier"), "mr");
  EXPECT_EQ(DutchPhonetic("dijkstra"), DutchPhonetic("dykstra"));
  EXPECT_EQ(DutchPhonetic("claassen"), DutchPhonetic("klaasen"));
  EXPECT_EQ(DutchPhonetic("hendrix"), DutchPhonetic("hendriks"));
  EXPECT_EQ(DutchPhonetic("schouten"), "stn");
  EXPECT_EQ(DutchPhonetic("ozdemir"), "asdmr");
  EXPECT_NE(DutchPhonetic("visser"), DutchPhonetic("bakker"));
}

TEST(SplitNameTest, BothNotations) {
  auto split = [](absl::string_view n) {
    auto s = SplitCombinedName(n);
    EXPECT_TRUE(s.ok()) << n << ": " << s.status();
    return s.ok() ? absl::StrCat(s->surname, " / ", s->given) : std::string();
  };
  EXPECT_EQ(split("Vries, J.P. de"), "de Vries / J.P.");
  EXPECT_EQ(split("Hart, Pieter 't"), "'t Hart / Pieter");
  EXPECT_EQ(split("El Amrani, Fatima"), "El Amrani / Fatima");
  EXPECT_EQ(split("Jan Pieter de Vries"), "de Vries / Jan Pieter");
  EXPECT_EQ(split("Maria van den Berg-Jansen"), "van den Berg-Jansen / Maria");
  EXPECT_EQ(split("J.P. Jansen"), "Jansen / J.P.");
  EXPECT_EQ(split("Ayşe Özdemir"), "Özdemir / Ayşe");
  EXPECT_EQ(split("Fatima El Amrani"), "El Amrani / Fatima");
  EXPECT_FALSE(SplitCombinedName("Jansen").ok());
  // A surname with its tussenvoegsels alone has no given name "de".
  for (const char* surname_only : {"de Vries", "van den Berg", "Vries, de", "Berg, van den"}) {
    auto s = SplitCombinedName(surname_only);
    EXPECT_FALSE(s.ok()) << surname_only << " split as " << (s.ok() ? s->given : "");
    if (!s.ok()) EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("no given names"));
  }
  EXPECT_FALSE(SplitCombinedName(", Jan").ok());
}

TEST(MatchKeysTest, SurnameCore) {
  EXPECT_EQ(SurnameCoreWords("van den berg jansen"), (std::vector<std::string>{"berg", "jansen"}));
  EXPECT_EQ(SurnameCoreWords("vries de"), (std::vector<std::string>{"vries"}));
  EXPECT_EQ(SurnameCoreWords("t hart"), (std::vector<std::string>{"hart"}));
  EXPECT_EQ(SurnameCoreWords("van der"), (std::vector<std::string>{"van", "der"}));
}

}  // namespace
}  // namespace riec::sdk
