#include "privqa/text/normalize.h"

#include <gtest/gtest.h>

#include "privqa/text/stopwords.h"

namespace privqa {
namespace {

TEST(FoldCase, AsciiIsLowerCased) {
  EXPECT_EQ(fold_case("Heart"), "heart");
  EXPECT_EQ(fold_case("COVID-19"), "covid-19");
  EXPECT_EQ(fold_case(""), "");
}

TEST(FoldCase, UnicodeFoldingAndCompatibilityForms) {
  EXPECT_EQ(fold_case("STRAẞE"), "strasse");  // capital sharp s folds to "ss"
  EXPECT_EQ(fold_case("Straße"), "strasse");
  EXPECT_EQ(fold_case("ΣΊΣΥΦΟΣ"), "σίσυφοσ");        // full case folding: final sigma too
  EXPECT_EQ(fold_case("ＡＢＣ"), "abc");             // fullwidth letters (NFKC)
  EXPECT_EQ(fold_case("\ufb01brosis"), "fibrosis");  // "fi" ligature (NFKC)
  EXPECT_EQ(fold_case("Cafe\u0301"), "caf\u00e9");   // composed (NFC part of NFKC)
}

TEST(FoldCase, InvalidUtf8IsReturnedUnchanged) {
  EXPECT_EQ(fold_case("AB\xff"), "AB\xff");
}

TEST(Stopwords, FunctionWordsOnly) {
  for (const char* w : {"the", "a", "of", "and", "is", "which", "not", "don't"}) {
    EXPECT_TRUE(is_stopword(w)) << w;
  }
  for (const char* w : {"heart", "renal", "following", "patient", "pain", "true", ""}) {
    EXPECT_FALSE(is_stopword(w)) << w;
  }
  EXPECT_FALSE(is_stopword("The"));  // expects a folded word
}

}  // namespace
}  // namespace privqa
