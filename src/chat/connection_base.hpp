#pragma once
// What visitor and agent connections share: replying on their socket and running
// database work whose result comes back on the socket's strand.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "parley/chat/chat_service.hpp"
#include "parley/chat/read_coalescer.hpp"
#include "parley/conversation/read_positions.hpp"
#include "parley/core/token_bucket.hpp"

namespace parley::chat {

class ConnectionBase : public FrameHandler, public std::enable_shared_from_this<ConnectionBase> {
 public:
  // `parts` belongs to `service`, which this connection keeps alive.
  ConnectionBase(std::shared_ptr<ChatService> service, const ChatService::ConnectionParts& parts)
      : service_(std::move(service)), parts_(parts) {}

  void on_open(std::weak_ptr<ClientLink> link) override { link_ = std::move(link); }

  // Messages a socket may send: far above any person's typing (and the offline queue's
  // replay), low enough that one client cannot flood the writer. Over it: a `rate_limited`
  // error for that message, which clients re-send later with the same client id.
  static constexpr double kMessagesPerSecond = 50;
  static constexpr double kMessageBurst = 200;
  void check_message_rate(const std::string& client_id) {
    if (!message_rate_.take()) {
      ApiError refused(429, "rate_limited", "Too many messages; slow down and re-send");
      note_refused(client_id, refused);
      throw refused;
    }
  }

  // A socket's messages are stored in the order it sent them. Once one is refused for a
  // passing reason (rate limited, overloaded), the ones after it are refused the same way
  // until it is sent again — else a later message could be stored before it. A client that
  // gave it up is not held back for longer than kOrderHold.
  static constexpr auto kOrderHold = std::chrono::seconds(30);
  // The error to refuse `client_id` with, to keep the order; none when it may be submitted.
  std::optional<ApiError> out_of_order(const std::string& client_id) {
    if (!refused_) return std::nullopt;
    if (refused_->client_id == client_id || std::chrono::steady_clock::now() - refused_->at > kOrderHold) {
      refused_.reset();
      return std::nullopt;
    }
    return refused_->error;
  }
  void note_refused(const std::string& client_id, const ApiError& error) {
    if (!refused_) refused_ = std::make_unique<Refusal>(Refusal{client_id, error, std::chrono::steady_clock::now()});
  }

  // Read receipts: writes per socket (reads that move a position); a client sends one when
  // new messages are shown or the window comes back, far below this. Over it: `rate_limited`.
  static constexpr double kReadsPerSecond = 5;
  static constexpr double kReadBurst = 20;

  void on_frame(std::string_view text) override {
    nlohmann::json frame = nlohmann::json::parse(text, nullptr, false);
    if (frame.is_discarded() || !frame.is_object() || !frame.contains("type") || !frame["type"].is_string()) {
      return reply_error(ApiError(400, "bad_json", "Each frame must be a JSON object with a string \"type\""));
    }
    dispatch(frame);
  }

 protected:
  // Handles one parsed frame; its errors are answered on the socket.
  void dispatch(const nlohmann::json& frame) {
    try {
      handle(frame["type"].get<std::string>(), frame);
    } catch (const ApiError& e) {
      reply_error(e, frame.value("clientId", nlohmann::json()));
    } catch (const std::exception& e) {
      spdlog::error("frame handling failed: {}", e.what());
      reply_error(ApiError::internal());
    }
  }

  virtual void handle(const std::string& type, const nlohmann::json& frame) = 0;

  void reply(const nlohmann::json& frame) { send_raw(make_frame(dump(frame))); }
  void send_raw(const Frame& frame) {
    if (auto link = link_.lock()) link->send(frame);
  }
  void reply_error(const ApiError& e, const nlohmann::json& client_id = nullptr) {
    nlohmann::json f = {{"type", "error"}, {"code", e.code()}, {"message", e.what()}};
    if (client_id.is_string()) f["clientId"] = client_id;
    reply(f);
  }
  void close(int code, const std::string& reason) {
    if (auto link = link_.lock()) link->close(code, reason);
  }

  // Runs `work` on a database thread and `then` on this socket's strand, unless the
  // socket is gone by then.
  template <class T>
  void with_db(std::function<T(store::DbConn&)> work, std::function<void(Outcome<T>)> then) {
    std::weak_ptr<ConnectionBase> weak = shared_from_this();
    std::weak_ptr<ClientLink> link = link_;
    parts_.pool.run<T>(std::move(work), [weak, link, then = std::move(then)](Outcome<T> result) mutable {
      auto l = link.lock();
      if (!l) return;
      l->post([weak, then = std::move(then), result = std::move(result)]() mutable {
        if (weak.lock()) then(std::move(result));
      });
    });
  }

