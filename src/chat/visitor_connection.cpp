// A visitor's socket: authenticates with the visitor token in its first frame, then may
// read and write only that visitor's own conversations.
#include "connection_base.hpp"
#include "parley/auth/crypto.hpp"
#include "parley/auth/visitor_identity.hpp"
#include "parley/chat/visitor_auth_batcher.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/link/close_reasons.hpp"

namespace parley::chat {
namespace {

using conversation::ConversationRef;

// Frames a widget may send after `auth` before `ready` arrives (it need not wait): held, in
// order, and handled once the token is known. More than this is not a widget.
constexpr std::size_t kFramesBeforeReady = 32;

class VisitorConnection : public ConnectionBase {
 public:
  using ConnectionBase::ConnectionBase;

  void on_open(std::weak_ptr<ClientLink> link) override {
    ConnectionBase::on_open(link);
    if (auto l = link.lock()) parts_.hub.add_unauthenticated(l, std::chrono::steady_clock::now());
  }

  void on_close() override {
    closed_ = true;
    auto link = link_.lock();
    parts_.hub.remove_unauthenticated(link.get());
    if (visitor_id_) parts_.hub.remove_visitor(visitor_id_, link.get());
  }

 protected:
  void handle(const std::string& type, const nlohmann::json& frame) override {
    if (!visitor_id_) {
      if (authenticating_) return hold_until_ready(frame);
      if (type != "auth") return close(1008, std::string(link::kAuthenticateFirst));
      return authenticate(frame);
    }
    if (type == "send") return send(frame);
    if (type == "sync") return sync(frame);
    if (type == "typing") return typing();
    if (type == "history") return history();
    if (type == "email") return set_email(frame);
    if (type == "csat") return answer_csat(frame);
    if (type == "read") return read(frame, conversation::Reader::visitor(visitor_id_));
    if (type == "auth") throw ApiError::bad_request("Already authenticated");
    throw ApiError::bad_request("Unknown frame type");
  }

 private:
  void hold_until_ready(const nlohmann::json& frame) {
    if (!held_) held_ = std::make_unique<std::vector<nlohmann::json>>();
    if (held_->size() >= kFramesBeforeReady) return close(1008, std::string(link::kTooManyBeforeReady));
    held_->push_back(frame);
  }

  void authenticate(const nlohmann::json& frame) {
    if (!frame.contains("visitorToken") || !frame["visitorToken"].is_string()) {
      return close(1008, std::string(link::kTokenRequired));
    }
    authenticating_ = true;
    // It sent `auth`: the deadline for sockets that never do no longer applies. Were it kept
    // until `ready`, an `auth` answered late (a reconnect storm) could be closed just after
    // its `ready` by the housekeeping round that had picked it a moment before. A lookup that
    // waits too long is answered 503 by the batcher instead.
    if (auto link = link_.lock()) parts_.hub.remove_unauthenticated(link.get());
    std::weak_ptr<ConnectionBase> weak = shared_from_this();
    std::weak_ptr<ClientLink> link = link_;
    parts_.visitor_auth.submit(auth::token_digest(frame["visitorToken"].get<std::string>()),
                               [weak, link](Outcome<std::optional<VisitorAuth>> result) {
                                 auto l = link.lock();
                                 if (!l) return;
                                 l->post([weak, result = std::move(result)]() mutable {
                                   if (auto self = weak.lock()) {
                                     std::static_pointer_cast<VisitorConnection>(self)->authenticated(std::move(result));
                                   }
                                 });
                               });
  }

