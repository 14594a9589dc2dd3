#include "parley/mail/outbox_worker.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <random>
#include <vector>

#include "parley/mail/outbox.hpp"
#include "parley/mail/resend_client.hpp"
#include "parley/mail/templates.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::mail {
namespace {

constexpr int kClaimBatch = 10;
// A claim's lease: longer than one request can take (time-outs below), so a live process
// never loses its claim; a dead one's claims are taken over once it runs out.
constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kTotalTimeout = std::chrono::seconds(10);
constexpr int kLeaseSeconds = 20;
constexpr auto kPollInterval = std::chrono::seconds(1);
// 5xx and time-outs: give up after this many attempts (about an hour of backoff).
constexpr int kMaxAttempts = 12;
constexpr std::size_t kShownMessages = 20;
const std::string kWithheld = "(body withheld: it holds a one-time link)";

// Emails whose body holds a link's token (a CSAT survey, an agent's invitation or reset).
bool holds_token(EmailKind kind) {
  return kind == EmailKind::visitor_csat || kind == EmailKind::agent_invite || kind == EmailKind::agent_reset;
}

const store::Statement kClaim{"outbox_claim", R"SQL(
UPDATE email_outbox e
SET status = 'sending', attempts = e.attempts + 1, claimed_until = now() + $1::int * interval '1 second'
WHERE e.id IN (
  SELECT id FROM email_outbox
  WHERE status IN ('pending', 'held', 'sending') AND due_at <= now()
    AND (status <> 'sending' OR claimed_until < now())
  ORDER BY due_at, id LIMIT $2::int
  FOR UPDATE SKIP LOCKED)
RETURNING e.id, e.kind::text, e.conversation_id, e.to_address, e.attempts, e.idempotency_key,
  e.subject, e.html, e.text_body, e.first_message_id, e.covers_through_message_id, e.unless_team_returns, e.out_of_hours)SQL"};

const store::Statement kRenderContext{"outbox_render_context", R"SQL(
SELECT coalesce(c.page_url, ''), coalesce(v.name, ''), coalesce(v.email, ''), v.verified
FROM conversation c JOIN visitor v ON v.id = c.visitor_id WHERE c.id = $1)SQL"};

// The messages an email covers: from its first message through `through` (0: all so far).
const store::Statement kRenderMessages{"outbox_render_messages", R"SQL(
SELECT m.id, m.sender::text, coalesce(a.name, ''), m.body,
  to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
  count(*) OVER (), max(m.id) OVER ()
FROM message m LEFT JOIN agent a ON a.id = m.agent_id
WHERE m.conversation_id = $1 AND m.id >= $2::bigint AND ($3::bigint = 0 OR m.id <= $3::bigint) AND m.sender = $4::message_sender
ORDER BY m.id)SQL"};

// How far the visitor has read the conversation in the chat (read receipts, migration 0008),
// in any process: replies they read before the email was due are left out of it.
const store::Statement kVisitorRead{"outbox_visitor_read", R"SQL(
SELECT coalesce((SELECT message_id FROM visitor_read WHERE conversation_id = $1), 0))SQL"};

// Nothing to send after all: every reply was read in the chat, or the team came back, before
// the email was due. `last_error` says which (the inbox shows it).
const store::Statement kSkip{"outbox_skip", R"SQL(
UPDATE email_outbox SET status = 'skipped', claimed_until = NULL,
  covers_through_message_id = CASE WHEN $2::bigint < 0 THEN covers_through_message_id ELSE $2::bigint END,
  last_error = $3 WHERE id = $1)SQL"};
const std::string kReadInChat = "read in the chat before it was due";
const std::string kTeamReturned = "an agent was available again before it was due";

const store::Statement kStoreRendered{"outbox_store_rendered", R"SQL(
UPDATE email_outbox SET subject = $2, html = $3, text_body = $4, covers_through_message_id = $5 WHERE id = $1)SQL"};

// Records an outcome, unless the claim was lost meanwhile (then its new owner records it).
// $3 < 0 keeps due_at.
const store::Statement kRecord{"outbox_record", R"SQL(
UPDATE email_outbox SET status = $2::email_status,
  due_at = CASE WHEN $3::bigint >= 0 THEN now() + $3::bigint * interval '1 millisecond' ELSE due_at END,
  last_error = NULLIF($4::text, ''),
  provider_id = coalesce(NULLIF($5::text, ''), provider_id),
  sent_at = CASE WHEN $2::email_status = 'sent' THEN now() ELSE sent_at END,
  claimed_until = NULL
WHERE id = $1 AND status = 'sending')SQL"};

struct Claimed {
  std::int64_t id = 0;
  EmailKind kind = EmailKind::support_new;
  std::int64_t conversation_id = 0;
  std::string to;
  int attempts = 0;
  std::string idempotency_key;
  bool out_of_hours = false;  // support emails: the visitor wrote outside business hours
  RenderedEmail email;
};

}  // namespace

