#include "parley/conversation/conversation_store.hpp"

#include "parley/conversation/csat.hpp"
#include "parley/store/array_literal.hpp"

namespace parley::conversation {
namespace {

// The page first (the conversation_inbox index), then, for its rows only, by index lookups
// (scalar subqueries, so no plan scans a read table whole as it grows): the requesting agent's
// and the visitor's read positions, and the agent's unread visitor messages, counted up to
// kUnreadCap along message_by_conversation.
// The page: per status asked for, the newest $6 in (status, updated_at, id) order — an ordered
// walk of conversation_inbox (or conversation_by_agent) that stops after $6 rows — then the
// newest $6 of those. `status = ANY(array)` instead cannot use the index's order, and the
// Resolved view sorted every resolved conversation (1 s at 1,000,000; docs/BENCHMARKS.md).
const store::Statement kInboxPage{"inbox_page", R"SQL(
SELECT (d.doc::jsonb || jsonb_build_object('csat', csat_brief(p.id), 'labels', conversation_labels(p.id)))::text, (extract(epoch FROM p.updated_at) * 1000000)::bigint AS cursor_time, p.id,
  r.me, coalesce((SELECT message_id FROM visitor_read WHERE conversation_id = p.id), 0),
  (SELECT count(*) FROM (SELECT 1 FROM message m WHERE m.conversation_id = p.id AND m.sender = 'VISITOR'
                         AND m.id > r.me LIMIT $8) u)
FROM (
  SELECT c.updated_at, c.id FROM (SELECT DISTINCT unnest($1::conversation_status[])) s (status)
  CROSS JOIN LATERAL (
    SELECT updated_at, id FROM conversation
    WHERE status = s.status
      AND ($2 = 'any' OR ($2 = 'none' AND assigned_agent_id IS NULL) OR ($2 = 'agent' AND assigned_agent_id = $3::bigint))
      AND ($4::bigint = 0 OR (updated_at, id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::bigint))
      AND ($9::bigint = 0 OR EXISTS (SELECT 1 FROM conversation_label cl WHERE cl.conversation_id = conversation.id
                                                                        AND cl.label_id = $9::bigint))
    ORDER BY updated_at DESC, id DESC
    LIMIT $6) c
  ORDER BY c.updated_at DESC, c.id DESC
  LIMIT $6) p
JOIN conversation_doc d ON d.id = p.id
CROSS JOIN LATERAL (
  SELECT coalesce((SELECT message_id FROM agent_read WHERE agent_id = $7 AND conversation_id = p.id), 0) AS me) r
ORDER BY p.updated_at DESC, p.id DESC)SQL"};
const store::Statement kReadState{"conversation_read_state", R"SQL(
SELECT r.me, coalesce((SELECT message_id FROM visitor_read WHERE conversation_id = $1), 0),
  (SELECT count(*) FROM (SELECT 1 FROM message m WHERE m.conversation_id = $1 AND m.sender = 'VISITOR'
                         AND m.id > r.me LIMIT $3) u)
FROM (SELECT coalesce((SELECT message_id FROM agent_read WHERE agent_id = $2 AND conversation_id = $1), 0) AS me) r)SQL"};
// The view counts: open (not resolved), mine (not resolved, assigned to $1), unassigned (open,
// nobody's), resolved. Without a label they are read from the counters the database keeps
// (migrations/0021_inbox_counts.sql: a few hundred rows, whatever the history's size).
const store::Statement kInboxCounts{"inbox_counts", R"SQL(
SELECT coalesce(sum(n) FILTER (WHERE status <> 'RESOLVED'), 0)::bigint,
       coalesce(sum(n) FILTER (WHERE status <> 'RESOLVED' AND agent_id = $1), 0)::bigint,
       coalesce(sum(n) FILTER (WHERE status = 'OPEN' AND agent_id = 0), 0)::bigint,
       coalesce(sum(n) FILTER (WHERE status = 'RESOLVED'), 0)::bigint
FROM inbox_count)SQL"};
// With a label: counted directly over the label's conversations (conversation_label_label
// index), which are a small part of the history; the counters have no label dimension.
const store::Statement kLabelCounts{"inbox_counts_label", R"SQL(
SELECT count(*) FILTER (WHERE c.status <> 'RESOLVED'),
       count(*) FILTER (WHERE c.status <> 'RESOLVED' AND c.assigned_agent_id = $1),
       count(*) FILTER (WHERE c.status = 'OPEN' AND c.assigned_agent_id IS NULL),
       count(*) FILTER (WHERE c.status = 'RESOLVED')
FROM conversation_label cl JOIN conversation c ON c.id = cl.conversation_id
WHERE cl.label_id = $2::bigint)SQL"};
// `csat`: the latest CSAT survey (migrations/0009_csat.sql), for the inbox's thread and badge;
// `labels`: the conversation's labels (migrations/0016_labels.sql), for agents only (the
// visitor's `conversation` event is a brief without them, event_writer.cpp).
const store::Statement kConversationDoc{"conversation_doc", R"SQL(
SELECT (doc::jsonb || jsonb_build_object('csat', csat_brief(id), 'labels', conversation_labels(id)))::text
FROM conversation_doc WHERE id = $1)SQL"};
const store::Statement kMessagesAfter{"messages_after", R"SQL(
SELECT doc::text FROM message_doc WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3)SQL"};
const store::Statement kVisitorMessagesAfter{"visitor_messages_after", R"SQL(
SELECT md.doc::text FROM message_doc md JOIN conversation c ON c.id = md.conversation_id
WHERE md.conversation_id = $1 AND c.visitor_id = $2 AND md.id > $3 ORDER BY md.id LIMIT $4)SQL"};
// Who joined the visitor's conversation, and where in the thread: [{"after": message id, "agent":
// name}] from the assignments kept (migrations/0023_assignments.sql), oldest first — the same
// name the live `conversation` frame carries, nothing else of the agent's. The widget's sync asks
// from its cursor on (>=: a line the socket missed while away is placed after its last message).
const store::Statement kVisitorJoins{"visitor_joins", R"SQL(
SELECT coalesce(json_agg(json_build_object('after', j.after_message_id, 'agent', j.name) ORDER BY j.id), '[]')::text
FROM (SELECT a.id, a.after_message_id, ag.name FROM assignment a
      JOIN conversation c ON c.id = a.conversation_id JOIN agent ag ON ag.id = a.agent_id
      WHERE a.conversation_id = $1 AND c.visitor_id = $2 AND a.after_message_id >= $3
      ORDER BY a.after_message_id, a.id LIMIT 100) j)SQL"};
// `csat`: the conversation's latest survey while it may still be answered or changed, so a
// reloaded widget asks again (null otherwise). `joined`: as kVisitorJoins, for the messages shown.
const store::Statement kHistory{"visitor_history", R"SQL(
SELECT json_build_object('id', c.id, 'status', c.status, 'createdAt', parley_time(c.created_at),
  'messages', (SELECT coalesce(json_agg(m.doc ORDER BY m.id), '[]'::json)
               FROM (SELECT * FROM message_doc WHERE conversation_id = c.id ORDER BY id DESC LIMIT 200) m),
  'csat', (SELECT d FROM (SELECT csat_visitor_doc(s.id, $2::int) AS d FROM csat_survey s
                          WHERE s.conversation_id = c.id ORDER BY s.cycle DESC LIMIT 1) latest
           WHERE (d->>'editable')::boolean),
  'joined', (SELECT coalesce(json_agg(json_build_object('after', j.after_message_id, 'agent', j.name) ORDER BY j.id), '[]'::json)
             FROM (SELECT a.id, a.after_message_id, ag.name FROM assignment a JOIN agent ag ON ag.id = a.agent_id
                   WHERE a.conversation_id = c.id ORDER BY a.after_message_id DESC, a.id DESC LIMIT 100) j))::text
FROM conversation c WHERE c.visitor_id = $1 AND c.status = 'RESOLVED'
ORDER BY c.created_at DESC LIMIT 10)SQL"};
const store::Statement kOpenConversation{"visitor_open_conversation",
                                         "SELECT id, status, page_url, coalesce(bot_state, '') FROM conversation "
                                         "WHERE visitor_id = $1 AND status <> 'RESOLVED'"};
// The same for many visitors at once (the reconnect storm's batched `auth`).
const store::Statement kOpenConversations{"visitors_open_conversations",
                                          "SELECT visitor_id, id, status, page_url, coalesce(bot_state, '') FROM conversation "
                                          "WHERE visitor_id = ANY($1::bigint[]) AND status <> 'RESOLVED'"};
const store::Statement kVisitorOf{"conversation_visitor", "SELECT visitor_id FROM conversation WHERE id = $1"};

std::string status_array(const std::vector<Status>& statuses) {
  return store::array_literal(statuses, [](Status s) { return to_string(s); });
}

const char* assignee_kind(InboxQuery::Assignee kind) {
  switch (kind) {
    case InboxQuery::Assignee::Nobody: return "none";
    case InboxQuery::Assignee::Agent: return "agent";
    case InboxQuery::Assignee::Any: break;
  }
  return "any";
}

ReadState read_state_of(const pqxx::row& row, int first) {
  return {row[first].as<std::int64_t>(), row[first + 1].as<std::int64_t>(), row[first + 2].as<std::int64_t>()};
}

MessagePage page_of(const pqxx::result& rows) {
  MessagePage page;
  for (std::size_t i = 0; i < rows.size() && i < kMessagePage; ++i) page.message_docs.emplace_back(rows[i][0].c_str());
  page.more = rows.size() > kMessagePage;
  return page;
}

}  // namespace

InboxPage inbox_page(store::DbConn& conn, const InboxQuery& q, std::int64_t me) {
  pqxx::read_transaction txn(conn.raw());
  auto rows = conn.exec(txn, kInboxPage, status_array(q.statuses), assignee_kind(q.assignee_kind), q.assignee,
                        q.cursor_time, q.cursor_id, q.limit + 1, me, kUnreadCap, q.label);
  InboxPage page;
  auto limit = static_cast<std::size_t>(q.limit);
  for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
    page.conversation_docs.push_back(with_read_state(rows[i][0].c_str(), read_state_of(rows[i], 3)));
  }
  if (rows.size() > limit) {
    page.next_cursor = std::string(rows[limit - 1][1].c_str()) + "." + rows[limit - 1][2].c_str();
  }
  auto c = (q.label == 0 ? conn.exec(txn, kInboxCounts, me) : conn.exec(txn, kLabelCounts, me, q.label))[0];
  page.counts = {c[0].as<std::int64_t>(), c[1].as<std::int64_t>(), c[2].as<std::int64_t>(), c[3].as<std::int64_t>()};
  return page;
}