  void authenticated(Outcome<std::optional<VisitorAuth>> result) {
    authenticating_ = false;
    if (closed_) return;  // closed meanwhile: not a visitor's socket any more
    if (result.ok() && !result.value()) result = ApiError(401, "bad_token", "Unknown visitor token");
    if (!result.ok()) {
      held_.reset();
      reply_error(result.error());
      return close(result.error().status() == 401 ? 4401 : 1011, result.error().what());
    }
    const auto& found = *result.value();
    visitor_id_ = found.visitor.visitor_id;
    remember(found.conversation);
    if (auto link = link_.lock()) parts_.hub.add_visitor(visitor_id_, link);
    nlohmann::json ready = {{"type", "ready"},
                            {"role", "visitor"},
                            {"visitorId", visitor_id_},
                            {"teamAvailable", parts_.hub.team_available()},
                            {"email", found.visitor.email.empty() ? nlohmann::json() : nlohmann::json(found.visitor.email)},
                            {"conversation", nullptr}};
    // Only with business hours set: without them the frame is as before.
    if (auto hours = parts_.hub.hours_doc(); !hours.is_null()) ready["hours"] = std::move(hours);
    if (conversation_) {
      ready["conversation"] = {{"id", conversation_->id}, {"status", conversation_->status}, {"page", conversation_->page}};
      if (!conversation_->bot.empty()) ready["conversation"]["bot"] = conversation_->bot;
    }
    reply(ready);
    if (auto held = std::move(held_)) {
      for (const auto& f : *held) dispatch(f);
    }
  }

