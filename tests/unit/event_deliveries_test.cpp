#include <gtest/gtest.h>

#include <stdexcept>

#include "parley/chat/event_deliveries.hpp"

using parley::chat::append_deliveries;
using parley::chat::EventRow;
using parley::chat::Hub;

namespace {

std::vector<Hub::Delivery> deliveries(const EventRow& row) {
  std::vector<Hub::Delivery> out;
  append_deliveries(row, out);
  return out;
}

}  // namespace

TEST(EventLogRow, SingleFrameGoesToAgentsAndItsVisitor) {
  auto out = deliveries({R"({"type":"conversation"})", true, 7, R"({"brief":1})", nullptr});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0].to_agents, R"({"type":"conversation"})");
  EXPECT_EQ(out[0].visitor_id, 7);
  EXPECT_EQ(*out[0].to_visitor, R"({"brief":1})");
}

TEST(EventLogRow, SingleFrameWithoutVisitorFrameSendsTheSameFrame) {
  auto out = deliveries({"f", false, 3, nullptr, nullptr});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].to_agents);
  EXPECT_EQ(*out[0].to_visitor, "f");
}

TEST(EventLogRow, BatchRowBecomesOneDeliveryPerLineInOrder) {
  std::vector<Hub::Delivery> out;
  out.push_back({});  // appends after what is there
  append_deliveries({"{\"n\":1}\n{\"n\":2}\n{\"n\":3}", true, 0, nullptr, "{10,20,10}"}, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(*out[1].to_agents, R"({"n":1})");
  EXPECT_EQ(*out[3].to_visitor, R"({"n":3})");
  EXPECT_EQ(out[1].visitor_id, 10);
  EXPECT_EQ(out[2].visitor_id, 20);
  EXPECT_EQ(out[3].visitor_id, 10);
  // The frame is shared, not copied, between the agents and the visitor.
  EXPECT_EQ(out[2].to_agents.get(), out[2].to_visitor.get());
}

TEST(EventLogRow, BatchRowForVisitorsOnly) {
  auto out = deliveries({"a\nb", false, 0, nullptr, "{1,2}"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].to_agents);
  EXPECT_EQ(*out[1].to_visitor, "b");
}

TEST(EventLogRow, MismatchedBatchRowsAreRefused) {
  EXPECT_THROW(deliveries({"a\nb", true, 0, nullptr, "{1}"}), std::invalid_argument);
  EXPECT_THROW(deliveries({"a", true, 0, nullptr, "{1,2}"}), std::invalid_argument);
  EXPECT_THROW(deliveries({"a", true, 0, nullptr, "{}"}), std::invalid_argument);
  EXPECT_THROW(deliveries({"a", true, 0, nullptr, "{1,x}"}), std::invalid_argument);
  EXPECT_THROW(deliveries({"a", true, 0, nullptr, "1"}), std::invalid_argument);
  EXPECT_THROW(deliveries({"a", true, 0, nullptr, "{1,}"}), std::invalid_argument);
}

// ---- Senders of a batch row (event_origins.hpp) and the hub leaving them out ----

#include "parley/chat/event_origins.hpp"

using parley::chat::ClientLink;
using parley::chat::EventOrigins;
using parley::chat::Frame;

namespace {

// A socket that records what it was sent.
class RecordingLink : public ClientLink {
 public:
  void send(Frame frame) override { got.push_back(*frame); }
  void close(int, std::string) override {}
  void post(std::function<void()> fn) override { fn(); }
  std::vector<std::string> got;
};

}  // namespace

TEST(EventOrigins, TakeReturnsARowsSendersAndForgetsOlderRows) {
  EventOrigins origins;
  auto a = std::make_shared<RecordingLink>();
  origins.add(5, {a});
  origins.add(7, {{}, a});
  origins.add(9, {a});
  auto seven = origins.take(7);
  ASSERT_EQ(seven.size(), 2u);
  EXPECT_TRUE(seven[0].expired());
  EXPECT_EQ(seven[1].lock(), a);
  EXPECT_EQ(origins.size(), 1u);  // 5 went with 7: rows are read in seq order
  EXPECT_TRUE(origins.take(5).empty());
  origins.forget(9);
  EXPECT_EQ(origins.size(), 0u);
}

TEST(EventOrigins, IsBounded) {
  EventOrigins origins;
  for (std::int64_t seq = 1; seq <= static_cast<std::int64_t>(EventOrigins::kMaxRows) + 5; ++seq) origins.add(seq, {});
  EXPECT_EQ(origins.size(), EventOrigins::kMaxRows);
}

TEST(HubDeliver, TheSendingTabIsNotEchoedItsOwnMessageButItsOtherTabsAre) {
  Hub hub;
  auto sender = std::make_shared<RecordingLink>();
  auto other_tab = std::make_shared<RecordingLink>();
  auto agent = std::make_shared<RecordingLink>();
  hub.add_visitor(1, sender);
  hub.add_visitor(1, other_tab);
  hub.add_agent(9, agent, true);
  std::vector<Hub::Delivery> page;
  append_deliveries({"mine\ntheirs", true, 0, nullptr, "{1,1}"}, page, {sender, {}});
  hub.deliver(page);
  EXPECT_EQ(sender->got, std::vector<std::string>{"theirs"});
  EXPECT_EQ(other_tab->got, (std::vector<std::string>{"mine", "theirs"}));
  ASSERT_EQ(agent->got.size(), 1u);  // one batch frame with both
  EXPECT_NE(agent->got[0].find("mine"), std::string::npos);
}
