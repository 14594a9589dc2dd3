#include "parley/mail/csat_email.hpp"

namespace parley::mail {
namespace {

const store::Statement kVisitor{"csat_email_visitor", R"SQL(
SELECT coalesce(v.email, ''), coalesce(v.name, ''),
       coalesce((SELECT max(m.id) FROM message m WHERE m.conversation_id = c.id), 0)
FROM conversation c JOIN visitor v ON v.id = c.visitor_id WHERE c.id = $1)SQL"};

// Due now; one per survey (email_outbox_csat_once).
const store::Statement kInsert{"csat_email_insert", R"SQL(
INSERT INTO email_outbox (kind, conversation_id, to_address, first_message_id, covers_through_message_id,
                          csat_survey_id, subject, html, text_body)
VALUES ('visitor_csat', $1, $2, $3, $3, $4, $5, $6, $7)
ON CONFLICT (csat_survey_id) WHERE csat_survey_id IS NOT NULL DO NOTHING RETURNING id)SQL"};

const char* kFaces[] = {"\xF0\x9F\x98\xA0", "\xF0\x9F\x98\x9F", "\xF0\x9F\x98\x90", "\xF0\x9F\x98\x8A",
                        "\xF0\x9F\x98\x84"};
const char* kLabels[] = {"Very bad", "Bad", "Okay", "Good", "Very good"};

}  // namespace

RenderedEmail render_csat_email(const std::string& visitor_name, const std::string& survey_url) {
  RenderedEmail e;
  e.subject = "How did we do?";
  std::string hello = visitor_name.empty() ? "Hello," : "Hello " + visitor_name + ",";
  e.html =
      "<!doctype html><html><head><meta charset=\"utf-8\"></head>"
      "<body style=\"margin:0;padding:24px;background:#f5f6f8;font:15px/1.5 -apple-system,Segoe "
      "UI,Roboto,sans-serif;color:#1f2328\">"
      "<div style=\"max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px\"><p>" +
      html_escape(hello) +
      "</p><p>Your conversation with our support team was resolved. How did we do? One click is enough; you can "
      "add a comment on the next page.</p><p>";
  for (int i = 0; i < 5; ++i) {
    // The page only preselects the face: a link scanner that opens it records nothing.
    std::string href = survey_url + "?rating=" + std::to_string(i + 1);
    e.html += "<a href=\"" + html_escape(href) + "\" title=\"" + kLabels[i] +
              "\" style=\"font-size:32px;text-decoration:none;margin-right:12px\">" + kFaces[i] + "</a>";
  }
  e.html +=
      "</p><p style=\"color:#656d76;font-size:13px\">The link works once and expires in 7 "
      "days.</p></div></body></html>";
  e.text = hello +
           "\n\nYour conversation with our support team was resolved. How did we do?\n\nRate it here: " + survey_url +
           "\n\nThe link works once and expires in 7 days.\n";
  return e;
}

bool enqueue_csat_email(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t survey_id,
                        std::int64_t conversation_id, const std::string& survey_url) {
  auto v = conn.exec(txn, kVisitor, conversation_id);
  if (v.empty() || v[0][0].as<std::string>().empty()) return false;
  RenderedEmail e = render_csat_email(v[0][1].as<std::string>(), survey_url);
  return !conn.exec(txn, kInsert, conversation_id, v[0][0].as<std::string>(), v[0][2].as<std::int64_t>(), survey_id,
                    e.subject, e.html, e.text)
              .empty();
}

}  // namespace parley::mail
