#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "parley/core/error.hpp"
#include "parley/widget/widget_settings.hpp"

namespace parley::widget {
namespace {

nlohmann::json good() {
  return {{"color", "#2F5BEA"}, {"position", "left"}, {"greeting", "  Hello!  "}, {"title", "Acme support"}};
}

std::string refusal(const nlohmann::json& body) {
  try {
    validated(body);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.what();
  }
  return "accepted";
}

TEST(WidgetSettings, NormalisesAGoodBody) {
  auto s = validated(good());
  EXPECT_EQ(s.color, "#2f5bea");
  EXPECT_EQ(s.position, "left");
  EXPECT_EQ(s.greeting, "Hello!");
  EXPECT_EQ(s.title, "Acme support");
}

TEST(WidgetSettings, RefusesColoursOtherThanHex) {
  for (const char* c : {"red", "#fff", "#12345g", "#1234567", "2f5bea", "", "rgb(1,2,3)"}) {
    auto b = good();
    b["color"] = c;
    EXPECT_NE(refusal(b).find("color"), std::string::npos) << c;
  }
  auto b = good();
  b["color"] = 123;
  EXPECT_NE(refusal(b).find("color"), std::string::npos);
}

TEST(WidgetSettings, RefusesOtherPositions) {
  auto b = good();
  b["position"] = "top";
  EXPECT_NE(refusal(b).find("position"), std::string::npos);
}

TEST(WidgetSettings, BoundsTextsInCharactersNotBytes) {
  auto b = good();
  std::string sixty_e;  // 60 × "é": 120 bytes, 60 characters
  for (int i = 0; i < 60; ++i) sixty_e += "\xC3\xA9";
  b["title"] = sixty_e;
  EXPECT_EQ(validated(b).title, sixty_e);
  b["title"] = sixty_e + "x";
  EXPECT_NE(refusal(b).find("at most 60"), std::string::npos);
  b = good();
  b["greeting"] = std::string(kMaxGreetingChars + 1, 'a');
  EXPECT_NE(refusal(b).find("greeting"), std::string::npos);
}

TEST(WidgetSettings, RefusesEmptyMissingAndMultilineTexts) {
  auto b = good();
  b["title"] = "   ";
  EXPECT_NE(refusal(b).find("title must not be empty"), std::string::npos);
  b = good();
  b.erase("greeting");
  EXPECT_NE(refusal(b).find("greeting is required"), std::string::npos);
  b = good();
  b["greeting"] = "two\nlines";
  EXPECT_NE(refusal(b).find("greeting"), std::string::npos);
}

TEST(WidgetSettings, PublicJsonHoldsTheInitOptionNames) {
  auto j = public_json(validated(good()));
  EXPECT_EQ(j.size(), 4u);
  for (const char* k : {"color", "position", "greeting", "title"}) EXPECT_TRUE(j.contains(k)) << k;
}

}  // namespace
}  // namespace parley::widget
