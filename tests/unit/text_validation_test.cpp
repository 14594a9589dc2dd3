#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "parley/auth/visitor_identity.hpp"
#include "parley/chat/chat_service.hpp"
#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"

using nlohmann::json;
using parley::ApiError;
using parley::TextKind;
using parley::validated_text;

namespace {
// The message of the ApiError that validated_text throws, or "" when it accepts.
std::string refusal(std::string_view text, TextKind kind = TextKind::multiline) {
  try {
    validated_text(text, "body", kind);
    return "";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "invalid_field");
    return e.what();
  }
}
}  // namespace

TEST(TextValidation, LineEndsBecomeLf) {
  EXPECT_EQ(validated_text("a\r\nb\rc\nd", "body"), "a\nb\nc\nd");
  EXPECT_EQ(validated_text("\r\n\r\n", "body"), "\n\n");
  EXPECT_EQ(validated_text("tab\there", "body"), "tab\there");
}

TEST(TextValidation, ControlCharactersAreRefused) {
  EXPECT_EQ(refusal(std::string("a\0b", 3)), "body contains control characters");
  EXPECT_EQ(refusal("bell\a"), "body contains control characters");
  EXPECT_EQ(refusal("esc\x1b[31m"), "body contains control characters");
  EXPECT_EQ(refusal("del\x7f"), "body contains control characters");
  EXPECT_EQ(refusal("nel\xC2\x85"), "body contains control characters");  // U+0085
  EXPECT_EQ(refusal("csi\xC2\x9B"), "body contains control characters");  // U+009B
  EXPECT_EQ(refusal("\xC2\x80"), "body contains control characters");     // U+0080
  EXPECT_EQ(refusal("nbsp\xC2\xA0 ok"), "");                              // U+00A0 is text
}

TEST(TextValidation, BidiControlsAreRefused) {
  for (const char* s : {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE",
                        "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9"}) {
    EXPECT_NE(refusal(std::string("pay ") + s + "evil"), "") << s;
  }
  EXPECT_NE(refusal("x\xE2\x80\xAEy").find("bidirectional"), std::string::npos);
  EXPECT_EQ(refusal("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xE2\x80\x8F!"), "");  // Hebrew and RLM
  EXPECT_EQ(refusal("\xE2\x80\xA9\xE2\x80\xAF"), "");                          // U+2029, U+202F: not bidi controls
}

TEST(TextValidation, InvalidUtf8IsRefused) {
  EXPECT_EQ(refusal("\xC3"), "body is not valid UTF-8");          // truncated
  EXPECT_EQ(refusal("\xC0\xAF"), "body is not valid UTF-8");      // overlong '/'
  EXPECT_EQ(refusal("\xED\xA0\x80"), "body is not valid UTF-8");  // a surrogate
  EXPECT_EQ(refusal("\xF4\x90\x80\x80"), "body is not valid UTF-8");
  EXPECT_EQ(refusal("\xF0\x9F\x98\x80 emoji"), "");
}

TEST(TextValidation, SingleLineRefusesLineBreaksAndTabs) {
  EXPECT_EQ(validated_text("Ann O'Neil", "name", TextKind::single_line), "Ann O'Neil");
  EXPECT_NE(refusal("a\nb", TextKind::single_line), "");
  EXPECT_NE(refusal("a\rb", TextKind::single_line), "");
  EXPECT_NE(refusal("a\tb", TextKind::single_line), "");
}

TEST(TextValidation, MessageBodyUsesIt) {
  using parley::chat::validated_body;
  EXPECT_EQ(validated_body(json{{"body", "\r\n hi\r\nthere \r\n"}}), "hi\nthere");
  EXPECT_EQ(validated_body(json{{"body", "a\rb"}}), "a\nb");
  EXPECT_THROW(validated_body(json{{"body", "x\x7f"}}), ApiError);
  EXPECT_THROW(validated_body(json{{"body", "x\xC2\x85"}}), ApiError);
  EXPECT_THROW(validated_body(json{{"body", "invoice\xE2\x80\xAEgpj.exe"}}), ApiError);
  EXPECT_THROW(validated_body(json{{"body", "\r\n\r"}}), ApiError);  // empty once trimmed
}

TEST(TextValidation, NamesAndEmailsUseIt) {
  using parley::auth::parse_identify_request;
  EXPECT_EQ(*parse_identify_request(json{{"name", "Zoë"}}).name, "Zoë");
  EXPECT_THROW(parse_identify_request(json{{"name", "Ann\xC2\x9B"}}), ApiError);
  EXPECT_THROW(parse_identify_request(json{{"name", "Ann\nBob"}}), ApiError);
  EXPECT_THROW(parse_identify_request(json{{"name", "\xE2\x80\xAEnnA"}}), ApiError);
  EXPECT_THROW(parse_identify_request(json{{"email", "ann@acme.io\x7f"}}), ApiError);
}