std::string with_read_state(std::string doc, const ReadState& read) {
  if (doc.empty() || doc.back() != '}') return doc;
  doc.pop_back();
  return doc + R"(,"read":{"me":)" + std::to_string(read.me) + R"(,"visitor":)" + std::to_string(read.visitor) +
         R"(,"unread":)" + std::to_string(read.unread) + "}}";
}

ReadState read_state(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id,
                     std::int64_t agent_id) {
  auto r = conn.exec(txn, kReadState, conversation_id, agent_id, kUnreadCap);
  if (r.empty()) return {};
  return read_state_of(r[0], 0);
}

std::optional<std::string> conversation_doc(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t id) {
  auto r = conn.exec(txn, kConversationDoc, id);
  if (r.empty()) return std::nullopt;
  return std::string(r[0][0].c_str());
}

MessagePage messages_after(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id,
                           std::int64_t after) {
  return page_of(conn.exec(txn, kMessagesAfter, conversation_id, after, static_cast<std::int64_t>(kMessagePage + 1)));
}

MessagePage visitor_messages_after(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id,
                                   std::int64_t visitor_id, std::int64_t after) {
  MessagePage page = page_of(conn.exec(txn, kVisitorMessagesAfter, conversation_id, visitor_id, after,
                                       static_cast<std::int64_t>(kMessagePage + 1)));
  page.joined_json = conn.exec(txn, kVisitorJoins, conversation_id, visitor_id, after)[0][0].c_str();
  return page;
}

