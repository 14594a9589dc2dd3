#pragma once
// The email that carries an agent's one-time link (an invitation, or a password reset set off by
// an admin; docs/EMAIL.md): enqueued in the transaction that creates the link, already rendered
// — the link's token exists nowhere else (agent_link keeps only its SHA-256), so the worker sends
// the stored body as it is and never writes it to the log.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "parley/mail/templates.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::mail {

struct AgentLinkEmail {
  bool invite = true;         // false: a password reset
  std::string agent_name;     // the addressee's display name
  std::string invited_by;     // the admin's display name (may be empty)
  std::string link;           // {public origin}/inbox/invite.html#t={token}
  int valid_hours = 48;
};

// Subject, HTML (names escaped) and text of the email.
RenderedEmail render_agent_link_email(const AgentLinkEmail& email);

// Writes the email to `to` for the link `agent_link_id` (one per link), due now.
void enqueue_agent_link_email(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t agent_link_id,
                              const std::string& to, const AgentLinkEmail& email);

}  // namespace parley::mail
