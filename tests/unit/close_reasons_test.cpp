// How the server's own WebSocket closes are labelled for parley_websocket_server_closes_total.
#include <gtest/gtest.h>

#include <set>

#include "parley/link/close_reasons.hpp"

using parley::link::server_close_for;
using parley::link::ServerClose;

TEST(CloseReasons, DomainClosesByCodeAndReason) {
  EXPECT_EQ(server_close_for(1008, parley::link::kAuthTimedOut), ServerClose::auth_timeout);
  EXPECT_EQ(server_close_for(1008, parley::link::kAuthenticateFirst), ServerClose::auth_required);
  EXPECT_EQ(server_close_for(1008, parley::link::kTokenRequired), ServerClose::auth_required);
  EXPECT_EQ(server_close_for(1008, parley::link::kTooManyBeforeReady), ServerClose::too_many_frames);
  EXPECT_EQ(server_close_for(1008, "something new"), ServerClose::other);
  EXPECT_EQ(server_close_for(4401, "Unknown visitor token"), ServerClose::auth_failed);
  EXPECT_EQ(server_close_for(1011, "The server is busy; retry shortly"), ServerClose::auth_unavailable);
  EXPECT_EQ(server_close_for(4001, "session ended"), ServerClose::session_ended);
  EXPECT_EQ(server_close_for(1001, "going away"), ServerClose::shutdown);
  EXPECT_EQ(server_close_for(1003, "text frames only"), ServerClose::protocol_error);
  EXPECT_EQ(server_close_for(1009, ""), ServerClose::too_big);
  EXPECT_EQ(server_close_for(4999, ""), ServerClose::other);
}

TEST(CloseReasons, LabelsAreDistinctPrometheusLabelValues) {
  std::set<std::string_view> seen;
  for (auto label : parley::link::kServerCloseLabels) {
    EXPECT_FALSE(label.empty());
    EXPECT_EQ(label.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos) << label;
    EXPECT_TRUE(seen.insert(label).second) << label;
  }
  EXPECT_EQ(parley::link::to_string(ServerClose::other), "other");
  EXPECT_EQ(parley::link::to_string(ServerClose::auth_timeout), "auth_timeout");
}
