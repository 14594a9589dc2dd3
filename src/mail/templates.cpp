#include "parley/mail/templates.hpp"

#include <stdexcept>

namespace parley::mail {
namespace {

std::string who(const EmailContext& c) {
  if (!c.visitor_name.empty()) return c.visitor_name;
  if (!c.visitor_email.empty()) return c.visitor_email;
  return "A visitor";
}

std::string sender_label(const EmailMessage& m) {
  if (m.sender == "AGENT") return m.agent_name.empty() ? "Support" : m.agent_name;
  if (m.sender == "BOT") return "Bot";
  return "Visitor";
}

// Message bodies keep their line breaks in HTML without interpreting anything else.
std::string html_body(std::string_view body) {
  std::string escaped = html_escape(body);
  std::string out;
  out.reserve(escaped.size());
  for (char c : escaped) {
    if (c == '\n')
      out += "<br>";
    else if (c != '\r')
      out += c;
  }
  return out;
}

std::string quote_text(std::string_view body) {
  std::string out = "> ";
  for (char c : body) {
    if (c == '\r') continue;
    out += c;
    if (c == '\n') out += "> ";
  }
  return out;
}

const char* kHtmlHead =
    "<!doctype html><html><head><meta charset=\"utf-8\"></head>"
    "<body style=\"margin:0;padding:24px;background:#f5f6f8;font:15px/1.5 -apple-system,Segoe "
    "UI,Roboto,sans-serif;color:#1f2328\">"
    "<div style=\"max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px\">";
const char* kHtmlFoot = "</div></body></html>";

void append_messages_html(std::string& html, const EmailContext& c) {
  for (const auto& m : c.messages) {
    html += "<div style=\"margin:12px 0;padding:10px 14px;border-left:3px solid ";
    html += m.sender == "VISITOR" ? "#8c959f" : "#2f6feb";
    html += ";background:#f6f8fa\"><div style=\"font-size:12px;color:#656d76\">" + html_escape(sender_label(m));
    if (!m.created_at.empty()) html += " · " + html_escape(m.created_at);
    html += "</div><div>" + html_body(m.body) + "</div></div>";
  }
  if (c.more_messages > 0) {
    html += "<p style=\"color:#656d76\">…and " + std::to_string(c.more_messages) + " more.</p>";
  }
}

void append_messages_text(std::string& text, const EmailContext& c) {
  for (const auto& m : c.messages) {
    text += sender_label(m);
    if (!m.created_at.empty()) text += " (" + m.created_at + ")";
    text += ":\n" + quote_text(m.body) + "\n\n";
  }
  if (c.more_messages > 0) text += "...and " + std::to_string(c.more_messages) + " more.\n\n";
}

std::string button(const std::string& href, const std::string& label) {
  return "<p><a href=\"" + html_escape(href) +
         "\" style=\"display:inline-block;background:#2f6feb;color:#fff;text-decoration:none;padding:10px "
         "16px;border-radius:6px\">" +
         html_escape(label) + "</a></p>";
}

RenderedEmail render_support(const EmailContext& c) {
  bool first = c.kind == EmailKind::support_new;
  RenderedEmail e;
  std::string name = who(c);
  e.subject = header_text((first ? "New conversation from " : "New messages from ") + name + " (#" +
                          std::to_string(c.conversation_id) + ")");
  std::string intro = first ? "wrote while nobody was available" : "wrote more while nobody was available";
  // Business hours (docs/EMAIL.md): the team knows why nobody answered.
  intro += c.out_of_hours ? " (arrived out of hours):" : ":";

  std::string& h = e.html;
  h = kHtmlHead;
  h += "<p><strong>" + html_escape(name) + "</strong> " + intro + "</p>";
  h += "<table style=\"font-size:13px;color:#656d76;border-collapse:collapse\">";
  if (!c.visitor_email.empty()) {
    h += "<tr><td style=\"padding-right:12px\">Email</td><td>" + html_escape(c.visitor_email) +
         (c.visitor_verified ? " (verified)" : " (unverified)") + "</td></tr>";
  }
  if (!c.page_url.empty())
    h += "<tr><td style=\"padding-right:12px\">Page</td><td>" + html_escape(c.page_url) + "</td></tr>";
  h += "<tr><td style=\"padding-right:12px\">Conversation</td><td>#" + std::to_string(c.conversation_id) +
       "</td></tr></table>";
  append_messages_html(h, c);
  if (!c.inbox_url.empty()) h += button(c.inbox_url, "Open in the inbox");
  h += kHtmlFoot;

  std::string& t = e.text;
  t = name + " " + intro + "\n\n";
  if (!c.visitor_email.empty())
    t += "Email: " + c.visitor_email + (c.visitor_verified ? " (verified)" : " (unverified)") + "\n";
  if (!c.page_url.empty()) t += "Page: " + c.page_url + "\n";
  t += "Conversation: #" + std::to_string(c.conversation_id) + "\n\n";
  append_messages_text(t, c);
  if (!c.inbox_url.empty()) t += "Open in the inbox: " + c.inbox_url + "\n";
  return e;
}

RenderedEmail render_visitor(const EmailContext& c) {
  bool ack = c.kind == EmailKind::visitor_ack;
  RenderedEmail e;
  std::string link = safe_link(c.page_url);
  std::string greeting = c.visitor_name.empty() ? "Hello," : "Hello " + c.visitor_name + ",";
  std::string agent;
  if (!ack) {
    for (const auto& m : c.messages) {
      if (m.sender == "AGENT" && !m.agent_name.empty()) agent = m.agent_name;
    }
  }
  e.subject = ack ? "We got your message"
                  : header_text((agent.empty() ? std::string("Support") : agent) + " replied to your message");
  std::string lead =
      ack ? "Thanks for getting in touch. Nobody from the team is available right now; we will reply to you "
            "by email as soon as we can. Here is what you wrote:"
          : "You have a reply to your conversation with us:";
  std::string& h = e.html;
  h = kHtmlHead;
  h += "<p>" + html_escape(greeting) + "</p><p>" + html_escape(lead) + "</p>";
  append_messages_html(h, c);
  if (!link.empty()) h += button(link, ack ? "Back to the chat" : "Continue the conversation");
  h += kHtmlFoot;

  std::string& t = e.text;
  t = greeting + "\n\n" + lead + "\n\n";
  append_messages_text(t, c);
  if (!link.empty()) t += (ack ? "Back to the chat: " : "Continue the conversation: ") + link + "\n";
  return e;
}

}  // namespace

const char* to_string(EmailKind kind) {
  switch (kind) {
    case EmailKind::support_new:
      return "support_new";
    case EmailKind::support_followup:
      return "support_followup";
    case EmailKind::visitor_ack:
      return "visitor_ack";
    case EmailKind::visitor_reply:
      return "visitor_reply";
    case EmailKind::visitor_csat:
      return "visitor_csat";
    case EmailKind::agent_invite:
      return "agent_invite";
    case EmailKind::agent_reset:
      return "agent_reset";
  }
  return "support_new";
}

EmailKind parse_email_kind(std::string_view text) {
  for (auto k :
       {EmailKind::support_new, EmailKind::support_followup, EmailKind::visitor_ack, EmailKind::visitor_reply,
        EmailKind::visitor_csat, EmailKind::agent_invite, EmailKind::agent_reset}) {
    if (text == to_string(k)) return k;
  }
  throw std::invalid_argument("unknown email kind: " + std::string(text));
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string safe_link(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  if (!starts("http://") && !starts("https://")) return {};
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ') return {};
  }
  return std::string(url);
}

std::string header_text(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (out.size() <= max) return out;
  std::size_t cut = max > 3 ? max - 3 : 0;
  // Never cut inside a UTF-8 sequence: back up to the start of one.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "...";
}

RenderedEmail render_email(const EmailContext& context) {
  switch (context.kind) {
    case EmailKind::support_new:
    case EmailKind::support_followup:
      return render_support(context);
    case EmailKind::visitor_ack:
    case EmailKind::visitor_reply:
      return render_visitor(context);
    case EmailKind::visitor_csat:
      // Rendered when enqueued (csat_email.hpp): its link's token is known only then.
      throw std::logic_error("the CSAT email is rendered when it is enqueued");
    case EmailKind::agent_invite:
    case EmailKind::agent_reset:
      // Rendered when enqueued (agent_link_email.hpp), for the same reason.
      throw std::logic_error("agent link emails are rendered when they are enqueued");
  }
  return render_support(context);
}

}  // namespace parley::mail
