#include "parley/chat/hub.hpp"

#include <algorithm>

#include "parley/chat/batch_frames.hpp"

namespace parley::chat {

void Hub::remove_link(std::map<std::int64_t, Links>& map, std::int64_t id, const ClientLink* link) {
  auto it = map.find(id);
  if (it == map.end()) return;
  auto& v = it->second.links;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [&](const std::weak_ptr<ClientLink>& w) {
                           auto s = w.lock();
                           return !s || s.get() == link;
                         }),
          v.end());
  if (v.empty()) map.erase(it);
}

std::vector<std::shared_ptr<ClientLink>> Hub::links_of(const std::map<std::int64_t, Links>& map, std::int64_t id) {
  std::vector<std::shared_ptr<ClientLink>> out;
  if (auto it = map.find(id); it != map.end()) {
    for (const auto& w : it->second.links) {
      if (auto s = w.lock()) out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<std::shared_ptr<ClientLink>> Hub::collect(const std::map<std::int64_t, Links>& map) {
  std::vector<std::shared_ptr<ClientLink>> out;
  for (const auto& [id, links] : map) {
    for (const auto& w : links.links) {
      if (auto s = w.lock()) out.push_back(std::move(s));
    }
  }
  return out;
}

void Hub::add_visitor(std::int64_t visitor_id, const std::shared_ptr<ClientLink>& link) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    auto& links = visitors_[visitor_id].links;
    first = links.empty();
    links.push_back(link);
  }
  if (first && visitor_listener_) visitor_listener_(visitor_id);
}

void Hub::remove_visitor(std::int64_t visitor_id, const ClientLink* link) {
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    bool was = visitors_.count(visitor_id) > 0;
    remove_link(visitors_, visitor_id, link);
    last = was && visitors_.count(visitor_id) == 0;
  }
  if (last && visitor_listener_) visitor_listener_(visitor_id);
}

bool Hub::visitor_connected(std::int64_t visitor_id) const {
  std::lock_guard lock(mutex_);
  return visitors_.count(visitor_id) > 0;
}

std::vector<std::int64_t> Hub::visitor_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::int64_t> ids;
  ids.reserve(visitors_.size());
  for (const auto& entry : visitors_) ids.push_back(entry.first);
  return ids;
}

bool Hub::team_available_locked() const {
  auto online = [](const auto& p) { return p.second; };
  if (std::any_of(agent_online_.begin(), agent_online_.end(), online)) return true;
  return std::any_of(remote_.begin(), remote_.end(),
                     [&](const auto& r) { return std::any_of(r.second.agents.begin(), r.second.agents.end(), online); });
}

Hub::RemoteChange Hub::set_remote_agents(const std::string& process, std::map<std::int64_t, bool> agents,
                                         std::chrono::steady_clock::time_point expires) {
  std::lock_guard lock(mutex_);
  bool before = team_available_locked();
  auto it = remote_.find(process);
  RemoteChange change;
  change.agents_changed = it == remote_.end() ? !agents.empty() : it->second.agents != agents;
  if (agents.empty()) remote_.erase(process);
  else remote_[process] = RemoteAgents{std::move(agents), expires};
  change.availability_changed = before != team_available_locked();
  return change;
}

bool Hub::expire_remote(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  bool before = team_available_locked();
  std::erase_if(remote_, [&](const auto& r) { return r.second.expires <= now; });
  return before != team_available_locked();
}

bool Hub::add_agent(std::int64_t agent_id, const std::shared_ptr<ClientLink>& link, bool online) {
  std::lock_guard lock(mutex_);
  bool before = team_available_locked();
  agents_[agent_id].links.push_back(link);
  agent_online_[agent_id] = online;
  return before != team_available_locked();
}

bool Hub::remove_agent(std::int64_t agent_id, const ClientLink* link) {
  std::lock_guard lock(mutex_);
  bool before = team_available_locked();
  remove_link(agents_, agent_id, link);
  if (!agents_.count(agent_id)) agent_online_.erase(agent_id);
  return before != team_available_locked();
}

bool Hub::set_agent_online(std::int64_t agent_id, bool online) {
  std::lock_guard lock(mutex_);
  bool before = team_available_locked();
  if (auto it = agent_online_.find(agent_id); it != agent_online_.end()) it->second = online;
  return before != team_available_locked();
}

