#include "parley/chat/event_deliveries.hpp"

#include <charconv>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace parley::chat {
namespace {

// "{1,2,3}" → 1, 2, 3. PostgreSQL writes a bigint[] without NULLs exactly so.
std::vector<std::int64_t> parse_id_array(std::string_view text) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') throw std::invalid_argument("event_log: bad visitor_ids");
  std::vector<std::int64_t> ids;
  text = text.substr(1, text.size() - 2);
  while (!text.empty()) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{}) throw std::invalid_argument("event_log: bad visitor_ids");
    ids.push_back(id);
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (!text.empty()) {
      if (text.size() < 2 || text.front() != ',') throw std::invalid_argument("event_log: bad visitor_ids");
      text.remove_prefix(1);
    }
  }
  return ids;
}

}  // namespace

void append_deliveries(const EventRow& row, std::vector<Hub::Delivery>& out,
                       const std::vector<std::weak_ptr<ClientLink>>& senders) {
  if (!row.visitor_ids) {
    Frame frame = make_frame(std::string(row.frame));
    Hub::Delivery d;
    if (row.to_agents) d.to_agents = frame;
    if (row.visitor_id) {
      d.visitor_id = row.visitor_id;
      d.to_visitor = row.visitor_frame ? make_frame(row.visitor_frame) : frame;
    }
    out.push_back(std::move(d));
    return;
  }
  auto ids = parse_id_array(row.visitor_ids);
  if (ids.empty()) throw std::invalid_argument("event_log: a batch row without visitor_ids");
  std::string_view rest = row.frame;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto newline = rest.find('\n');
    bool last = i + 1 == ids.size();
    if (last != (newline == std::string_view::npos)) throw std::invalid_argument("event_log: lines and visitor_ids differ");
    Frame frame = make_frame(std::string(rest.substr(0, newline)));
    if (!last) rest.remove_prefix(newline + 1);
    Hub::Delivery d;
    if (row.to_agents) d.to_agents = frame;
    d.visitor_id = ids[i];
    d.to_visitor = std::move(frame);
    if (i < senders.size()) d.from_socket = senders[i];
    out.push_back(std::move(d));
  }
}

}  // namespace parley::chat
