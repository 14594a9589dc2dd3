// CSAT's pure parts: answer validation, the survey email and page (escaping, the preselected
// face), and the log form of a path that carries a survey token.
#include <gtest/gtest.h>

#include "api/csat_page.hpp"
#include "net/shared_state.hpp"
#include "parley/conversation/csat.hpp"
#include "parley/core/error.hpp"
#include "parley/mail/csat_email.hpp"

namespace {

using parley::ApiError;
using parley::conversation::validated_answer;

TEST(CsatAnswer, RatingFromOneToFiveAndACommentOfAtMostAThousandCharacters) {
  EXPECT_EQ(validated_answer(1, "").rating, 1);
  EXPECT_EQ(validated_answer(5, "Great").comment, "Great");
  EXPECT_THROW(validated_answer(0, ""), ApiError);
  EXPECT_THROW(validated_answer(6, ""), ApiError);
  // Characters, not bytes: 1000 two-byte characters pass, 1001 do not.
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xC3\xA9";
  EXPECT_NO_THROW(validated_answer(3, accents));
  EXPECT_THROW(validated_answer(3, accents + "e"), ApiError);
  EXPECT_THROW(validated_answer(3, "bad \xFF utf-8"), ApiError);
}

TEST(CsatEmail, EscapesTheNameAndLinksEveryFaceToThePage) {
  auto e = parley::mail::render_csat_email("<b>Ann</b>", "https://chat.acme.test/csat/TOKEN");
  EXPECT_EQ(e.subject, "How did we do?");
  EXPECT_EQ(e.html.find("<b>Ann</b>"), std::string::npos);
  EXPECT_NE(e.html.find("&lt;b&gt;Ann&lt;/b&gt;"), std::string::npos);
  for (int n = 1; n <= 5; ++n) {
    EXPECT_NE(e.html.find("https://chat.acme.test/csat/TOKEN?rating=" + std::to_string(n)), std::string::npos);
  }
  EXPECT_NE(e.text.find("https://chat.acme.test/csat/TOKEN"), std::string::npos);
}

TEST(CsatPage, AskPreselectsTheFaceAndEscapesTheAction) {
  using parley::api::CsatPage;
  auto html = parley::api::render_csat_page(CsatPage::Ask, "/csat/a\"b", 4, "<oops>");
  EXPECT_NE(html.find("action=\"/csat/a&quot;b\""), std::string::npos);
  EXPECT_NE(html.find("value=\"4\" required checked"), std::string::npos);
  EXPECT_EQ(html.find("value=\"3\" required checked"), std::string::npos);
  EXPECT_NE(html.find("&lt;oops&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(parley::api::render_csat_page(CsatPage::Answered).find("Already answered"), std::string::npos);
}

TEST(CsatLogs, ASurveyTokenInThePathIsNeverLogged) {
  using parley::net::loggable_path;
  EXPECT_EQ(loggable_path("/csat/abcdefTOKEN"), "/csat/[redacted]");
  EXPECT_EQ(loggable_path("/csat/"), "/csat/");
  EXPECT_EQ(loggable_path("/api/inbox/3"), "/api/inbox/3");
}

}  // namespace
