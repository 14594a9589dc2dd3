#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "parley/api/api.hpp"
#include "parley/api/labels_routes.hpp"
#include "parley/api/team_routes.hpp"
#include "parley/app/commands.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/bot/bot.hpp"
#include "parley/chat/agent_roster.hpp"
#include "parley/chat/cluster.hpp"
#include "parley/chat/visitor_presence_sync.hpp"
#include "parley/chat/event_feed.hpp"
#include "parley/context/context_service.hpp"
#include "parley/context/webhook_signature.hpp"
#include "parley/mail/csat_email.hpp"
#include "parley/notes/notes.hpp"
#include "parley/help/answer_cache.hpp"
#include "parley/help/answer_cache_listener.hpp"
#include "parley/help/article_search.hpp"
#include "parley/help/article_store.hpp"
#include "parley/help/page_cache.hpp"
#include "parley/help/text_search_config.hpp"
#include "parley/hours/business_hours.hpp"
#include "parley/mail/outbox.hpp"
#include "parley/search/message_search.hpp"
#include "parley/search/message_vectors.hpp"
#include "parley/search/pending_list_flush.hpp"
#include "parley/mail/outbox_worker.hpp"
#include "parley/mail/pending_followups.hpp"
#include "parley/routing/router.hpp"
#include "parley/store/migrations.hpp"
#include "housekeeping.hpp"
#include "presence_grace.hpp"
#include "ws_upgrade.hpp"

namespace parley::app {
namespace {

constexpr unsigned kDbThreads = 4;
constexpr std::size_t kDbQueueLimit = 10000;
// Beyond max_wait in the writer's queue, new messages are refused (503 overloaded) and clients
// retry: under overload an accepted message is acked within ~2 s, not after 10 s or more.
constexpr chat::WriterLimits kWriterLimits{100000, std::chrono::milliseconds(2000), 1000};
// Every page view of a new browser identifies once; an office behind one address opens many.
// A script that creates visitors without end gets 429 past this.
constexpr int kIdentifiesPerMinute = 120;
// Public help-center searches per client address (the widget searches as a visitor types,
// debounced; an office behind one address has many visitors).
constexpr int kSearchesPerMinute = 120;
// The inbox search's own budget (docs/INBOX.md#search): two connections, a few waiting, each
// statement cancelled after 3 s — a slow search never takes a chat connection or a core for long.
constexpr unsigned kSearchThreads = 2;
constexpr std::size_t kSearchQueueLimit = 8;
constexpr auto kSearchTimeout = std::chrono::milliseconds(3000);
// The help-center search's own connections (docs/HELP_CENTER.md "Search"): searches the
// answer cache cannot answer run in PostgreSQL at most this many at once (one per core, 2 to
// 8), so answers from memory never wait behind them on the CPU and they do not share a core
// eight ways; up to kHelpSearchQueueLimit wait (~1 ms of work each), then 503 search_busy.
constexpr unsigned kHelpSearchMinThreads = 2;
constexpr unsigned kHelpSearchMaxThreads = 8;
constexpr std::size_t kHelpSearchQueueLimit = 32;
constexpr auto kHousekeepingInterval = std::chrono::seconds(10);

// Every socket is a file: take all the process is allowed.
void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) spdlog::info("open file limit {}", lim.rlim_cur);
}

// PostgreSQL may still be starting (compose, systemd): retry for a while. SIGINT/SIGTERM
// (blocked in `signals`) end the wait at once: false, as when the database never came.
bool migrate_with_retries(const std::string& url, const sigset_t& signals) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    try {
      auto report = store::migrate(url);
      spdlog::info("database at schema version {} ({} applied now)", report.latest_version, report.applied);
      return true;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() > deadline) {
        spdlog::critical("cannot migrate the database: {}", e.what());
        return false;
      }
      spdlog::warn("database not ready ({}); retrying", e.what());
      // Sleeps a second, or less when a stop signal comes (or came during the attempt).
      timespec pause{1, 0};
      int sig = sigtimedwait(&signals, nullptr, &pause);
      if (sig == SIGINT || sig == SIGTERM) {
        spdlog::info("received {} while waiting for the database; stopped", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        return false;
      }
    }
  }
}

