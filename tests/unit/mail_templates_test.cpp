#include <gtest/gtest.h>

#include "parley/mail/templates.hpp"

using namespace parley::mail;

namespace {
EmailContext hostile(EmailKind kind) {
  EmailContext c;
  c.kind = kind;
  c.conversation_id = 42;
  c.visitor_name = "<script>alert('name')</script>";
  c.visitor_email = "ann@acme.test\"><img src=x onerror=alert(1)>";
  c.page_url = "https://shop.test/p?a=1&b=\"><script>alert(2)</script>";
  c.inbox_url = "http://localhost:8080/inbox#/open/42";
  c.messages.push_back({"VISITOR", "", "Hello <script>alert(3)</script>\nsecond line & more", "2026-01-02 03:04 UTC"});
  return c;
}
}  // namespace

TEST(MailTemplates, HtmlEscapeEscapesTheFiveCharacters) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain ünïcode"), "plain ünïcode");
  EXPECT_EQ(html_escape(""), "");
}

TEST(MailTemplates, SafeLinkOnlyAllowsHttp) {
  EXPECT_EQ(safe_link("https://shop.test/a"), "https://shop.test/a");
  EXPECT_EQ(safe_link("HTTP://shop.test/"), "HTTP://shop.test/");
  EXPECT_EQ(safe_link("javascript:alert(1)"), "");
  EXPECT_EQ(safe_link("data:text/html,x"), "");
  EXPECT_EQ(safe_link("https://a b"), "");
  EXPECT_EQ(safe_link(""), "");
}

TEST(MailTemplates, HeaderTextIsOneBoundedLine) {
  EXPECT_EQ(header_text("a\r\nb"), "a  b");
  std::string long_name(300, 'x');
  EXPECT_LE(header_text(long_name).size(), 120u);
  // Never cut inside a UTF-8 sequence.
  std::string s = std::string(116, 'a') + "é" + "bcdef";
  std::string h = header_text(s);
  EXPECT_EQ(h, std::string(116, 'a') + "...");
}

TEST(MailTemplates, EveryKindEscapesVisitorValuesAndHasATextPart) {
  for (auto kind :
       {EmailKind::support_new, EmailKind::support_followup, EmailKind::visitor_ack, EmailKind::visitor_reply}) {
    auto c = hostile(kind);
    if (kind == EmailKind::visitor_reply) c.messages = {{"AGENT", "Bo <b>", "Reply <script>alert(4)</script>", ""}};
    auto e = render_email(c);
    SCOPED_TRACE(to_string(kind));
    EXPECT_FALSE(e.subject.empty());
    EXPECT_FALSE(e.text.empty());
    EXPECT_EQ(e.html.find("<script"), std::string::npos);
    EXPECT_EQ(e.html.find("<img"), std::string::npos);
    EXPECT_EQ(e.subject.find('\n'), std::string::npos);
  }
}

TEST(MailTemplates, SupportEmailShowsVisitorPageMessageAndInboxLink) {
  auto e = render_email(hostile(EmailKind::support_new));
  EXPECT_NE(e.subject.find("New conversation"), std::string::npos);
  EXPECT_NE(e.html.find("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(e.html.find("Hello &lt;script&gt;alert(3)&lt;/script&gt;<br>second line &amp; more"), std::string::npos);
  EXPECT_NE(e.html.find("href=\"http://localhost:8080/inbox#/open/42\""), std::string::npos);
  EXPECT_NE(e.html.find("https://shop.test/p?a=1&amp;b=&quot;&gt;&lt;script&gt;"), std::string::npos);
  // The text part carries the same facts, unescaped.
  EXPECT_NE(e.text.find("> Hello <script>alert(3)</script>\n> second line & more"), std::string::npos);
  EXPECT_NE(e.text.find("http://localhost:8080/inbox#/open/42"), std::string::npos);
  EXPECT_NE(e.text.find("Page: https://shop.test/p"), std::string::npos);
}

TEST(MailTemplates, FollowUpSaysHowManyMoreThereAre) {
  auto c = hostile(EmailKind::support_followup);
  c.more_messages = 5;
  auto e = render_email(c);
  EXPECT_NE(e.subject.find("New messages"), std::string::npos);
  EXPECT_NE(e.html.find("5 more"), std::string::npos);
  EXPECT_NE(e.text.find("5 more"), std::string::npos);
}

TEST(MailTemplates, VisitorEmailsLinkBackToThePageNeverToTheInbox) {
  auto c = hostile(EmailKind::visitor_reply);
  c.page_url = "https://shop.test/pricing";
  c.messages = {{"AGENT", "Bo", "We fixed it.", ""}};
  auto e = render_email(c);
  EXPECT_EQ(e.subject, "Bo replied to your message");
  EXPECT_NE(e.html.find("href=\"https://shop.test/pricing\""), std::string::npos);
  EXPECT_EQ(e.html.find("/inbox"), std::string::npos);
  EXPECT_NE(e.text.find("We fixed it."), std::string::npos);
  EXPECT_NE(e.text.find("https://shop.test/pricing"), std::string::npos);

  c.page_url = "javascript:alert(1)";
  auto bad = render_email(c);
  EXPECT_EQ(bad.html.find("javascript:"), std::string::npos);
  EXPECT_EQ(bad.text.find("javascript:"), std::string::npos);
}

TEST(MailTemplates, KindNamesRoundTrip) {
  for (auto kind :
       {EmailKind::support_new, EmailKind::support_followup, EmailKind::visitor_ack, EmailKind::visitor_reply}) {
    EXPECT_EQ(parse_email_kind(to_string(kind)), kind);
  }
  EXPECT_THROW(parse_email_kind("spam"), std::invalid_argument);
}
