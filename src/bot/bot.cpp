#include "parley/bot/bot.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "parley/core/error.hpp"

namespace parley::bot {
namespace {

using conversation::BotEvent;
using conversation::BotState;

constexpr auto kSweepInterval = std::chrono::seconds(2);
constexpr int kSweepLimit = 50;
// A question longer than this is cut before it is searched (the search API takes 200 too).
constexpr std::size_t kMaxQuestion = 200;
// First looks written in one transaction at most. Each batch holds the event-order lock —
// which the message writer waits for — for all of its steps, and its searches run before it:
// too large a batch makes those waits long (25: the chat's p99 387 ms while a burst of 1,000 new
// conversations was handed over), too small one takes the lock and commits once per step (1:
// the hand-overs took ~9 s, as long as with a transaction per look on four threads). 10 handed
// the burst over in ~3 s (docs/BENCHMARKS.md, the visitor delivery path, 2026-12-07 10:48 UTC).
constexpr std::size_t kLookBatch = 10;
// First looks queued at most; past it the sweep (every kSweepInterval) looks at the rest.
constexpr std::size_t kMaxQueuedLooks = 10000;

// Cut at a character boundary (UTF-8 continuation bytes are 10xxxxxx).
std::string cut_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s;
}

}  // namespace

Bot::Bot(store::DbPool& pool, help::AnswerSource& answers, conversation::EventsCommitted& committed,
         BotSettings settings, conversation::TeamHandoff handoff, std::function<void()> wake_mail)
    : pool_(pool),
      answers_(answers),
      committed_(committed),
      settings_(settings),
      handoff_(std::move(handoff)),
      wake_mail_(std::move(wake_mail)) {}

void Bot::first_message(std::int64_t conversation_id) {
  if (!settings_.enabled) return;
  {
    std::lock_guard lock(looks_mutex_);
    if (looks_.size() >= kMaxQueuedLooks || !queued_.insert(conversation_id).second) return;
    looks_.push_back(conversation_id);
    if (draining_) return;  // the draining thread takes it with the others
    draining_ = true;
  }
  // A full pool queue refuses the job: the conversations stay pending and the sweep looks later
  // (the next first message tries again to start the draining).
  pool_.run<Unit>(
      [this](store::DbConn& conn) {
        drain_first_looks(conn);
        return Unit{};
      },
      [this](Outcome<Unit> r) {
        if (r.ok()) return;
        counters_.failed.fetch_add(1);
        spdlog::warn("bot: could not look at new conversations: {}", r.error().what());
        std::lock_guard lock(looks_mutex_);
        draining_ = false;  // what is left is taken by the next first message's drain, or the sweep
      });
}

void Bot::drain_first_looks(store::DbConn& conn) {
  for (;;) {
    std::vector<std::int64_t> ids;
    {
      std::lock_guard lock(looks_mutex_);
      while (!looks_.empty() && ids.size() < kLookBatch) {
        ids.push_back(looks_.front());
        queued_.erase(looks_.front());
        looks_.pop_front();
      }
      if (ids.empty()) {
        draining_ = false;
        return;
      }
    }
    // In id order: a transaction that locks several conversation rows locks them in the order
    // any other would.
    std::sort(ids.begin(), ids.end());
    std::vector<conversation::BotStep> steps;
    for (auto id : ids) {
      if (auto s = decide(conn, id)) steps.push_back(std::move(*s));
    }
    write_looks(conn, steps);
  }
}

void Bot::write_looks(store::DbConn& conn, const std::vector<conversation::BotStep>& steps) {
  if (steps.empty()) return;
  if (steps.size() > 1) {
    try {
      auto results = conversation::bot_steps(conn, committed_, steps, handoff_);
      bool woke_mail = false;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        count_look(steps[i], results[i]);
        woke_mail = woke_mail || results[i].woke_mail;
      }
      if (woke_mail && wake_mail_) wake_mail_();
      return;
    } catch (const std::exception& e) {
      // One conversation that cannot take its step (deleted meanwhile, say) must not hold back
      // the others: each alone, so only that one fails.
      spdlog::debug("bot: {} looks in one transaction failed ({}); one by one", steps.size(), e.what());
    }
  }
  for (const auto& s : steps) {
    try {
      count_look(s, step(conn, s));
    } catch (const std::exception& e) {
      counters_.failed.fetch_add(1);
      spdlog::warn("bot: could not look at conversation {}: {}", s.conversation_id, e.what());
    }
  }
}

