// GET /metrics: Prometheus text format, for the addresses in PARLEY_METRICS_ALLOW only.
// Counters that change on the hot path are atomics fed by hooks (ServerStats::on_response,
// WriterStats::on_batch); everything else — queue depths, connection counts, the email
// outbox, the process — is read when scraped.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <shared_mutex>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include "parley/api/api.hpp"
#include "parley/bot/bot.hpp"
#include "parley/chat/event_feed.hpp"
#include "parley/conversation/csat_report.hpp"
#include "parley/core/error.hpp"
#include "parley/help/answer_cache.hpp"
#include "parley/metrics/registry.hpp"
#include "parley/net/address_set.hpp"
#include "parley/mail/outbox.hpp"
#include "parley/net/server.hpp"
#include "parley/routing/router.hpp"
#include "parley/routing/settings.hpp"

namespace parley::api {
namespace {

using metrics::Registry;

// The values of the email_status enum (migrations/0002_email_outbox.sql, 0008), always exported.
constexpr const char* kOutboxStatuses[] = {"pending", "sending", "sent", "failed", "held", "logged", "skipped"};

std::string bounded_status(const std::string& s) {
  if (s.empty() || s.size() > 32) return "other";
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return "other";
  }
  return s;
}

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double open_fds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n > 0 ? n - 1 : 0;  // less the descriptor the iteration itself holds
}

double max_fds() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<double>(lim.rlim_cur);
}

double cpu_seconds() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

struct PairHash {
  std::size_t operator()(const std::pair<const char*, int>& k) const noexcept {
    return std::hash<const void*>()(k.first) * 31 + static_cast<std::size_t>(k.second);
  }
};

struct MetricsState {
  explicit MetricsState(const Config& config) {
    std::vector<std::string> invalid;
    allow = net::AddressSet(config.metrics_allow, &invalid);
    for (const auto& e : invalid) spdlog::warn("PARLEY_METRICS_ALLOW: ignoring '{}' (not an address or CIDR network)", e);
  }

  // Counting a response must not allocate or take an exclusive lock once warm: route labels
  // are string_views into the router's patterns (or literals), stable for the process, so
  // (pointer, status) identifies the child.
  void count_response(std::string_view route, int status) {
    std::pair<const char*, int> key{route.data(), status};
    {
      std::shared_lock lock(cache_mutex);
      auto it = cache.find(key);
      if (it != cache.end()) return it->second->inc();
    }
    metrics::Counter& c = http_requests->with({std::string(route), std::to_string(status)});
    {
      std::unique_lock lock(cache_mutex);
      cache.emplace(key, &c);
    }
    c.inc();
  }

  Registry registry;
  net::AddressSet allow;
  metrics::Family<metrics::Counter>* http_requests = nullptr;
  metrics::Histogram* batch_size = nullptr;
  metrics::Histogram* commit_seconds = nullptr;
  metrics::Family<metrics::Gauge>* outbox = nullptr;
  metrics::Gauge* database_up = nullptr;
  metrics::Gauge* csat_asked = nullptr;
  metrics::Family<metrics::Gauge>* csat_ratings = nullptr;
  metrics::Gauge* csat_score = nullptr;
  metrics::Gauge* routing_queue = nullptr;
  metrics::Gauge* routing_oldest = nullptr;
  metrics::Histogram* time_to_assignment = nullptr;
  std::shared_mutex cache_mutex;
  std::unordered_map<std::pair<const char*, int>, metrics::Counter*, PairHash> cache;
};

}  // namespace

