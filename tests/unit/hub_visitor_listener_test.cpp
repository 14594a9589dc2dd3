// The hub tells its visitor listener (chat/visitor_presence_sync.hpp) when a visitor's first tab
// opens and its last one closes — and not for the tabs in between, so a visitor with 19 tabs is
// one change for the other processes, not 19.
#include <gtest/gtest.h>

#include <vector>

#include "parley/chat/hub.hpp"

using parley::chat::Hub;

namespace {

struct QuietLink : parley::link::ClientLink {
  void send(parley::link::Frame) override {}
  void close(int, std::string) override {}
  void post(std::function<void()> fn) override { fn(); }
};

}  // namespace

TEST(HubVisitorListener, FirstTabInAndLastTabOutOnly) {
  Hub hub;
  std::vector<std::int64_t> changes;
  hub.set_visitor_listener([&](std::int64_t id) { changes.push_back(id); });
  auto tab1 = std::make_shared<QuietLink>();
  auto tab2 = std::make_shared<QuietLink>();
  auto other = std::make_shared<QuietLink>();

  hub.add_visitor(7, tab1);
  hub.add_visitor(7, tab2);
  hub.add_visitor(9, other);
  EXPECT_EQ(changes, (std::vector<std::int64_t>{7, 9}));
  EXPECT_EQ(hub.visitor_ids(), (std::vector<std::int64_t>{7, 9}));

  hub.remove_visitor(7, tab1.get());
  EXPECT_EQ(changes.size(), 2u) << "a tab closed while another is open";
  EXPECT_TRUE(hub.visitor_connected(7));
  hub.remove_visitor(7, tab2.get());
  EXPECT_EQ(changes, (std::vector<std::int64_t>{7, 9, 7}));
  EXPECT_FALSE(hub.visitor_connected(7));

  hub.remove_visitor(7, tab2.get());  // closed twice: nothing more to say
  EXPECT_EQ(changes.size(), 3u);
  EXPECT_EQ(hub.visitor_ids(), (std::vector<std::int64_t>{9}));
}

TEST(HubVisitorListener, ATabWhoseSocketIsGoneCountsAsClosed) {
  Hub hub;
  std::vector<std::int64_t> changes;
  hub.set_visitor_listener([&](std::int64_t id) { changes.push_back(id); });
  auto tab = std::make_shared<QuietLink>();
  hub.add_visitor(4, tab);
  const parley::link::ClientLink* raw = tab.get();
  tab.reset();  // the connection was destroyed before it said goodbye
  hub.remove_visitor(4, raw);
  EXPECT_EQ(changes, (std::vector<std::int64_t>{4, 4}));
}