void Bot::count_look(const conversation::BotStep& step, const conversation::BotStepResult& result) {
  if (!result.changed) return;
  (step.event == BotEvent::Answer ? counters_.answered : counters_.quiet).fetch_add(1);
}

void Bot::look(store::DbConn& conn, std::int64_t conversation_id) {
  auto s = decide(conn, conversation_id);
  if (!s) return;
  count_look(*s, step(conn, *s));
}

std::optional<conversation::BotStep> Bot::decide(store::DbConn& conn, std::int64_t conversation_id) {
  auto question = conversation::pending_question(conn, conversation_id);
  if (!question) return std::nullopt;  // looked at already (another process, the sweep), or no message yet
  // The search first, outside the answer's transaction: the event-order lock is held only
  // for the short write.
  std::vector<help::ArticleHit> hits;
  // Off now but on when the conversation began (a restart with PARLEY_BOT=off): the sweep
  // still gives such conversations to the team.
  if (settings_.enabled) {
    try {
      hits = answers_.answer(conn, cut_utf8(question->body, kMaxQuestion), kMaxArticles);
    } catch (const std::exception& e) {
      // A source that fails (its statement timeout, say) must not keep the team waiting: the
      // bot stays quiet and the conversation goes to people. A lost database fails the step
      // too, and the sweep tries again.
      counters_.failed.fetch_add(1);
      spdlog::warn("bot: the answer source failed for conversation {}: {}", conversation_id, e.what());
    }
  }
  conversation::BotStep s{conversation_id, BotEvent::NoMatch, std::nullopt, {}, {}};
  if (!hits.empty() && hits.front().score >= settings_.threshold) {
    s.event = BotEvent::Answer;
    s.body = kAnswerText;
    for (const auto& h : hits) {
      if (s.articles.size() >= static_cast<std::size_t>(kMaxArticles)) break;
      s.articles.push_back({h.slug, h.title, "/help/articles/" + h.slug, h.snippet_html});
    }
  }
  return s;
}

conversation::BotStepResult Bot::choose(store::DbConn& conn, std::int64_t visitor_id, std::int64_t conversation_id,
                                        Choice choice) {
  conversation::BotStep s{conversation_id, choice == Choice::Answered ? BotEvent::Answered : BotEvent::Person,
                          visitor_id, {}, {}};
  auto result = step(conn, s);
  if (result.changed) (choice == Choice::Answered ? counters_.resolved : counters_.handed).fetch_add(1);
  return result;
}

conversation::BotStepResult Bot::step(store::DbConn& conn, const conversation::BotStep& s) {
  auto result = conversation::bot_step(conn, committed_, s, handoff_);
  if (result.woke_mail && wake_mail_) wake_mail_();
  return result;
}

void Bot::start_sweeping() {
  // Also with the bot off: conversations it held before a restart are handed to the team.
  sweeper_.start(std::chrono::duration_cast<std::chrono::milliseconds>(kSweepInterval), [this] {
    pool_.run<Unit>(
        [this](store::DbConn& conn) {
          sweep(conn);
          return Unit{};
        },
        [this](Outcome<Unit> r) {
          if (r.ok()) return;
          counters_.failed.fetch_add(1);
          spdlog::warn("bot: sweep failed: {}", r.error().what());
        });
  });
}

void Bot::sweep(store::DbConn& conn) {
  auto found = conversation::bot_sweep(conn, kSweepLimit);
  for (auto id : found.pending) look(conn, id);
  for (auto id : found.wrote_again) {
    // Writing again instead of choosing is asking for a person (docs/BOT.md).
    auto result = step(conn, {id, BotEvent::Person, std::nullopt, {}, {}});
    if (result.changed) counters_.handed.fetch_add(1);
  }
}

}  // namespace parley::bot
