// Canned replies' pure parts: what a shortcut, title and body may be, and who may manage what.
#include <gtest/gtest.h>

#include "parley/canned/canned_replies.hpp"
#include "parley/core/error.hpp"

using namespace parley::canned;

namespace {

int status_of(ReplyInput in) {
  try {
    validated(std::move(in));
    return 0;
  } catch (const parley::ApiError& e) {
    return e.status();
  }
}

}  // namespace

TEST(CannedShortcut, NormalisedThenChecked) {
  auto in = validated({"  /Refund-Policy_2 ", " Refunds ", "\n Hi {{visitor.name|there}}! \n"});
  EXPECT_EQ(in.shortcut, "refund-policy_2");
  EXPECT_EQ(in.title, "Refunds");
  EXPECT_EQ(in.body, "Hi {{visitor.name|there}}!");
  EXPECT_TRUE(valid_shortcut("a"));
  EXPECT_TRUE(valid_shortcut(std::string(kMaxShortcutChars, 'x')));
  EXPECT_FALSE(valid_shortcut(std::string(kMaxShortcutChars + 1, 'x')));
  EXPECT_FALSE(valid_shortcut(""));
  EXPECT_FALSE(valid_shortcut("two words"));
  EXPECT_FALSE(valid_shortcut("café"));
  EXPECT_FALSE(valid_shortcut("a/b"));
}

TEST(CannedInput, RefusesBadFields) {
  EXPECT_EQ(status_of({"", "t", "b"}), 400);
  EXPECT_EQ(status_of({"/", "t", "b"}), 400);
  EXPECT_EQ(status_of({"ok", "  ", "b"}), 400);
  EXPECT_EQ(status_of({"ok", "two\nlines", "b"}), 400);
  EXPECT_EQ(status_of({"ok", std::string(kMaxTitleChars + 1, 't'), "b"}), 400);
  EXPECT_EQ(status_of({"ok", std::string(kMaxTitleChars, 't'), "b"}), 0);
  EXPECT_EQ(status_of({"ok", "t", " \n "}), 400);
  EXPECT_EQ(status_of({"ok", "t", std::string(kMaxBodyChars + 1, 'b')}), 400);
  EXPECT_EQ(status_of({"ok", "t", std::string(kMaxBodyChars, 'b')}), 0);
  // Characters, not bytes: 4000 two-byte letters fit.
  std::string accents;
  for (std::size_t i = 0; i < kMaxBodyChars; ++i) accents += "é";
  EXPECT_EQ(status_of({"ok", "t", accents}), 0);
  EXPECT_EQ(status_of({"ok", "t", "a\u202Eb"}), 400);  // a bidi override
}

TEST(CannedAccess, TeamForAdminsPersonalForTheOwner) {
  Reply team;
  Reply mine;
  mine.owner_agent_id = 7;
  EXPECT_TRUE(may_manage({1, true}, team));
  EXPECT_FALSE(may_manage({1, false}, team));
  EXPECT_TRUE(may_manage({7, false}, mine));
  EXPECT_FALSE(may_manage({8, false}, mine));
  EXPECT_FALSE(may_manage({8, true}, mine));  // an admin does not edit a colleague's own replies
}