std::shared_ptr<void> register_metrics_routes(http::Router& router, ApiContext& ctx, net::ServerStats& server,
                                              chat::MessageWriter& writer, const chat::Hub& hub,
                                              const chat::EventFeed& feed) {
  auto state = std::make_shared<MetricsState>(ctx.config);
  auto& r = state->registry;
  auto* stats = &server;
  auto* w = &writer;
  auto* h = &hub;
  store::DbPool* pool = &ctx.pool;
  using Type = Registry::Type;

  r.gauge("parley_build_info", "Always 1; the version label says which Parley is running.", {"version"})
      .with({PARLEY_VERSION})
      .set(1);

  r.callback("parley_connections", "Open connections: HTTP keep-alive, and WebSockets by role.", Type::gauge,
             {"kind"}, [stats, h] {
               double ws = static_cast<double>(stats->ws_connections.load());
               double visitors = static_cast<double>(h->visitor_links());
               double agents = static_cast<double>(h->agent_links());
               return std::vector<Registry::Sample>{
                   {{"http"}, static_cast<double>(stats->http_connections.load())},
                   {{"visitor"}, visitors},
                   {{"agent"}, agents},
                   {{"unauthenticated"}, std::max(0.0, ws - visitors - agents)},
               };
             });

  state->http_requests = &r.counter("parley_http_requests_total",
                                    "HTTP responses by route pattern (\"static\" for assets, \"unmatched\" otherwise) "
                                    "and status; accepted WebSocket upgrades count as 101 on /ws.",
                                    {"route", "status"});

  r.callback("parley_websocket_closes_total", "WebSockets ended, by reason.", Type::counter, {"reason"}, [stats] {
    std::vector<Registry::Sample> out;
    for (std::size_t i = 0; i < net::kWsCloseReasons; ++i) {
      out.push_back({{net::to_string(static_cast<net::WsCloseReason>(i))}, static_cast<double>(stats->ws_closes[i].load())});
    }
    return out;
  });

  r.callback("parley_websocket_server_closes_total",
             "WebSockets the server closed, by reason (a subset of parley_websocket_closes_total).", Type::counter,
             {"reason"}, [stats] {
               std::vector<Registry::Sample> out;
               for (std::size_t i = 0; i < link::kServerCloseReasons; ++i) {
                 out.push_back({{std::string(link::kServerCloseLabels[i])}, static_cast<double>(stats->ws_server_closes[i].load())});
               }
               return out;
             });
  const auto* auth = &ctx.chat->visitor_auth_stats();
  r.callback("parley_visitor_auth_total", "Visitor sockets' auth frames looked up.", Type::counter,
             [auth] { return static_cast<double>(auth->lookups.load()); });
  r.callback("parley_visitor_auth_batches_total",
             "Lookups of visitor auth frames: each is one statement for every auth that arrived meanwhile.",
             Type::counter, [auth] { return static_cast<double>(auth->batches.load()); });

  r.callback("parley_messages_stored_total", "Chat messages committed to PostgreSQL (re-sends not counted).",
             Type::counter, [w] { return static_cast<double>(w->stats().messages_stored.load()); });
  r.callback("parley_message_writer_queue_depth", "Messages waiting for the group-commit writer.", Type::gauge,
             [w] { return static_cast<double>(w->queue_depth()); });
  r.callback("parley_message_writer_rejected_total", "Messages refused (503) because the writer's queue was full or its oldest message too old.",
             Type::counter, [w] { return static_cast<double>(w->stats().rejected.load()); });
  r.callback("parley_message_writer_failed_batches_total", "Group-commit batches whose transaction failed.",
             Type::counter, [w] { return static_cast<double>(w->stats().failed_batches.load()); });
  state->batch_size = &r.histogram("parley_commit_batch_size", "Messages per group-commit transaction.",
                                   {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000})
                           .get();
  state->commit_seconds = &r.histogram("parley_commit_duration_seconds",
                                       "Time to write and commit one group-commit batch.", metrics::latency_buckets())
                               .get();

  const chat::EventFeed* f = &feed;
  r.callback("parley_events_delivered_total",
             "Events (messages, conversation changes) read from the event log and handed to this process's sockets.",
             Type::counter, [f] { return static_cast<double>(f->delivered()); });
  r.callback("parley_event_feed_reconnects_total", "Times the event feed lost its PostgreSQL connection and reconnected.",
             Type::counter, [f] { return static_cast<double>(f->reconnects()); });
  r.callback("parley_db_queue_depth", "Database jobs waiting for a connection of the pool.", Type::gauge,
             [pool] { return static_cast<double>(pool->queue_depth()); });
  r.callback("parley_db_rejected_total", "Database jobs refused because the pool's queue was full (503).",
             Type::counter, [pool] { return static_cast<double>(pool->rejected()); });
  state->database_up = &r.gauge("parley_database_up", "1 when this scrape's database query succeeded, else 0.").get();
  state->outbox = &r.gauge("parley_email_outbox_messages",
                           "Emails in the outbox by status (read from PostgreSQL at scrape time; 0 before the "
                           "outbox table exists).",
                           {"status"});
  for (const char* s : kOutboxStatuses) state->outbox->with({s});
  // CSAT (docs/CSAT.md): read from PostgreSQL at scrape time, so every process agrees.
  state->csat_asked =
      &r.gauge("parley_csat_surveys_asked", "CSAT surveys asked (one per resolution cycle with an agent reply).").get();
  state->csat_ratings = &r.gauge("parley_csat_ratings", "Answered CSAT surveys by rating (1 to 5).", {"rating"});
  for (const char* n : {"1", "2", "3", "4", "5"}) state->csat_ratings->with({n});
  state->csat_score = &r.gauge("parley_csat_score_30d",
                               "Share of 4s and 5s among the CSAT ratings of the last 30 days (0 when there are none).")
                          .get();

  if (const bot::Bot* b = ctx.bot) {
    const auto* c = &b->counters();
    r.callback("parley_bot_answers_total", "First messages the FAQ bot answered with articles.", Type::counter,
               [c] { return static_cast<double>(c->answered.load()); });
    r.callback("parley_bot_no_answer_total", "First messages with no confident article: the team got them at once.",
               Type::counter, [c] { return static_cast<double>(c->quiet.load()); });
    r.callback("parley_bot_resolved_total", "Conversations resolved by the bot (\"That answered my question\").",
               Type::counter, [c] { return static_cast<double>(c->resolved.load()); });
    r.callback("parley_bot_handed_total", "Conversations handed to people after the bot's answer.", Type::counter,
               [c] { return static_cast<double>(c->handed.load()); });
    r.callback("parley_bot_failures_total", "Bot looks or sweeps that failed (retried by the sweep).", Type::counter,
               [c] { return static_cast<double>(c->failed.load()); });
  }

  // Automatic assignment (docs/OPERATIONS.md "Routing"): the queue is read from PostgreSQL at
  // scrape time (every process agrees); assignments are counted by the process that made them.
  if (const help::AnswerCache* cache = ctx.help_answers) {
    const auto* c = &cache->counters();
    r.callback("parley_help_search_cache_hits_total", "Help-center searches answered from the answer cache.",
               Type::counter, [c] { return static_cast<double>(c->hits.load()); });
    r.callback("parley_help_search_cache_misses_total", "Help-center searches that ran in PostgreSQL (cache on).",
               Type::counter, [c] { return static_cast<double>(c->misses.load()); });
    r.callback("parley_help_search_cache_entries", "Answers kept in the help search's answer cache.", Type::gauge,
               [cache] { return static_cast<double>(cache->entries()); });
    r.callback("parley_help_search_cache_bytes", "Bytes (roughly) of the answers kept.", Type::gauge,
               [cache] { return static_cast<double>(cache->bytes()); });
  }
  state->routing_queue = &r.gauge("parley_routing_queue_length",
                                  "Conversations waiting for a person: open, unassigned, not held by the bot.")
                              .get();
  state->routing_oldest =
      &r.gauge("parley_routing_queue_oldest_seconds", "How long the oldest queued conversation has waited.").get();
  if (routing::Router* assigner = ctx.router) {
    auto* rs = &assigner->stats();
    r.callback("parley_routing_assignments_total", "Conversations assigned automatically by this process.",
               Type::counter, [rs] { return static_cast<double>(rs->assigned.load()); });
    r.callback("parley_routing_released_total",
               "Conversations given back to the queue because their agent was away too long (this process).",
               Type::counter, [rs] { return static_cast<double>(rs->released.load()); });
    r.callback("parley_routing_failures_total", "Assignment runs that failed and were retried.", Type::counter,
               [rs] { return static_cast<double>(rs->failures.load()); });
    state->time_to_assignment = &r.histogram("parley_routing_time_to_assignment_seconds",
                                             "From waiting for a person to the automatic assignment.",
                                             {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600})
                                     .get();
    rs->on_assigned = [state](double seconds) { state->time_to_assignment->observe(seconds); };
  }

  auto started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  r.callback("process_start_time_seconds", "Start time of the process since the Unix epoch.", Type::gauge,
             [started] { return started; });
  r.callback("process_cpu_seconds_total", "User and system CPU time spent.", Type::counter, cpu_seconds);
  r.callback("process_resident_memory_bytes", "Resident memory (RSS, from /proc/self/statm).", Type::gauge,
             resident_bytes);
  r.callback("process_open_fds", "Open file descriptors (sockets included).", Type::gauge, open_fds);
  r.callback("process_max_fds", "The open file limit.", Type::gauge, max_fds);

  // Hooks hold the state, so it outlives whoever calls them.
  server.on_response = [state](std::string_view route, int status) { state->count_response(route, status); };
  writer.stats().on_batch = [state](std::size_t size, double seconds) {
    state->batch_size->observe(static_cast<double>(size));
    state->commit_seconds->observe(seconds);
  };

  router.add("GET", "/metrics", [state, pool](const http::Request& request, http::Responder respond) {
    if (!state->allow.contains(request.remote_address)) {
      return respond(http::Response::error(ApiError::forbidden("Metrics are not available from this address")));
    }
    struct Counts {
      mail::OutboxCounts first;
      conversation::CsatCounts second;
      routing::QueueStats queue;
    };
    pool->run<Counts>(
        [](store::DbConn& conn) {
          return Counts{mail::outbox_counts(conn), conversation::csat_counts(conn), routing::queue_stats(conn)};
        },
        [state, respond](Outcome<Counts> result) {
          state->database_up->set(result.ok() ? 1 : 0);
          if (result.ok()) {
            std::map<std::string, double> by_status;
            for (const char* s : kOutboxStatuses) by_status[s] = 0;
            for (const auto& [status, n] : result.value().first.counts) {
              by_status[bounded_status(status)] += static_cast<double>(n);
            }
            for (const auto& [status, n] : by_status) state->outbox->with({status}).set(n);
            const auto& csat = result.value().second;
            state->csat_asked->set(static_cast<double>(csat.asked));
            for (std::size_t i = 0; i < csat.ratings.size(); ++i) {
              state->csat_ratings->with({std::to_string(i + 1)}).set(static_cast<double>(csat.ratings[i]));
            }
            state->routing_queue->set(static_cast<double>(result.value().queue.length));
            state->routing_oldest->set(result.value().queue.oldest_waiting_seconds);
            state->csat_score->set(
                csat.rated_30d ? static_cast<double>(csat.good_30d) / static_cast<double>(csat.rated_30d) : 0);
          }
          http::Response res;
          res.status = 200;
          res.content_type = "text/plain; version=0.0.4; charset=utf-8";
          res.headers.emplace_back("Cache-Control", "no-store");
          res.body = state->registry.render();
          respond(std::move(res));
        });
  });
  return state;
}

}  // namespace parley::api