std::vector<std::string> visitor_history(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t visitor_id) {
  std::vector<std::string> out;
  for (const auto& row : conn.exec(txn, kHistory, visitor_id, kCsatEditHours)) out.emplace_back(row[0].c_str());
  return out;
}

std::optional<ConversationRef> open_conversation_of(store::DbConn& conn, pqxx::transaction_base& txn,
                                                    std::int64_t visitor_id) {
  auto c = conn.exec(txn, kOpenConversation, visitor_id);
  if (c.empty()) return std::nullopt;
  return ConversationRef{c[0][0].as<std::int64_t>(), c[0][1].c_str(), c[0][2].is_null() ? "" : c[0][2].c_str(),
                         c[0][3].c_str()};
}

std::map<std::int64_t, ConversationRef> open_conversations_of(store::DbConn& conn, pqxx::transaction_base& txn,
                                                              const std::vector<std::int64_t>& visitor_ids) {
  std::map<std::int64_t, ConversationRef> out;
  if (visitor_ids.empty()) return out;
  auto ids = store::array_literal(visitor_ids, [](std::int64_t id) { return std::to_string(id); });
  for (const auto& c : conn.exec(txn, kOpenConversations, ids)) {
    out[c[0].as<std::int64_t>()] = ConversationRef{c[1].as<std::int64_t>(), c[2].c_str(), c[3].is_null() ? "" : c[3].c_str(),
                                                   c[4].c_str()};
  }
  return out;
}

std::optional<std::int64_t> visitor_of(store::DbConn& conn, pqxx::transaction_base& txn, std::int64_t conversation_id) {
  auto r = conn.exec(txn, kVisitorOf, conversation_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

}  // namespace parley::conversation