  void send(const nlohmann::json& frame) {
    PendingMessage m;
    m.sender = "VISITOR";
    m.client_id = validated_client_id(frame);
    m.body = validated_body(frame);
    if (auto refused = out_of_order(m.client_id)) throw *refused;
    check_message_rate(m.client_id);
    std::string page = frame.value("page", "");
    if (page.size() > 2000) page.resize(2000);
    if (conversation_) {
      submit(std::move(m), page, true);
      return;
    }
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
    std::vector<std::string> client_ids;
    for (const auto& m : waiting_) client_ids.push_back(m.client_id);
    auto& conversations = parts_.conversations;
    with_db<conversation::VisitorOpening>(
        [&conversations, visitor_id, page, client_ids](store::DbConn& conn) {
          return conversations.open_for_visitor(conn, visitor_id, page, client_ids);
        },
        [this, page](Outcome<conversation::VisitorOpening> result) {
          starting_ = false;
          auto waiting = std::move(waiting_);
          waiting_.clear();
          if (!result.ok()) {
            for (auto& m : waiting) reply_error(result.error(), m.client_id);
            return;
          }
          auto& opening = result.value();
          if (opening.conversation) remember(opening.conversation);
          bool refused = false;  // one refused: the ones after it are too, to keep their order
          bool first = opening.created;  // the first message sent into a conversation begun here
          for (auto& m : waiting) {
            if (auto it = opening.already_stored.find(m.client_id); it != opening.already_stored.end()) {
              send_raw(ack_frame(m.client_id, it->second));
            } else if (refused) {
              reply_error(ApiError::overloaded(), m.client_id);
            } else {
              m.opens_conversation = std::exchange(first, false);
              refused = !submit(std::move(m), page, false);
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
        [visitor_id](store::DbConn& conn) {
          pqxx::read_transaction txn(conn.raw());
          return conversation::open_conversation_of(conn, txn, visitor_id);
        },
        [this, then = std::move(then)](Outcome<std::optional<ConversationRef>> r) {
          if (!r.ok()) return reply_error(r.error());
          if (!conversation_ && r.value()) remember(r.value());
          then();
        });
  }

  // False when the writer refused it at once (it was told why; later ones are refused too).
  bool submit(PendingMessage m, const std::string& page, bool may_reopen) {
    m.conversation_id = conversation_->id;
    m.from_socket = link_;  // acked there: the feed does not echo it back
    auto self = std::static_pointer_cast<VisitorConnection>(shared_from_this());
    std::weak_ptr<VisitorConnection> weak = self;
    std::weak_ptr<ClientLink> link = link_;
    auto retry = std::make_shared<PendingMessage>(m);
    std::string client_id = m.client_id;
    bool accepted = service_->post_message(std::move(m), [weak, link, retry, page, may_reopen, client_id](Outcome<StoredMessage> r) {
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
    if (!accepted) note_refused(client_id, ApiError::overloaded());
    return accepted;
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
          return messages_frame(conversation_id,
                                conversation::visitor_messages_after(conn, txn, conversation_id, visitor_id, after));
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
          for (const auto& doc : conversation::visitor_history(conn, txn, visitor_id)) {
            if (!first) out += ",";
            first = false;
            out += doc;
          }
          return out + "]}";
        },
        send_frame_or_error());
  }

  void set_email(const nlohmann::json& frame) {
    if (!frame.contains("email") || !frame["email"].is_string()) throw ApiError::invalid_field("email must be a string");
    std::string email = validated_text(frame["email"].get<std::string>(), "email", TextKind::single_line);
    if (email.size() > 320 || email.find('@') == std::string::npos || email.find_first_of(" <>") != std::string::npos) {
      throw ApiError::invalid_field("email is not an email address");
    }
    std::int64_t visitor_id = visitor_id_;
    with_db<Unit>(
        [visitor_id, email](store::DbConn& conn) {
          auth::set_visitor_email(conn, visitor_id, email);
          return Unit{};
        },
        [this, email](Outcome<Unit> r) {
          if (!r.ok()) return reply_error(r.error());
          reply({{"type", "visitor"}, {"email", email}});
        });
  }

  // {"type":"csat","conversationId","rating":1..5,"comment"?}: the answer to the survey the
  // widget shows after a resolve; the `csat` event that follows confirms it to every tab.
  void answer_csat(const nlohmann::json& frame) {
    if (!frame.contains("conversationId") || !frame["conversationId"].is_number_integer()) {
      throw ApiError::invalid_field("conversationId must be a conversation's id");
    }
    if (!frame.contains("rating") || !frame["rating"].is_number_integer()) {
      throw ApiError::invalid_field("rating must be an integer from 1 to 5");
    }
    if (frame.contains("comment") && !frame["comment"].is_string() && !frame["comment"].is_null()) {
      throw ApiError::invalid_field("comment must be a string");
    }
    std::int64_t rating = frame["rating"].get<std::int64_t>();
    std::string comment =
        frame.contains("comment") && frame["comment"].is_string() ? frame["comment"].get<std::string>() : "";
    auto answer = conversation::validated_answer(rating < 1 || rating > 5 ? 0 : static_cast<int>(rating), comment);
    std::int64_t visitor_id = visitor_id_, conversation_id = frame["conversationId"].get<std::int64_t>();
    auto& conversations = parts_.conversations;
    with_db<conversation::AnswerOutcome>(
        [&conversations, visitor_id, conversation_id, answer](store::DbConn& conn) {
          return conversations.answer_csat(conn, visitor_id, conversation_id, answer);
        },
        [this](Outcome<conversation::AnswerOutcome> r) {
          if (!r.ok()) return reply_error(r.error());
          if (r.value() == conversation::AnswerOutcome::NotFound) {
            reply_error(ApiError::not_found("No survey to answer"));
          }
          if (r.value() == conversation::AnswerOutcome::Closed) {
            reply_error(ApiError(409, "csat_closed", "The survey can no longer be changed"));
          }
        });
  }

  // The open conversation, allocated only when there is one: most widget sockets are visitors
  // who never write, and an idle socket's memory counts (docs/BENCHMARKS.md: ≤ 4 KiB a socket;
  // held inline it took 112 bytes of every socket).
  void remember(const std::optional<ConversationRef>& conversation) {
    conversation_ = conversation ? std::make_unique<ConversationRef>(*conversation) : nullptr;
  }

  std::int64_t visitor_id_ = 0;
  bool authenticating_ = false;
  bool closed_ = false;    // on_close ran: a late `auth` answer must not register the socket
  bool starting_ = false;  // a conversation is being opened
  // Frames that came after `auth`, before `ready`; allocated only then (idle sockets are many).
  std::unique_ptr<std::vector<nlohmann::json>> held_;
  std::vector<PendingMessage> waiting_;  // messages waiting for the conversation being opened
  std::unique_ptr<ConversationRef> conversation_;
  std::chrono::steady_clock::time_point last_typing_{};
};

}  // namespace

std::shared_ptr<FrameHandler> ChatService::visitor_handler() {
  return std::make_shared<VisitorConnection>(shared_from_this(), parts_);
}

}  // namespace parley::chat
