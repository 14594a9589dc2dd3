// The pure parts of private notes (src/notes/notes.cpp): the mention list the API accepts and
// the event frame, whose prefix the event log's check constraint recognises.
#include <gtest/gtest.h>

#include "parley/core/error.hpp"
#include "parley/notes/notes.hpp"

using parley::ApiError;
using parley::notes::distinct_mentions;

TEST(Notes, MentionsAreDistinctInFirstOrder) {
  EXPECT_EQ(distinct_mentions({3, 1, 3, 2, 1}), (std::vector<std::int64_t>{3, 1, 2}));
  EXPECT_TRUE(distinct_mentions({}).empty());
}

TEST(Notes, MentionsAreCapped) {
  std::vector<std::int64_t> ten, eleven;
  for (std::int64_t i = 1; i <= 10; ++i) ten.push_back(i);
  eleven = ten;
  eleven.push_back(11);
  EXPECT_EQ(distinct_mentions(ten).size(), parley::notes::kMaxMentions);
  EXPECT_THROW(distinct_mentions(eleven), ApiError);
  // Repeats do not count against the cap.
  std::vector<std::int64_t> repeated = ten;
  repeated.insert(repeated.end(), ten.begin(), ten.end());
  EXPECT_EQ(distinct_mentions(repeated).size(), 10u);
}

TEST(Notes, MentionsMustBeIds) {
  EXPECT_THROW(distinct_mentions({0}), ApiError);
  EXPECT_THROW(distinct_mentions({5, -1}), ApiError);
}

TEST(Notes, EventFrameStartsWithItsType) {
  parley::notes::Note note{7, R"({"id":7,"body":"x"})"};
  EXPECT_EQ(parley::notes::note_event_frame(note), R"({"type":"note","note":{"id":7,"body":"x"}})");
  // migrations/0014_notes.sql: left(frame, 15) = '{"type":"note",'
  EXPECT_EQ(parley::notes::note_event_frame(note).substr(0, 15), R"({"type":"note",)");
}