struct OutboxWorker::Impl {
  std::string database_url;
  std::string from;
  std::string api_key;
  std::string public_origin;
  std::function<bool()> team_available;  // across processes (the hub hears the others)
  std::optional<ResendClient> client;
  std::mt19937_64 rng{std::random_device{}()};
  std::chrono::steady_clock::time_point quiet_until{};     // rate-limits "database unavailable" warnings
  std::chrono::steady_clock::time_point next_late_acks{};  // the late-acknowledgement sweep: once per poll interval
};

OutboxWorker::OutboxWorker(const Config& config) : impl_(std::make_unique<Impl>()) {
  impl_->database_url = config.database_url;
  impl_->from = config.mail_from;
  impl_->api_key = config.resend_api_key;
  if (config.support_email.empty()) {
    spdlog::warn("PARLEY_SUPPORT_EMAIL is not set: support emails go to {} (the PARLEY_MAIL_FROM address)",
                 support_address(config));
  }
  if (!impl_->api_key.empty()) {
    ResendSettings s;
    s.api_url = config.resend_api_url;
    s.api_key = config.resend_api_key;
    s.user_agent = std::string("parley/") + PARLEY_VERSION;
    s.connect_timeout = kConnectTimeout;
    s.total_timeout = kTotalTimeout;
    impl_->client.emplace(std::move(s));
  }
}

void OutboxWorker::start(std::string public_origin, std::function<bool()> team_available) {
  impl_->public_origin = std::move(public_origin);
  impl_->team_available = std::move(team_available);
  thread_ = std::thread([this] { thread_main(); });
}

OutboxWorker::~OutboxWorker() {
  stop();
}

void OutboxWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_one();
}

void OutboxWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.exchange(true)) return;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

namespace {

// Renders a claimed row at its first claim and stores it. False when there is nothing to send:
// a reply email whose replies the visitor has all read in the chat (marked skipped instead).
bool render(store::DbConn& conn, pqxx::work& txn, Claimed& c, std::int64_t first_message, std::int64_t through,
            const std::string& public_origin) {
  if (c.kind == EmailKind::visitor_reply) {
    // Decided now, at the batch time, against the position every process writes.
    std::int64_t read = conn.exec(txn, kVisitorRead, c.conversation_id)[0][0].as<std::int64_t>();
    if (read >= first_message) first_message = read + 1;
  }
  EmailContext ctx;
  ctx.kind = c.kind;
  ctx.conversation_id = c.conversation_id;
  ctx.out_of_hours = c.out_of_hours;
  auto r = conn.exec(txn, kRenderContext, c.conversation_id);
  if (!r.empty()) {
    ctx.page_url = r[0][0].c_str();
    ctx.visitor_name = r[0][1].c_str();
    ctx.visitor_email = r[0][2].c_str();
    ctx.visitor_verified = r[0][3].as<bool>();
  }
  bool support = c.kind == EmailKind::support_new || c.kind == EmailKind::support_followup;
  if (support) ctx.inbox_url = public_origin + "/inbox#/open/" + std::to_string(c.conversation_id);
  const char* sender = c.kind == EmailKind::visitor_reply ? "AGENT" : "VISITOR";
  std::int64_t covered = first_message;
  for (const auto& m : conn.exec(txn, kRenderMessages, c.conversation_id, first_message, through, sender)) {
    std::size_t total = m[5].as<std::size_t>();
    covered = m[6].as<std::int64_t>();
    if (ctx.messages.size() < kShownMessages) {
      ctx.messages.push_back({m[1].c_str(), m[2].c_str(), m[3].c_str(), m[4].c_str()});
    }
    ctx.more_messages = total > ctx.messages.size() ? total - ctx.messages.size() : 0;
  }
  if (ctx.messages.empty() && c.kind == EmailKind::visitor_reply) {
    conn.exec(txn, kSkip, c.id, first_message - 1, kReadInChat);
    spdlog::info("email {} not sent: the visitor read the replies in the chat (conversation {})", c.id,
                 c.conversation_id);
    return false;
  }
  c.email = render_email(ctx);
  conn.exec(txn, kStoreRendered, c.id, c.email.subject, c.email.html, c.email.text, covered);
  return true;
}

}  // namespace

