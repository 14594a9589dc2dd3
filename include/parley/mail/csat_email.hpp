#pragma once
// The CSAT survey email (docs/CSAT.md): enqueued in the resolve's transaction when the visitor
// is not connected and their address is known, already rendered — its link carries a token
// that exists nowhere else (the survey keeps only its SHA-256), so the worker sends the stored
// body as it is and never writes it to the log.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "parley/mail/templates.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::mail {

// `survey_url`: {public origin}/csat/{token}. Returns false when the visitor has no address.
bool enqueue_csat_email(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t survey_id,
                        std::int64_t conversation_id, const std::string& survey_url);

// Subject, HTML and text of the survey email; `visitor_name` may be empty.
RenderedEmail render_csat_email(const std::string& visitor_name, const std::string& survey_url);

}  // namespace parley::mail
