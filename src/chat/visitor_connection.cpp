// A visitor's socket: authenticates with the visitor token in its first frame, then may
// read and write only that visitor's own conversations.
#include <algorithm>
#include <map>

#include "parley/auth/crypto.hpp"
#include "connection_base.hpp"
#include "parley/chat/event_log.hpp"

namespace parley::chat {
namespace {

const store::Statement kVisitorByToken{"visitor_by_token", R"SQL(
UPDATE visitor SET last_seen_at = now()
WHERE id = (SELECT visitor_id FROM visitor_token WHERE token_hash = $1) RETURNING id, email)SQL"};
const store::Statement kOpenConversation{"visitor_open_conversation",
                                         "SELECT id, status, page_url FROM conversation "
                                         "WHERE visitor_id = $1 AND status <> 'RESOLVED'"};
const store::Statement kStartConversation{"visitor_start_conversation", R"SQL(
INSERT INTO conversation (visitor_id, page_url) VALUES ($1, NULLIF($2, ''))
ON CONFLICT (visitor_id) WHERE status <> 'RESOLVED' DO NOTHING RETURNING id)SQL"};
const store::Statement kConversationDoc{"conversation_doc", "SELECT doc::text FROM conversation_doc WHERE id = $1"};
const store::Statement kMessagesAfter{"visitor_messages_after", R"SQL(
SELECT md.doc::text FROM message_doc md JOIN conversation c ON c.id = md.conversation_id
WHERE md.conversation_id = $1 AND c.visitor_id = $2 AND md.id > $3 ORDER BY md.id LIMIT 501)SQL"};
const store::Statement kHistory{"visitor_history", R"SQL(
SELECT json_build_object('id', c.id, 'status', c.status, 'createdAt', parley_time(c.created_at),
  'messages', (SELECT coalesce(json_agg(m.doc ORDER BY m.id), '[]'::json)
               FROM (SELECT * FROM message_doc WHERE conversation_id = c.id ORDER BY id DESC LIMIT 200) m))::text
FROM conversation c WHERE c.visitor_id = $1 AND c.status = 'RESOLVED'
ORDER BY c.created_at DESC LIMIT 10)SQL"};
// Messages of this visitor already stored under these client ids, in any conversation: a
// re-send whose ack was lost before the conversation was resolved is answered, not stored again.
const store::Statement kStoredByClientId{"visitor_stored_by_client_id", R"SQL(
SELECT md.doc::text, m.client_id FROM message m JOIN conversation c ON c.id = m.conversation_id
JOIN message_doc md ON md.id = m.id
WHERE c.visitor_id = $1 AND m.sender = 'VISITOR' AND m.client_id = ANY($2::text[]))SQL"};
const store::Statement kSetEmail{"visitor_set_email", "UPDATE visitor SET email = $2 WHERE id = $1"};


struct ConversationRef {
  std::int64_t id = 0;
  std::string status;
  std::string page;
};

class VisitorConnection : public ConnectionBase {
 public:
  using ConnectionBase::ConnectionBase;

  void on_open(std::weak_ptr<ClientLink> link) override {
    ConnectionBase::on_open(link);
    if (auto l = link.lock()) service_->hub().add_unauthenticated(l, std::chrono::steady_clock::now());
  }

  void on_close() override {
    auto link = link_.lock();
    service_->hub().remove_unauthenticated(link.get());
    if (visitor_id_) service_->hub().remove_visitor(visitor_id_, link.get());
  }

 protected:
  void handle(const std::string& type, const nlohmann::json& frame) override {
    if (!visitor_id_) {
      if (type != "auth") return close(1008, "authenticate first");
      return authenticate(frame);
    }
    if (type == "send") return send(frame);
    if (type == "sync") return sync(frame);
    if (type == "typing") return typing();
    if (type == "history") return history();
    if (type == "email") return set_email(frame);
    if (type == "auth") throw ApiError::bad_request("Already authenticated");
    throw ApiError::bad_request("Unknown frame type");
  }

