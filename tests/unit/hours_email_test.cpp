// The support email says when a visitor wrote outside business hours (docs/EMAIL.md).
#include <gtest/gtest.h>

#include "parley/mail/templates.hpp"

namespace parley::mail {
namespace {

EmailContext support_email(bool out_of_hours) {
  EmailContext c;
  c.kind = EmailKind::support_new;
  c.conversation_id = 7;
  c.visitor_name = "Ann";
  c.messages.push_back({"VISITOR", "", "Are you open?", "2026-12-12 10:00 UTC"});
  c.out_of_hours = out_of_hours;
  return c;
}

TEST(HoursEmail, SupportEmailSaysItArrivedOutOfHours) {
  auto e = render_email(support_email(true));
  EXPECT_NE(e.text.find("wrote while nobody was available (arrived out of hours):"), std::string::npos) << e.text;
  EXPECT_NE(e.html.find("arrived out of hours"), std::string::npos);
}

TEST(HoursEmail, InsideHoursTheEmailIsAsBefore) {
  auto e = render_email(support_email(false));
  EXPECT_NE(e.text.find("wrote while nobody was available:"), std::string::npos) << e.text;
  EXPECT_EQ(e.text.find("out of hours"), std::string::npos);
}

}  // namespace
}  // namespace parley::mail
