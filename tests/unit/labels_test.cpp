// Label names and colours as the server stores them (conversation/labels.hpp).
#include <gtest/gtest.h>

#include "parley/conversation/labels.hpp"
#include "parley/core/error.hpp"

using parley::ApiError;
using parley::conversation::kMaxLabelName;
using parley::conversation::validated_label_colour;
using parley::conversation::validated_label_name;

namespace {
bool refused_name(const std::string& raw) {
  try {
    validated_label_name(raw);
    return false;
  } catch (const ApiError& e) {
    return e.status() == 400 && e.code() == "invalid_field";
  }
}
bool refused_colour(const std::string& raw) {
  try {
    validated_label_colour(raw);
    return false;
  } catch (const ApiError& e) {
    return e.status() == 400 && e.code() == "invalid_field";
  }
}
}  // namespace

TEST(LabelName, TrimmedAndKept) {
  EXPECT_EQ(validated_label_name("  Billing "), "Billing");
  EXPECT_EQ(validated_label_name("Счета"), "Счета");
}

TEST(LabelName, LengthCountsCharactersNotBytes) {
  std::string forty_cyrillic;
  for (std::size_t i = 0; i < kMaxLabelName; ++i) forty_cyrillic += "ж";  // 2 bytes each
  EXPECT_EQ(validated_label_name(forty_cyrillic), forty_cyrillic);
  EXPECT_TRUE(refused_name(forty_cyrillic + "ж"));
  EXPECT_TRUE(refused_name(std::string(kMaxLabelName + 1, 'a')));
  EXPECT_FALSE(refused_name(std::string(kMaxLabelName, 'a')));
}

TEST(LabelName, RefusesEmptyControlsAndBidi) {
  EXPECT_TRUE(refused_name(""));
  EXPECT_TRUE(refused_name("   "));
  EXPECT_TRUE(refused_name("a\nb"));
  EXPECT_TRUE(refused_name("a\xE2\x80\xAE" "b"));  // U+202E RIGHT-TO-LEFT OVERRIDE
  EXPECT_TRUE(refused_name("\xFF"));
}

TEST(LabelColour, LowercaseHex) {
  EXPECT_EQ(validated_label_colour("#A1B2C3"), "#a1b2c3");
  EXPECT_EQ(validated_label_colour("#0f766e"), "#0f766e");
  for (const char* bad : {"", "red", "#fff", "#12345g", "0f766e0", "#0f766e ", "#0f766e00"}) {
    EXPECT_TRUE(refused_colour(bad)) << bad;
  }
}
