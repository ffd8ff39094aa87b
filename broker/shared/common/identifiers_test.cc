#include "riec/common/identifiers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec {
namespace {

using ::testing::Optional;

TEST(IdentifiersTest, ElfproefIbanKentekenPostcode) {
  EXPECT_TRUE(PassesElfproef("111222333"));
  EXPECT_FALSE(PassesElfproef("111222334"));
  EXPECT_FALSE(PassesElfproef("000000000"));
  EXPECT_FALSE(PassesElfproef("11122233"));
  EXPECT_TRUE(PassesIbanCheck("NL91ABNA0417164300"));
  EXPECT_FALSE(PassesIbanCheck("NL92ABNA0417164300"));
  EXPECT_FALSE(PassesIbanCheck("XX91ABNA0417164300"));
  EXPECT_TRUE(IsKentekenLayout("12ABC3"));
  EXPECT_FALSE(IsKentekenLayout("123456"));
  EXPECT_TRUE(IsPostcode("5611AB"));
  EXPECT_FALSE(IsPostcode("0611AB"));
  EXPECT_FALSE(IsPostcode("5611SS"));
}

TEST(IdentifiersTest, FindsIdentifiersInFreeTextAndNamesTheirKindOnly) {
  EXPECT_THAT(FindPersonalIdentifier("BSN 111222333 J. Jansen"), Optional(std::string("a BSN")));
  EXPECT_THAT(FindPersonalIdentifier("bsn 1112.22.333"), Optional(std::string("a BSN")));
  EXPECT_THAT(FindPersonalIdentifier("rekening NL91 ABNA 0417 1643 00 van"), Optional(std::string("an IBAN")));
  EXPECT_THAT(FindPersonalIdentifier("auto 12-ABC-3 gezien"), Optional(std::string("a kenteken")));
  EXPECT_THAT(FindPersonalIdentifier("woont 5611 AB 12"),
              Optional(std::string("a postcode with house number")));
  // What people write in references and notes without any identifier.
  for (const char* clean : {"dossier 2026-0417 team Oost", "overleg 12 maart, 3 partners",
                            "zaak 123456789 (geen BSN: faalt de elfproef)", "ABC-123", "art. 20 Wpg",
                            "Geen lichter middel.", "kamer 5611"}) {
    EXPECT_EQ(FindPersonalIdentifier(clean), std::nullopt) << clean;
  }
}

TEST(IdentifiersTest, NextCodePointRejectsMalformedUtf8) {
  auto valid = [](std::string s) {
    size_t i = 0;
    uint32_t cp = 0;
    while (i < s.size()) {
      if (!NextCodePoint(s, &i, &cp)) return false;
    }
    return true;
  };
  EXPECT_TRUE(valid("J. \xC3\x96zt\xC3\xBCrk"));
  EXPECT_TRUE(valid("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid("caf\xE9"));
  EXPECT_FALSE(valid("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(valid("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid("\xE2\x82"));          // truncated
}

}  // namespace
}  // namespace riec