  // The `then` of a with_db whose result is a ready-made frame: sends it, or the error.
  std::function<void(Outcome<std::string>)> send_frame_or_error() {
    return [this](Outcome<std::string> r) {
      if (!r.ok()) return reply_error(r.error());
      send_raw(make_frame(std::move(r.value())));
    };
  }

  // `{"type":"read","conversationId":C,"upTo":M}` from `reader`: moves their position in C
  // (through the event log, so every process's agents hear of it), coalesced per socket.
  void read(const nlohmann::json& frame, const conversation::Reader& reader) {
    std::int64_t conversation_id = positive_id(frame, "conversationId");
    std::int64_t up_to = positive_id(frame, "upTo");
    if (!reads_) reads_ = std::make_unique<Reads>();  // most sockets never read: no memory until then
    switch (reads_->coalescer.offer(conversation_id, up_to)) {
      case ReadCoalescer::Verdict::Ignored:
      case ReadCoalescer::Verdict::Held: return;
      case ReadCoalescer::Verdict::Refused: throw ApiError(429, "rate_limited", "Too many reads waiting; send the latest later");
      case ReadCoalescer::Verdict::Write: break;
    }
    if (!reads_->rate.take()) {
      reads_->coalescer.finished(conversation_id, 0);  // nothing else is held while none is in flight
      throw ApiError(429, "rate_limited", "Too many reads; send the latest later");
    }
    write_read(reader, {conversation_id, up_to});
  }

  static std::int64_t positive_id(const nlohmann::json& frame, const char* field) {
    if (!frame.contains(field) || !frame[field].is_number_integer() || frame[field].get<std::int64_t>() <= 0) {
      throw ApiError::invalid_field(std::string(field) + " must be a positive integer");
    }
    return frame[field].get<std::int64_t>();
  }

  static std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::shared_ptr<ChatService> service_;
  const ChatService::ConnectionParts& parts_;  // one pointer: an idle socket's memory counts
  std::weak_ptr<ClientLink> link_;
  TokenBucket message_rate_{kMessagesPerSecond, kMessageBurst};

 private:
  void write_read(const conversation::Reader& reader, ReadCoalescer::Read pending) {
    auto& positions = parts_.reads;
    with_db<conversation::ReadMark>(
        [&positions, reader, pending](store::DbConn& conn) {
          return positions.mark(conn, reader, pending.conversation_id, pending.up_to);
        },
        [this, reader, pending](Outcome<conversation::ReadMark> r) {
          if (!r.ok()) reply_error(r.error());
          auto next = reads_->coalescer.finished(pending.conversation_id, r.ok() ? r.value().position : 0);
          while (next && !reads_->rate.take()) next = reads_->coalescer.finished(next->conversation_id, 0);  // dropped
          if (next) write_read(reader, *next);
        });
  }

  struct Reads {
    ReadCoalescer coalescer;
    TokenBucket rate{kReadsPerSecond, kReadBurst};
  };
  std::unique_ptr<Reads> reads_;

  struct Refusal {
    std::string client_id;
    ApiError error;
    std::chrono::steady_clock::time_point at;
  };
  std::unique_ptr<Refusal> refused_;  // the first message refused since the last in-order send
};

// {"type":"messages",…}: one page of a cursor read.
inline std::string messages_frame(std::int64_t conversation_id, const conversation::MessagePage& page) {
  std::string out = R"({"type":"messages","conversationId":)" + std::to_string(conversation_id) + R"(,"messages":[)";
  for (std::size_t i = 0; i < page.message_docs.size(); ++i) {
    if (i) out += ",";
    out += page.message_docs[i];
  }
  out += "],\"more\":";
  out += page.more ? "true" : "false";
  if (page.joined_json) out += ",\"joined\":" + *page.joined_json;
  return out + "}";
}

// {"type":"ack","clientId":…,"message":<doc>}: the sender's confirmation, after commit.
inline Frame ack_frame(const std::string& client_id, const std::string& message_doc) {
  return make_frame(R"({"type":"ack","clientId":)" + nlohmann::json(client_id).dump() + R"(,"message":)" + message_doc + "}");
}

}  // namespace parley::chat