void OutboxWorker::thread_main() {
  store::ConnectionSlot slot(impl_->database_url);
  Impl& im = *impl_;

  auto record = [&](const Claimed& c, const char* status, std::int64_t delay_ms, const std::string& error,
                    const std::string& provider_id) {
    auto r = slot.run<Unit>([&](store::DbConn& conn) {
      pqxx::work txn(conn.raw());
      conn.exec(txn, kRecord, c.id, std::string(status), delay_ms, error, provider_id);
      txn.commit();
      return Unit{};
    });
    // Not recorded: the lease runs out and the email is sent again under the same
    // Idempotency-Key, which Resend answers without sending twice.
    if (!r.ok()) spdlog::warn("email {}: could not record '{}': {}", c.id, status, r.error().what());
  };

  auto deliver = [&](const Claimed& c) {
    const char* kind = to_string(c.kind);
    if (!im.client) {
      // A body holding a link's token is never written to the log.
      const std::string& body = holds_token(c.kind) ? kWithheld : c.email.text;
      spdlog::info("email not sent (no RESEND_API_KEY): id={} kind={} to={} subject={}\n{}", c.id, kind, c.to,
                   c.email.subject, body);
      return record(c, "logged", -1, "", "");
    }
    OutgoingEmail out{im.from, c.to, c.email.subject, c.email.html, c.email.text, c.idempotency_key};
    HttpResult http = im.client->send(out, &stopping_);
    SendDecision d = classify_response(http);
    switch (d.verdict) {
      case Verdict::sent:
        spdlog::info("email {} sent: kind={} to={} provider id {}", c.id, kind, c.to, d.provider_id);
        return record(c, "sent", -1, "", d.provider_id);
      case Verdict::failed:
        spdlog::error("email {} failed for good: kind={} to={} conversation {}: {}", c.id, kind, c.to,
                      c.conversation_id, d.reason);
        return record(c, "failed", -1, d.reason, "");
      case Verdict::hold: {
        auto delay = d.retry_after.value_or(std::chrono::minutes(10));
        spdlog::error("email {} held for {} s (sending paused until an operator acts or it passes): {}", c.id,
                      delay.count() / 1000, d.reason);
        return record(c, "held", delay.count(), d.reason, "");
      }
      case Verdict::retry: {
        if (d.counts_as_failure && c.attempts >= kMaxAttempts) {
          std::string reason = "gave up after " + std::to_string(c.attempts) + " attempts: " + d.reason;
          spdlog::error("email {} failed: kind={} to={}: {}", c.id, kind, c.to, reason);
          return record(c, "failed", -1, reason, "");
        }
        std::chrono::milliseconds delay =
            d.retry_after ? *d.retry_after
                          : backoff_delay(c.attempts, std::uniform_real_distribution<double>(0.0, 1.0)(im.rng));
        spdlog::warn("email {} attempt {} not sent ({}); retrying in {} ms", c.id, c.attempts, d.reason, delay.count());
        return record(c, "pending", delay.count(), d.reason, "");
      }
    }
  };

  while (!stopping_) {
    auto claimed = slot.run<std::vector<Claimed>>([&](store::DbConn& conn) {
      pqxx::work txn(conn.raw());
      // At most once per poll interval: the writer wakes the worker after every batch that
      // enqueued an email, many times a second when many visitors write while nobody is online.
      auto now = std::chrono::steady_clock::now();
      if (now >= im.next_late_acks) {
        enqueue_late_acknowledgements(conn, txn);  // claimable by the statement below
        im.next_late_acks = now + kPollInterval;
      }
      std::vector<Claimed> out;
      for (const auto& row : conn.exec(txn, kClaim, kLeaseSeconds, kClaimBatch)) {
        Claimed c;
        c.id = row[0].as<std::int64_t>();
        c.kind = parse_email_kind(row[1].c_str());
        c.conversation_id = row[2].is_null() ? 0 : row[2].as<std::int64_t>();  // agent emails have none
        c.to = row[3].c_str();
        c.attempts = row[4].as<int>();
        c.idempotency_key = row[5].c_str();
        c.out_of_hours = row[12].as<bool>();
        if (row[6].is_null() && row[11].as<bool>() && im.team_available && im.team_available()) {
          // Written in the grace after a start while nobody was back yet; somebody is now.
          conn.exec(txn, kSkip, c.id, std::int64_t{-1}, kTeamReturned);  // -1: covers what it did
          spdlog::info("email {} not sent: an agent is available again (conversation {})", c.id, c.conversation_id);
          continue;
        }
        if (row[6].is_null()) {
          // First claim: render now, once; every retry sends these same bytes.
          if (!render(conn, txn, c, row[9].is_null() ? 0 : row[9].as<std::int64_t>(), row[10].is_null() ? 0 : row[10].as<std::int64_t>(),
                      im.public_origin)) {
            continue;  // skipped: the visitor read it all
          }
        } else {
          c.email = {row[6].c_str(), row[7].c_str(), row[8].c_str()};
        }
        out.push_back(std::move(c));
      }
      txn.commit();
      return out;
    });
    std::size_t handled = 0;
    if (claimed.ok()) {
      for (const auto& c : claimed.value()) {
        if (stopping_) {
          record(c, "pending", 0, "", "");  // give it back for whoever runs next
          continue;
        }
        deliver(c);
        ++handled;
      }
    } else if (std::chrono::steady_clock::now() >= im.quiet_until) {
      spdlog::warn("email outbox: cannot claim: {}", claimed.error().what());
      im.quiet_until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    }
    if (handled == static_cast<std::size_t>(kClaimBatch)) continue;  // more may be due
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kPollInterval, [&] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

}  // namespace parley::mail
