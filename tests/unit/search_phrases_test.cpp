// The phrases of an inbox search that every match must hold (the word pairs' condition): what
// is left out only costs time, what is wrongly kept would hide matches.
#include <gtest/gtest.h>

#include "parley/search/search_phrases.hpp"

using parley::search::required_phrases;

TEST(SearchPhrases, QuotedWordsAreRequired) {
  EXPECT_EQ(required_phrases("\"reset password\""), "reset password");
  EXPECT_EQ(required_phrases("order \"reset password\" now"), "reset password");
  EXPECT_EQ(required_phrases("\"reset password\" \"card declined\""), "reset password\ncard declined");
  EXPECT_EQ(required_phrases("\"reset password\"-refund"), "reset password");
  EXPECT_EQ(required_phrases("\"reset password\" -refund"), "reset password");
  EXPECT_EQ(required_phrases("\"resetting the passwords\""), "resetting the passwords");
}

TEST(SearchPhrases, NoneWithoutQuotes) {
  EXPECT_EQ(required_phrases("reset password"), "");
  EXPECT_EQ(required_phrases("\"reset password"), "") << "an unclosed quote is no phrase";
  EXPECT_EQ(required_phrases("\"\""), "");
  EXPECT_EQ(required_phrases("\"  \" order"), "");
}

TEST(SearchPhrases, ExcludedPhrasesAreNotRequired) {
  EXPECT_EQ(required_phrases("order -\"reset password\""), "");
  EXPECT_EQ(required_phrases("order - \"reset password\""), "");
  EXPECT_EQ(required_phrases("order -(\"reset password\")"), "");
  EXPECT_EQ(required_phrases("order !\"reset password\""), "");
  EXPECT_EQ(required_phrases("-\"card declined\" \"reset password\""), "reset password");
  // After a word ending in '-' the phrase may be required; leaving it out is the safe side.
  EXPECT_EQ(required_phrases("a- \"reset password\""), "");
}

TEST(SearchPhrases, NoneInAnOrQuery) {
  EXPECT_EQ(required_phrases("\"reset password\" or refund"), "");
  EXPECT_EQ(required_phrases("refund OR \"reset password\""), "");
  EXPECT_EQ(required_phrases("\"reset password\" | refund"), "");
  // "or" inside a phrase or a word is no operator.
  EXPECT_EQ(required_phrases("\"this or that\""), "this or that");
  EXPECT_EQ(required_phrases("\"reset password\" order"), "reset password");
  EXPECT_EQ(required_phrases("\"reset password\" ordinary"), "reset password");
}
