// The Message document the batch writer builds in C++ (the ack's and the event frame's): the
// same fields as the message_doc view, JSON-escaped, whatever the body holds.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "parley/conversation/message_batch.hpp"

using parley::conversation::BatchRow;
using parley::conversation::message_doc_middle;

namespace {
nlohmann::json doc_of(const BatchRow& row, std::int64_t id, const std::string& time) {
  return nlohmann::json::parse("{\"id\":" + std::to_string(id) + message_doc_middle(row) + time + "\"}");
}
}  // namespace

TEST(MessageDoc, VisitorMessageHasEveryFieldOfTheView) {
  BatchRow row{12, "VISITOR", std::nullopt, "", "c-1", "hello"};
  auto doc = doc_of(row, 345, "2026-12-07T07:30:00.123Z");
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"id":345,"conversationId":12,"sender":"VISITOR","agentId":null,
    "agentName":null,"clientId":"c-1","body":"hello","createdAt":"2026-12-07T07:30:00.123Z"})"));
}

TEST(MessageDoc, AgentMessageCarriesTheAgent) {
  BatchRow row{7, "AGENT", 3, "Bo \"the\" Agent", "a-9", "ok"};
  auto doc = doc_of(row, 1, "t");
  EXPECT_EQ(doc["agentId"], 3);
  EXPECT_EQ(doc["agentName"], "Bo \"the\" Agent");
  EXPECT_EQ(doc["sender"], "AGENT");
}

TEST(MessageDoc, BodyIsEscaped) {
  std::string body = "quote \" backslash \\ newline \n tab \t braces {} brackets [] “unicode” 🙂 </script>";
  BatchRow row{1, "VISITOR", std::nullopt, "", "k\"\\", body};
  auto doc = doc_of(row, 2, "t");
  EXPECT_EQ(doc["body"], body);
  EXPECT_EQ(doc["clientId"], "k\"\\");
}
