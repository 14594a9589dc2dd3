#pragma once
// Email bodies: pure functions from what the outbox knows to subject, HTML and text.
// Everything that comes from a visitor or an agent is HTML-escaped; every email has a
// plain-text part.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mail {

enum class EmailKind { support_new, support_followup, visitor_ack, visitor_reply, visitor_csat, agent_invite, agent_reset };

// "support_new" ↔ EmailKind::support_new; parse throws std::invalid_argument on anything else.
const char* to_string(EmailKind kind);
EmailKind parse_email_kind(std::string_view text);

struct EmailMessage {
  std::string sender;  // VISITOR | AGENT | BOT
  std::string agent_name;
  std::string body;
  std::string created_at;  // ISO-8601 UTC
};

struct EmailContext {
  EmailKind kind = EmailKind::support_new;
  std::int64_t conversation_id = 0;
  std::string visitor_name;
  std::string visitor_email;
  bool visitor_verified = false;
  std::string page_url;   // where the conversation started (visitor-supplied)
  std::string inbox_url;  // {public origin}/inbox#/open/{id}, for support emails
  std::vector<EmailMessage> messages;
  std::size_t more_messages = 0;  // covered but not shown (the email shows a bounded number)
  bool out_of_hours = false;      // support emails: the visitor wrote outside business hours
};

struct RenderedEmail {
  std::string subject;
  std::string html;
  std::string text;
};

RenderedEmail render_email(const EmailContext& context);

// &, <, >, " and ' as entities: safe in element content and in quoted attributes.
std::string html_escape(std::string_view text);
// A link target for a visitor-supplied URL: only http(s) URLs, else empty (never javascript:).
std::string safe_link(std::string_view url);
// One line for a Subject header: control characters become spaces, at most `max` bytes
// (cut on a UTF-8 boundary, with an ellipsis).
std::string header_text(std::string_view text, std::size_t max = 120);

}  // namespace parley::mail