 private:
  void authenticate(const nlohmann::json& frame) {
    if (authenticating_) return;
    if (!frame.contains("visitorToken") || !frame["visitorToken"].is_string()) {
      return close(1008, "visitorToken required");
    }
    authenticating_ = true;
    std::string digest = auth::token_digest(frame["visitorToken"].get<std::string>());
    struct Found {
      std::int64_t visitor_id = 0;
      std::string email;
      std::optional<ConversationRef> conversation;
    };
    with_db<Found>(
        [digest](store::DbConn& conn) {
          pqxx::work txn(conn.raw());
          Found found;
          auto v = conn.exec(txn, kVisitorByToken, pqxx::binarystring(digest));
          if (v.empty()) throw ApiError(401, "bad_token", "Unknown visitor token");
          found.visitor_id = v[0][0].as<std::int64_t>();
          if (!v[0][1].is_null()) found.email = v[0][1].c_str();
          auto c = conn.exec(txn, kOpenConversation, found.visitor_id);
          if (!c.empty()) found.conversation = ConversationRef{c[0][0].as<std::int64_t>(), c[0][1].c_str(), c[0][2].is_null() ? "" : c[0][2].c_str()};
          txn.commit();
          return found;
        },
        [this](Outcome<Found> result) {
          authenticating_ = false;
          if (!result.ok()) {
            reply_error(result.error());
            return close(result.error().status() == 401 ? 4401 : 1011, result.error().what());
          }
          visitor_id_ = result.value().visitor_id;
          conversation_ = result.value().conversation;
          if (auto link = link_.lock()) {
            service_->hub().remove_unauthenticated(link.get());
            service_->hub().add_visitor(visitor_id_, link);
          }
          nlohmann::json ready = {{"type", "ready"},
                                  {"role", "visitor"},
                                  {"visitorId", visitor_id_},
                                  {"teamAvailable", service_->hub().team_available()},
                                  {"email", result.value().email.empty() ? nlohmann::json() : nlohmann::json(result.value().email)},
                                  {"conversation", nullptr}};
          if (conversation_) {
            ready["conversation"] = {{"id", conversation_->id}, {"status", conversation_->status}, {"page", conversation_->page}};
          }
          reply(ready);
        });
  }

  void send(const nlohmann::json& frame) {
    check_message_rate();
    PendingMessage m;
    m.sender = "VISITOR";
    m.client_id = validated_client_id(frame);
    m.body = validated_body(frame);
    std::string page = frame.value("page", "");
    if (page.size() > 2000) page.resize(2000);
    if (conversation_) return submit(std::move(m), page, true);
    wait_for_conversation(std::move(m), page);
  }

  // Queues a message until the visitor's conversation is open, opening it if nobody is:
  // messages sent meanwhile (several quick sends, a re-send) all go into that one.
  void wait_for_conversation(PendingMessage m, const std::string& page) {
    waiting_.push_back(std::move(m));
    if (!starting_) start_conversation(page);
  }

  // Opens the visitor's one open conversation (or finds the one another tab just opened).
  void start_conversation(const std::string& page) {
    starting_ = true;
    std::int64_t visitor_id = visitor_id_;
    std::string client_ids = "{";
    for (const auto& m : waiting_) client_ids += (client_ids.size() > 1 ? "," : "") + m.client_id;
    client_ids += "}";  // client ids are [A-Za-z0-9_-]: no quoting needed in the array literal
    struct Started {
      std::optional<ConversationRef> ref;
      std::string doc;                                     // set when this call created it
      std::map<std::string, std::string> already_stored;  // client id → Message document
    };
    with_db<Started>(
        [visitor_id, page, client_ids](store::DbConn& conn) {
          pqxx::work txn(conn.raw());
          Started s;
          for (const auto& row : conn.exec(txn, kStoredByClientId, visitor_id, client_ids)) {
            s.already_stored[row[1].c_str()] = row[0].c_str();
          }
          std::size_t waiting = std::count(client_ids.begin(), client_ids.end(), ',') + 1;
          if (s.already_stored.size() >= waiting) return s;  // nothing new: open nothing
          lock_event_order(conn, txn);  // the new conversation's event precedes its first message
          auto inserted = conn.exec(txn, kStartConversation, visitor_id, page);
          auto c = conn.exec(txn, kOpenConversation, visitor_id);
          if (c.empty()) throw ApiError::conflict("Could not open a conversation; retry");
          s.ref = ConversationRef{c[0][0].as<std::int64_t>(), c[0][1].c_str(), c[0][2].is_null() ? "" : c[0][2].c_str()};
          if (!inserted.empty()) {
            s.doc = conn.exec(txn, kConversationDoc, s.ref->id)[0][0].c_str();
            append_conversation_event(conn, txn, s.doc);
            notify_events(conn, txn);
          }
          txn.commit();
          return s;
        },
        [this, page](Outcome<Started> result) {
          starting_ = false;
          auto waiting = std::move(waiting_);
          waiting_.clear();
          if (!result.ok()) {
            for (auto& m : waiting) reply_error(result.error(), m.client_id);
            return;
          }
          auto& started = result.value();
          if (started.ref) conversation_ = started.ref;
          if (!started.doc.empty()) service_->events_appended();
          for (auto& m : waiting) {
            if (auto it = started.already_stored.find(m.client_id); it != started.already_stored.end()) {
              send_raw(ack_frame(m.client_id, it->second));
            } else {
              submit(std::move(m), page, false);
            }
          }
        });
  }