void Hub::add_unauthenticated(const std::shared_ptr<ClientLink>& link, std::chrono::steady_clock::time_point opened) {
  std::lock_guard lock(mutex_);
  unauthenticated_[link.get()] = {link, opened};
}

void Hub::remove_unauthenticated(const ClientLink* link) {
  std::lock_guard lock(mutex_);
  unauthenticated_.erase(link);
}

std::size_t Hub::close_unauthenticated(std::chrono::steady_clock::time_point opened_before, int code,
                                       const std::string& reason) {
  std::vector<std::shared_ptr<ClientLink>> late;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(unauthenticated_, [&](const auto& entry) {
      if (entry.second.opened >= opened_before) return false;
      if (auto s = entry.second.link.lock()) late.push_back(std::move(s));
      return true;
    });
  }
  for (auto& l : late) l->close(code, reason);
  return late.size();
}

void Hub::send_to_visitor(std::int64_t visitor_id, const Frame& frame) const {
  std::vector<std::shared_ptr<ClientLink>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = links_of(visitors_, visitor_id);
  }
  for (auto& t : targets) t->send(frame);
}

void Hub::deliver(const std::vector<Delivery>& page) const {
  std::vector<Frame> agent_frames;
  std::vector<std::shared_ptr<ClientLink>> senders;  // per delivery: the socket acked with it, if still open
  senders.reserve(page.size());
  for (const auto& d : page) {
    if (d.to_agents) agent_frames.push_back(d.to_agents);
    senders.push_back(d.from_socket.lock());
  }
  std::vector<std::shared_ptr<ClientLink>> agents;
  std::map<std::shared_ptr<ClientLink>, std::vector<Frame>> visitor_frames;
  {
    std::lock_guard lock(mutex_);
    if (!agent_frames.empty()) agents = collect(agents_);
    for (std::size_t i = 0; i < page.size(); ++i) {
      if (!page[i].visitor_id) continue;
      for (auto& link : links_of(visitors_, page[i].visitor_id)) {
        if (link != senders[i]) visitor_frames[std::move(link)].push_back(page[i].to_visitor);
      }
    }
  }
  if (!agents.empty()) {
    // One serialisation shared by every agent socket, except those that sent a line of this
    // page: each of those gets its own, without what its acks carried.
    auto batched = batch_frames(agent_frames);
    for (auto& a : agents) {
      if (std::ranges::find(senders, a) == senders.end()) {
        a->send_many(batched);
        continue;
      }
      std::vector<Frame> others;
      for (std::size_t i = 0; i < page.size(); ++i) {
        if (page[i].to_agents && senders[i] != a) others.push_back(page[i].to_agents);
      }
      if (!others.empty()) a->send_many(batch_frames(others));
    }
  }
  for (auto& [link, frames] : visitor_frames) link->send_many(std::move(frames));
}

void Hub::send_to_agents(const Frame& frame) const {
  std::vector<std::shared_ptr<ClientLink>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = collect(agents_);
  }
  for (auto& t : targets) t->send(frame);
}

void Hub::send_to_all_visitors(const Frame& frame) const {
  std::vector<std::shared_ptr<ClientLink>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = collect(visitors_);
  }
  for (auto& t : targets) t->send(frame);
}

void Hub::close_agent(std::int64_t agent_id, int code, const std::string& reason) const {
  std::vector<std::shared_ptr<ClientLink>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = links_of(agents_, agent_id);
  }
  for (auto& t : targets) t->close(code, reason);
}

bool Hub::team_available() const {
  {
    std::lock_guard lock(mutex_);
    if (!team_available_locked()) return false;
  }
  return open_now();  // outside the lock: the hours have their own
}

std::map<std::int64_t, bool> Hub::connected_agents() const {
  std::lock_guard lock(mutex_);
  auto all = agent_online_;
  for (const auto& [process, remote] : remote_) {
    for (const auto& [id, online] : remote.agents) all[id] = all[id] || online;
  }
  return all;
}

std::map<std::int64_t, bool> Hub::local_agents() const {
  std::lock_guard lock(mutex_);
  return agent_online_;
}

std::size_t Hub::visitor_links() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, l] : visitors_) n += l.links.size();
  return n;
}

std::size_t Hub::agent_links() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, l] : agents_) n += l.links.size();
  return n;
}

}  // namespace parley::chat
