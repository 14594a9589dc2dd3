#include "parley/mail/agent_link_email.hpp"

namespace parley::mail {
namespace {

const store::Statement kInsert{"agent_link_email_insert", R"SQL(
INSERT INTO email_outbox (kind, to_address, agent_link_id, subject, html, text_body)
VALUES ($1::email_kind, $2, $3, $4, $5, $6)
ON CONFLICT (agent_link_id) WHERE agent_link_id IS NOT NULL DO NOTHING)SQL"};

}  // namespace

RenderedEmail render_agent_link_email(const AgentLinkEmail& e) {
  RenderedEmail out;
  std::string hello = e.agent_name.empty() ? "Hello," : "Hello " + e.agent_name + ",";
  std::string by = e.invited_by.empty() ? "An administrator" : e.invited_by;
  std::string what = e.invite ? by + " invited you to answer chats in the Parley inbox. Choose a password to sign in."
                              : by + " asked for your Parley password to be reset. Choose a new password to sign in.";
  std::string button = e.invite ? "Accept the invitation" : "Choose a new password";
  std::string validity = "The link works once and expires in " + std::to_string(e.valid_hours) +
                         " hours. If you did not expect this email, ignore it.";
  out.subject = e.invite ? "You are invited to the Parley inbox" : "Reset your Parley password";
  out.html =
      "<!doctype html><html><head><meta charset=\"utf-8\"></head>"
      "<body style=\"margin:0;padding:24px;background:#f5f6f8;font:15px/1.5 -apple-system,Segoe "
      "UI,Roboto,sans-serif;color:#1f2328\">"
      "<div style=\"max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px\"><p>" +
      html_escape(hello) + "</p><p>" + html_escape(what) + "</p><p><a href=\"" + html_escape(e.link) +
      "\" style=\"display:inline-block;padding:10px 16px;background:#2f6feb;color:#fff;border-radius:6px;"
      "text-decoration:none\">" +
      button + "</a></p><p style=\"color:#656d76;font-size:13px\">" + html_escape(validity) +
      "</p></div></body></html>";
  out.text = hello + "\n\n" + what + "\n\n" + button + ": " + e.link + "\n\n" + validity + "\n";
  return out;
}

void enqueue_agent_link_email(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t agent_link_id,
                              const std::string& to, const AgentLinkEmail& email) {
  RenderedEmail r = render_agent_link_email(email);
  std::string kind = email.invite ? "agent_invite" : "agent_reset";
  conn.exec(txn, kInsert, kind, to, agent_link_id, r.subject, r.html, r.text);
}

}  // namespace parley::mail