  // The visitor's open conversation, looked up when this socket has not seen it yet (another
  // tab opened it, or an agent reopened one).
  void with_conversation(std::function<void()> then) {
    if (conversation_) return then();
    std::int64_t visitor_id = visitor_id_;
    with_db<std::optional<ConversationRef>>(
        [visitor_id](store::DbConn& conn) -> std::optional<ConversationRef> {
          pqxx::read_transaction txn(conn.raw());
          auto c = conn.exec(txn, kOpenConversation, visitor_id);
          if (c.empty()) return std::nullopt;
          return ConversationRef{c[0][0].as<std::int64_t>(), c[0][1].c_str(), c[0][2].is_null() ? "" : c[0][2].c_str()};
        },
        [this, then = std::move(then)](Outcome<std::optional<ConversationRef>> r) {
          if (!r.ok()) return reply_error(r.error());
          if (!conversation_ && r.value()) conversation_ = r.value();
          then();
        });
  }

  void submit(PendingMessage m, const std::string& page, bool may_reopen) {
    m.conversation_id = conversation_->id;
    m.from_socket = link_;  // acked there: the feed does not echo it back
    auto self = std::static_pointer_cast<VisitorConnection>(shared_from_this());
    std::weak_ptr<VisitorConnection> weak = self;
    std::weak_ptr<ClientLink> link = link_;
    auto retry = std::make_shared<PendingMessage>(m);
    std::string client_id = m.client_id;
    service_->post_message(std::move(m), [weak, link, retry, page, may_reopen, client_id](Outcome<StoredMessage> r) {
      auto l = link.lock();
      if (!l) return;
      if (r.ok()) return l->send(ack_frame(client_id, r.value().doc));
      l->post([weak, retry, page, may_reopen, r = std::move(r)]() mutable {
        auto self = weak.lock();
        if (!self) return;
        // Resolved under us (by an agent): start a new conversation, once.
        if (r.error().code() == "conversation_closed" && may_reopen) {
          self->conversation_.reset();
          return self->wait_for_conversation(std::move(*retry), page);
        }
        self->reply_error(r.error(), retry->client_id);
      });
    });
  }

  void sync(const nlohmann::json& frame) {
    std::int64_t after = frame.contains("after") && frame["after"].is_number_integer() ? frame["after"].get<std::int64_t>() : 0;
    with_conversation([this, after] { sync_after(after); });
  }

  void sync_after(std::int64_t after) {
    if (!conversation_) {
      return reply({{"type", "messages"}, {"conversationId", nullptr}, {"messages", nlohmann::json::array()}, {"more", false}});
    }
    std::int64_t conversation_id = conversation_->id, visitor_id = visitor_id_;
    with_db<std::string>(
        [=](store::DbConn& conn) {
          pqxx::read_transaction txn(conn.raw());
          return messages_frame(conversation_id, conn.exec(txn, kMessagesAfter, conversation_id, visitor_id, after));
        },
        send_frame_or_error());
  }

  void typing() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_typing_ < std::chrono::seconds(1)) return;  // clients send every 2 s at most
    last_typing_ = now;
    with_conversation([this] {
      if (!conversation_) return;
      nlohmann::json f = {{"type", "typing"}, {"conversationId", conversation_->id}, {"from", "visitor"}};
      service_->broadcast(f.dump(), 0, true);
    });
  }

  void history() {
    std::int64_t visitor_id = visitor_id_;
    with_db<std::string>(
        [visitor_id](store::DbConn& conn) {
          pqxx::read_transaction txn(conn.raw());
          std::string out = R"({"type":"history","conversations":[)";
          bool first = true;
          for (const auto& row : conn.exec(txn, kHistory, visitor_id)) {
            if (!first) out += ",";
            first = false;
            out += row[0].c_str();
          }
          return out + "]}";
        },
        send_frame_or_error());
  }

  void set_email(const nlohmann::json& frame) {
    std::string email = frame.value("email", "");
    if (email.size() > 320 || email.find('@') == std::string::npos || email.find_first_of(" \r\n<>") != std::string::npos) {
      throw ApiError::invalid_field("email is not an email address");
    }
    std::int64_t visitor_id = visitor_id_;
    with_db<Unit>(
        [visitor_id, email](store::DbConn& conn) {
          pqxx::work txn(conn.raw());
          conn.exec(txn, kSetEmail, visitor_id, email);
          txn.commit();
          return Unit{};
        },
        [this, email](Outcome<Unit> r) {
          if (!r.ok()) return reply_error(r.error());
          reply({{"type", "visitor"}, {"email", email}});
        });
  }

  std::int64_t visitor_id_ = 0;
  bool authenticating_ = false;
  bool starting_ = false;                // a conversation is being opened
  std::vector<PendingMessage> waiting_;  // messages waiting for it
  std::optional<ConversationRef> conversation_;
  std::chrono::steady_clock::time_point last_typing_{};
};

}  // namespace

std::shared_ptr<FrameHandler> ChatService::visitor_handler() {
  return std::make_shared<VisitorConnection>(shared_from_this());
}

}  // namespace parley::chat
