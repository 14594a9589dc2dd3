// The inbox search's pure parts: the paging cursor and what of a query is compared with visitors.
#include <gtest/gtest.h>

#include "parley/search/message_search.hpp"

using namespace parley::search;

TEST(SearchCursor, RoundTrips) {
  SearchCursor c;
  c.message_below = 123;
  c.conversation_at_us = 1700000000123456;
  c.conversation_id = 9;
  EXPECT_EQ(c.encode(), "m123.c1700000000123456.9");
  auto back = SearchCursor::decode(c.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->message_below, 123);
  EXPECT_EQ(back->conversation_at_us, 1700000000123456);
  EXPECT_EQ(back->conversation_id, 9);

  SearchCursor only_messages;
  only_messages.message_below = 5;
  EXPECT_EQ(only_messages.encode(), "m5");
  EXPECT_EQ(SearchCursor::decode("m5")->message_below, 5);
  EXPECT_FALSE(SearchCursor::decode("m5")->conversation_id);
  auto only_conversations = SearchCursor::decode("c17.4");
  ASSERT_TRUE(only_conversations);
  EXPECT_FALSE(only_conversations->message_below);
  EXPECT_EQ(only_conversations->conversation_id, 4);
}

TEST(SearchCursor, RefusesWhatItDidNotWrite) {
  for (const char* bad : {"", "x", "m", "m-1", "m1.", "m1.c5", "c5", "c.5", "m1.c5.x", "m1x", "m99999999999999999999",
                          "m1.c2.3.4", " m1"}) {
    EXPECT_FALSE(SearchCursor::decode(bad)) << bad;
  }
}

TEST(SearchVisitorTerms, WordsWithoutSearchSyntax) {
  EXPECT_EQ(visitor_terms("Margaret Thompson").text, "margaret thompson");
  EXPECT_EQ(visitor_terms("\"Margaret\" -refund").text, "margaret");
  EXPECT_FALSE(visitor_terms("Margaret").conversation_id);
}

TEST(SearchVisitorTerms, NumbersAreConversationIds) {
  EXPECT_EQ(visitor_terms("123").conversation_id, 123);
  EXPECT_EQ(visitor_terms("#123").conversation_id, 123);
  EXPECT_EQ(visitor_terms("#123").text, "");
  EXPECT_FALSE(visitor_terms("12a").conversation_id);
}

TEST(SearchVisitorTerms, NothingWithoutThreeLettersInARow) {
  // pg_trgm could not use its index for these: they would read every visitor.
  EXPECT_EQ(visitor_terms("ab").text, "");
  EXPECT_EQ(visitor_terms("%%%").text, "");
  EXPECT_EQ(visitor_terms("a.b c").text, "");
  EXPECT_EQ(visitor_terms("bob").text, "bob");
  EXPECT_EQ(visitor_terms("zoë").text, "zoë");
}
