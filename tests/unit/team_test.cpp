#include <gtest/gtest.h>

#include "parley/auth/agent_preferences.hpp"
#include "parley/mail/agent_link_email.hpp"

using parley::auth::complete_preferences;
using parley::mail::AgentLinkEmail;
using parley::mail::render_agent_link_email;

TEST(NotificationPreferences, EverythingIsOnUntilChanged) {
  auto all = complete_preferences(nlohmann::json::object());
  EXPECT_EQ(all, nlohmann::json::parse(
                     R"({"desktop":true,"sound":true,"events":{"newConversation":true,"newMessageOnMine":true,"mentions":true}})"));
  EXPECT_EQ(complete_preferences(nlohmann::json()), all);  // not an object at all
}

TEST(NotificationPreferences, KeepsStoredBooleansAndDropsTheRest) {
  auto stored = nlohmann::json::parse(R"({"sound":false,"volume":3,"events":{"mentions":false,"newConversation":"no"}})");
  auto p = complete_preferences(stored);
  EXPECT_FALSE(p["sound"].get<bool>());
  EXPECT_TRUE(p["desktop"].get<bool>());
  EXPECT_FALSE(p["events"]["mentions"].get<bool>());
  EXPECT_TRUE(p["events"]["newConversation"].get<bool>());  // not a boolean: the default
  EXPECT_FALSE(p.contains("volume"));
}

TEST(AgentLinkEmail, InvitationEscapesNamesAndCarriesTheLinkInBothParts) {
  AgentLinkEmail e;
  e.invite = true;
  e.agent_name = "<b>Eve</b>";
  e.invited_by = "Ann & \"Co\"";
  e.link = "https://support.example.com/inbox/invite.html#t=abc_DEF-123";
  auto r = render_agent_link_email(e);
  EXPECT_EQ(r.subject, "You are invited to the Parley inbox");
  EXPECT_NE(r.html.find("&lt;b&gt;Eve&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(r.html.find("<b>Eve</b>"), std::string::npos);
  EXPECT_NE(r.html.find("Ann &amp; &quot;Co&quot;"), std::string::npos);
  EXPECT_NE(r.html.find("href=\"https://support.example.com/inbox/invite.html#t=abc_DEF-123\""), std::string::npos);
  EXPECT_NE(r.text.find(e.link), std::string::npos);
  EXPECT_NE(r.text.find("48 hours"), std::string::npos);
}

TEST(AgentLinkEmail, ResetSaysSo) {
  AgentLinkEmail e;
  e.invite = false;
  e.agent_name = "Bob";
  e.link = "http://localhost:8080/inbox/invite.html#t=x";
  auto r = render_agent_link_email(e);
  EXPECT_EQ(r.subject, "Reset your Parley password");
  EXPECT_NE(r.text.find("An administrator asked for your Parley password to be reset"), std::string::npos);
}