// The offline rules that need presence (is the visitor chatting live, on any process?) run in
// the message batch's transaction: the email is enqueued with the message or not at all.
chat::BatchHook offline_email_hook(const chat::VisitorPresenceSync& presence, mail::EnqueueSettings settings,
                                   const PresenceGrace& grace) {
  // Shared by the copies of the hook; only the writer thread runs it.
  auto pending = std::make_shared<mail::PendingFollowups>();
  return [&presence, settings, &grace, pending](store::DbConn& conn, pqxx::transaction_base& txn,
                                                const std::vector<chat::InsertedMessage>& rows) {
    std::vector<std::int64_t> replied_to;  // only an agent's reply may be emailed to the visitor
    for (const auto& m : rows) {
      if (m.sender == "AGENT") replied_to.push_back(m.visitor_id);
    }
    auto live = presence.connected(conn, txn, replied_to);
    std::vector<mail::MessageEvent> events;
    for (const auto& m : rows) {
      bool connected = m.sender != "AGENT" || live.count(m.visitor_id) > 0;
      events.push_back({m.id, m.conversation_id, m.sender, m.team_available, connected, m.out_of_hours});
    }
    return mail::enqueue_emails(conn, txn, events, grace.apply(settings), pending.get());
  };
}

// Product context (docs/CONTEXT.md). The configuration checked the secret's form already; a
// key that still does not decode leaves the feature off rather than signing with no key.
context::ContextSettings context_settings(const Config& config) {
  context::ContextSettings settings;
  if (config.context_url.empty()) return settings;
  auto key = context::decode_webhook_secret(config.context_secret);
  if (!key) {
    spdlog::error("PARLEY_CONTEXT_SECRET could not be decoded: product context is off");
    return settings;
  }
  settings.url = config.context_url;
  settings.secret_key = std::move(*key);
  settings.user_agent = std::string("parley/") + PARLEY_VERSION;
  return settings;
}

// A CSAT survey was created by a resolve: a visitor who is not connected (to any process) gets
// the survey email (when their address is known), in the resolve's transaction. The link's
// token is made here; only its SHA-256 is stored with the survey.
// `ctx` is made after the conversations (it holds them) and set before the server runs.
conversation::SurveyHook csat_email_hook(const chat::VisitorPresenceSync& presence, api::ApiContext* const& ctx) {
  return [&presence, &ctx](store::DbConn& conn, pqxx::transaction_base& txn, const conversation::SurveyCreated& survey) {
    if (!presence.connected(conn, txn, {survey.visitor_id}).empty()) return false;  // the widget asks instead
    std::string token = auth::random_token();
    conversation::set_link_token(conn, txn, survey.survey_id, auth::token_digest(token));
    return mail::enqueue_csat_email(conn, txn, survey.survey_id, survey.conversation_id,
                                    ctx->public_origin + "/csat/" + token);
  };
}

// When the FAQ bot gives a conversation to the team (a person was asked for, or no article
// was confident), what its visitor messages would have caused without the bot: emails to the
// support address when nobody is available now (mail/outbox.hpp).
conversation::TeamHandoff bot_handoff(const chat::Hub& hub, mail::EnqueueSettings settings,
                                      const PresenceGrace& grace) {
  return [&hub, settings, &grace](store::DbConn& conn, pqxx::transaction_base& txn,
                                  const std::vector<conversation::HandedOff>& handed) {
    if (hub.team_available()) return false;  // the inbox alerts on the conversation frame instead
    std::vector<mail::MessageEvent> events;
    bool out_of_hours = !hub.open_now();
    for (const auto& h : handed) {
      for (auto id : h.visitor_message_ids) events.push_back({id, h.conversation_id, "VISITOR", false, true, out_of_hours});
    }
    return mail::enqueue_emails(conn, txn, events, grace.apply(settings));
  };
}

void set_origins(api::ApiContext& ctx, const Config& config, std::uint16_t port) {
  if (!config.public_url.empty()) {
    ctx.public_origin = origin_of(config.public_url);
    ctx.agent_origins = {ctx.public_origin};
    return;
  }
  std::string p = std::to_string(port);
  ctx.public_origin = "http://localhost:" + p;
  ctx.agent_origins = {ctx.public_origin, "http://127.0.0.1:" + p, "http://[::1]:" + p};
}

}  // namespace

