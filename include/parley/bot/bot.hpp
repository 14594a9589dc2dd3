#pragma once
// The FAQ bot (issue #17, docs/BOT.md). When a conversation's first visitor message is
// committed, the bot asks its AnswerSource (help/answer_source.hpp; today the published
// articles) and, when the best hit scores at least the threshold, answers at once with up to
// three articles and two choices. The search runs on a database thread, never on the message
// writer's thread nor an I/O thread, and before the answer's short EventTransaction, so the
// event-order lock is held only for the write. The visitor's choice — or writing again —
// ends the bot's turn through the conversation's state machine (conversation/bot_turns.hpp).
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "parley/conversation/bot_turns.hpp"
#include "parley/core/periodic_thread.hpp"
#include "parley/help/answer_source.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::bot {

struct BotSettings {
  bool enabled = true;
  double threshold = help::kDefaultBotThreshold;  // the best hit must score at least this
};

inline constexpr int kMaxArticles = 3;
// The bot's message; its articles and the two choices travel beside it (Message.articles).
inline constexpr const char* kAnswerText = "These articles may answer your question.";

// Since this process started; /metrics exports them as parley_bot_*_total.
struct BotCounters {
  std::atomic<std::uint64_t> answered{0};  // the bot answered a first message
  std::atomic<std::uint64_t> quiet{0};     // no confident article: the team got it at once
  std::atomic<std::uint64_t> resolved{0};  // "That answered my question"
  std::atomic<std::uint64_t> handed{0};    // "Talk to a person", or the visitor wrote again
  std::atomic<std::uint64_t> failed{0};    // a look that failed (database, source): the sweep retries
};

// The choice a visitor can make on the bot's answer.
enum class Choice { Answered, Person };

class Bot {
 public:
  // `handoff` runs in the transaction that gives the team a conversation (offline emails);
  // `wake_mail` after it committed, when `handoff` wrote email rows.
  Bot(store::DbPool& pool, help::AnswerSource& answers, conversation::EventsCommitted& committed, BotSettings settings,
      conversation::TeamHandoff handoff, std::function<void()> wake_mail);
  ~Bot() { stop(); }

  // The message writer committed a conversation's first message (called on its thread, after
  // the commit): queued for a database thread; never blocks. The first looks are taken by one
  // database thread at a time, several conversations per transaction (bot_steps): a burst of
  // new conversations is written in a few transactions rather than one each.
  void first_message(std::int64_t conversation_id);
  // The visitor chose (on a database thread). Throws ApiError 404 / 409 (see bot_step).
  conversation::BotStepResult choose(store::DbConn& conn, std::int64_t visitor_id, std::int64_t conversation_id,
                                     Choice choice);
  // Every couple of seconds: pending conversations whose wake-up was lost, and visitors who
  // wrote again instead of choosing.
  void start_sweeping();
  void stop() { sweeper_.stop(); }

  bool enabled() const { return settings_.enabled; }
  const BotCounters& counters() const { return counters_; }

 private:
  void look(store::DbConn& conn, std::int64_t conversation_id);
  // The step a look decides (the search runs here, outside any transaction); none when the
  // conversation is not waiting for the bot's first look any more.
  std::optional<conversation::BotStep> decide(store::DbConn& conn, std::int64_t conversation_id);
  // Takes the queued first looks, a batch at a time, until none is left.
  void drain_first_looks(store::DbConn& conn);
  void write_looks(store::DbConn& conn, const std::vector<conversation::BotStep>& steps);
  void count_look(const conversation::BotStep& step, const conversation::BotStepResult& result);
  conversation::BotStepResult step(store::DbConn& conn, const conversation::BotStep& step);
  void sweep(store::DbConn& conn);

  store::DbPool& pool_;
  help::AnswerSource& answers_;
  conversation::EventsCommitted& committed_;
  const BotSettings settings_;
  const conversation::TeamHandoff handoff_;
  const std::function<void()> wake_mail_;
  BotCounters counters_;
  // First looks waiting for the draining thread (bounded: past the limit the sweep finds them).
  std::mutex looks_mutex_;
  std::deque<std::int64_t> looks_;
  std::unordered_set<std::int64_t> queued_;  // what looks_ holds, so a conversation is queued once
  bool draining_ = false;                    // a database thread is taking looks_
  PeriodicThread sweeper_;
};

}  // namespace parley::bot
