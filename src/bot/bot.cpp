#include "parley/bot/bot.hpp"

#include <spdlog/spdlog.h>

#include "parley/core/error.hpp"

namespace parley::bot {
namespace {

using conversation::BotEvent;
using conversation::BotState;

constexpr auto kSweepInterval = std::chrono::seconds(2);
constexpr int kSweepLimit = 50;
// A question longer than this is cut before it is searched (the search API takes 200 too).
constexpr std::size_t kMaxQuestion = 200;

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
  // A full pool queue refuses the job: the conversation stays pending and the sweep looks later.
  pool_.run<Unit>(
      [this, conversation_id](store::DbConn& conn) {
        look(conn, conversation_id);
        return Unit{};
      },
      [this, conversation_id](Outcome<Unit> r) {
        if (r.ok()) return;
        counters_.failed.fetch_add(1);
        spdlog::warn("bot: could not look at conversation {}: {}", conversation_id, r.error().what());
      });
}

void Bot::look(store::DbConn& conn, std::int64_t conversation_id) {
  auto question = conversation::pending_question(conn, conversation_id);
  if (!question) return;  // looked at already (another process, the sweep), or no message yet
  // The search first, outside the answer's transaction: the event-order lock is held only
  // for the short write below.
  std::vector<help::ArticleHit> hits;
  // Off now but on when the conversation began (a restart with PARLEY_BOT=off): the sweep
  // still gives such conversations to the team.
  if (settings_.enabled) {
    try {
      hits = answers_.answer(conn, cut_utf8(question->body, kMaxQuestion), kMaxArticles);
    } catch (const std::exception& e) {
      // A source that fails (its statement timeout, say) must not keep the team waiting: the
      // bot stays quiet and the conversation goes to people. A lost database fails the step
      // below too, and the sweep tries again.
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
  auto result = step(conn, s);
  if (!result.changed) return;
  (s.event == BotEvent::Answer ? counters_.answered : counters_.quiet).fetch_add(1);
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