int serve(const Config& config) {
  auth::init_crypto();
  if (config.database_url.empty()) {
    spdlog::critical("DATABASE_URL is required (or --database-url)");
    return 2;
  }
  // Signals are taken by one thread with sigwait, so every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  raise_file_limit();
  if (!migrate_with_retries(config.database_url, signals)) return 1;
  try {
    store::DbConn conn(config.database_url);
    int rebuilt = help::prepare_text_search(conn, config.text_search_config);
    if (rebuilt > 0) spdlog::info("rebuilt the search vectors of {} articles for '{}'", rebuilt, config.text_search_config);
    auto left = search::prepare_message_vectors(conn, config.text_search_config);
    if (left > 0) spdlog::info("message search vectors: rebuilding up to {} messages in the background", left);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  if (config.identity_secret.empty()) {
    spdlog::warn("PARLEY_IDENTITY_SECRET is not set: visitor identities are recorded as unverified and never merged");
  }
  if (config.resend_api_key.empty()) spdlog::warn("RESEND_API_KEY is not set: emails are written to the log, not sent");
  // Only the origin: a path or query may carry the customer's own token.
  if (!config.context_url.empty()) spdlog::info("product context from {} for verified visitors", origin_of(config.context_url));

  // Every part gets what it needs through its constructor, in the order below.
  store::DbPool pool(config.database_url, kDbThreads, kDbQueueLimit);
  chat::Hub hub;
  chat::EventOrigins origins;  // which local socket sent each message: it gets an ack, no echo
  chat::AgentRoster roster(pool, hub);
  // Automatic assignment (docs/OPERATIONS.md "Routing") looks again when pulled: by presence
  // changes, conversations that become assignable, changes that free capacity, settings.
  routing::Wakeup routing_wakeup;
  auto route_again = [&routing_wakeup] { routing_wakeup.pull(); };
  // Business hours: outside them the team is away for visitors (docs/INBOX.md, Hours). Visitors
  // hear when the team opens or closes, or the schedule changes in any process.
  hours::BusinessHours business_hours(config.database_url, [&roster] { roster.publish(true); });
  hub.set_hours(&business_hours);
  business_hours.start();
  // Several processes may share the database: events reach every process's sockets through
  // the event log (EventFeed), ephemeral signals through NOTIFY (Cluster).
  chat::Cluster cluster(pool, hub, roster, route_again);
  chat::EventFeed feed(config.database_url, hub, cluster, origins);
  // Which visitors are chatting live on this process, for the others' email decisions.
  chat::VisitorPresenceSync visitor_presence(pool, hub, cluster.process_id());
  hub.set_visitor_listener([&visitor_presence](std::int64_t visitor_id) { visitor_presence.changed(visitor_id); });
  // Offline mode: emails are enqueued in the message's own transaction and sent by the worker,
  // which starts once the public origin (for links in emails) is known.
  mail::OutboxWorker mailer(config);
  mail::EnqueueSettings email_settings{mail::support_address(config), config.email_batch_seconds};
  PresenceGrace presence_grace(std::chrono::seconds(config.presence_grace_seconds));
  // The FAQ bot's answers come from an AnswerSource (help/answer_source.hpp). This is the seam
  // for another provider (e.g. an LLM endpoint): construct it here instead; nothing else changes.
  // The same ArticleSearch serves GET /api/help/search (HelpServices below).
  help::ArticleSearch article_search(config.text_search_config);
  bot::Bot bot(pool, article_search, feed,
               {config.bot, config.bot_threshold >= 0 ? config.bot_threshold : help::kDefaultBotThreshold},
               // Handed to the team: assignable now. Pulled inside the bot's transaction, which holds
               // the event-order lock: the assignment waits for its commit and then sees it.
               [handoff = bot_handoff(hub, email_settings, presence_grace), route_again](
                   store::DbConn& conn, pqxx::transaction_base& txn, const std::vector<conversation::HandedOff>& handed) {
                 route_again();
                 return handoff(conn, txn, handed);
               },
               [&mailer] { mailer.wake(); });
  chat::MessageWriter writer(config.database_url, kWriterLimits, feed, origins,
                             {offline_email_hook(visitor_presence, email_settings, presence_grace), [&mailer] { mailer.wake(); },
                              [&bot, route_again](std::int64_t conversation_id) {
                                bot.first_message(conversation_id);
                                route_again();  // the visitor's first message: assignable (unless the bot holds it)
                              }});
  // CSAT surveys are made by resolves (conversations), their emails need the public origin
  // (ctx), known once the server is bound — before any request, so the hook reads it late.
  api::ApiContext* api_context = nullptr;
  // Every committed change may free capacity or bring a conversation back to the team.
  conversation::Conversations conversations(feed, config.bot,
                                            {csat_email_hook(visitor_presence, api_context), [&mailer] { mailer.wake(); }},
                                            [route_again](conversation::Action) { route_again(); });
  routing::Router assigner(config.database_url, routing_wakeup, feed, conversations);
  conversation::ReadPositions reads(feed);  // read receipts: also through the event log
  notes::Notes notes(feed);                  // private notes: their events reach agent sockets only
  conversation::Labels labels(feed);        // labels: their changes are events too
  auto chat = std::make_shared<chat::ChatService>(pool, writer, hub, cluster, roster, conversations, reads);
  feed.start();
  cluster.start();
  visitor_presence.start();
  bot.start_sweeping();
  SlidingWindowLimit identify_by_address(kIdentifiesPerMinute, std::chrono::minutes(1));
  api::ApiContext ctx{config, pool, chat, conversations, roster, identify_by_address, {}, {}, &bot, &assigner,
                      &routing_wakeup};
  api_context = &ctx;
  Housekeeping housekeeping(pool, hub, kHousekeepingInterval);
  context::ContextService product_context(context_settings(config));
  help::ArticleStore articles(config.text_search_config);
  help::PageCache help_pages;
  // Recent search answers (docs/HELP_CENTER.md "Answer cache"), kept PARLEY_HELP_SEARCH_CACHE
  // seconds at most (0 turns it off).
  help::AnswerCache help_answers({std::chrono::seconds(config.help_search_cache_seconds)});
  ctx.help_answers = &help_answers;
  // Writes through other processes (NOTIFY parley_articles) forget the answers here too.
  help::AnswerCacheListener help_answers_listener(config.database_url, help_answers);
  help_answers_listener.start();
  SlidingWindowLimit search_by_address(kSearchesPerMinute, std::chrono::minutes(1));
  store::DbPool help_search_pool(
      config.database_url,
      std::clamp(std::thread::hardware_concurrency(), kHelpSearchMinThreads, kHelpSearchMaxThreads),
      kHelpSearchQueueLimit, article_search.session_setup());
  api::HelpServices help{articles, article_search, search_by_address, help_pages, help_answers, help_search_pool};
  store::DbPool search_pool(config.database_url, kSearchThreads, kSearchQueueLimit);
  search::MessageSearch message_search(config.text_search_config, kSearchTimeout);
  api::SearchServices inbox_search{message_search, search_pool};
  search::MessageVectorRebuild vector_rebuild(config.database_url);
  vector_rebuild.start();
  // Keeps the search index's pending lists short, so the message writer never flushes them.
  search::PendingListFlush pending_list_flush(config.database_url);
  pending_list_flush.start();

  http::Router router;
  api::register_health_routes(router, ctx);
  api::register_visitor_routes(router, ctx);
  api::register_auth_routes(router, ctx);
  api::register_inbox_routes(router, ctx);
  api::register_context_routes(router, ctx, product_context);
  api::register_csat_routes(router, ctx);
  api::register_help_routes(router, ctx, help);
  api::register_bot_routes(router, ctx);
  api::register_search_routes(router, ctx, inbox_search);
  api::register_notes_routes(router, ctx, notes);
  api::register_canned_reply_routes(router, ctx);
  api::register_label_routes(router, ctx, labels);
  api::register_team_routes(router, ctx);
  api::register_widget_settings_routes(router, ctx);
  api::register_routing_routes(router, ctx);
  api::register_hours_routes(router, ctx, business_hours);

  net::Server server(config, router, app::make_upgrade_handler(ctx));
  auto metrics = api::register_metrics_routes(router, ctx, server.stats(), writer, hub, feed);
  assigner.start();  // after the metrics set its hook
  std::uint16_t port = 0;
  try {
    port = server.bind();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config.listen.host, config.listen.port, e.what());
    return 1;
  }
  set_origins(ctx, config, port);
  mailer.start(ctx.public_origin, [&hub] { return hub.team_available(); });
  spdlog::info("listening on {}:{} (public origin {})", config.listen.host, port, ctx.public_origin);

  // Shutting down in order, so that no acknowledged message is lost and no committed one goes
  // unacknowledged: stop accepting; let the writer commit the batch in flight and what is
  // queued, its acks going out on sockets that are still open (what arrives meanwhile is
  // refused as overloaded, and re-sent by the client after it reconnects); then close.
  std::thread signal_thread([&server, &writer, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server.stop_accepting();
    writer.stop();
    server.stop();
  });
  signal_thread.detach();

  server.run();
  writer.stop();  // done by the signal thread already (a no-op then)
  product_context.stop();  // aborts lookups in flight while their sockets' executor still exists
  mailer.stop();  // after the writer: it may still enqueue; what is unsent waits in the outbox
  housekeeping.stop();
  vector_rebuild.stop();
  pending_list_flush.stop();
  help_answers_listener.stop();
  help_search_pool.stop();
  search_pool.stop();
  business_hours.stop();  // its notices post to the pool: stopped before the pool
  bot.stop();  // its sweep posts to the pool: stopped before the pool
  assigner.stop();  // before the feed it wakes
  cluster.stop();
  visitor_presence.stop();  // deletes this process's rows through the pool: before it stops
  feed.stop();
  pool.stop();
  spdlog::info("stopped");
  return 0;
}

int migrate(const Config& config) {
  if (config.database_url.empty()) {
    spdlog::critical("DATABASE_URL is required (or --database-url)");
    return 2;
  }
  try {
    auto report = store::migrate(config.database_url);
    spdlog::info("database at schema version {} ({} applied now)", report.latest_version, report.applied);
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("migration failed: {}", e.what());
    return 1;
  }
}

}  // namespace parley::app
