#include "parley/conversation/message_batch.hpp"

#include <nlohmann/json.hpp>

#include "parley/store/array_literal.hpp"

namespace parley::conversation {
namespace {

// One statement per batch. Rows whose client id is already stored in the conversation are
// skipped by ON CONFLICT and answered with the stored row, so a re-send is stored once.
// A visitor cannot write into a resolved conversation, nor a disabled agent anywhere (`ins`
// skips the row). The agent's row is locked FOR SHARE: `parley agent disable` waits for a
// batch that holds it, so no message of the agent commits after the disable did.
//
// The rows come as arrays, one per column ($6: each document's middle, built in C++), and no
// JSON is built here: PostgreSQL splices the id and the time into the documents C++ wrote —
// json_build_object, its type output calls and the documents sent back cost ~14 µs of
// PostgreSQL's CPU per message in batches of 40 (bench/writer-steps, docs/BENCHMARKS.md).
// created_at is now() (the column's default: the transaction's start), the same for every row.
const store::Statement kInsertBatch{"message_insert_batch", R"SQL(
WITH input AS (
  SELECT (n - 1)::int AS i, c, s, a, k, b, f
  FROM unnest($1::bigint[], $2::message_sender[], $3::bigint[], $4::text[], $5::text[], $6::text[])
    WITH ORDINALITY AS x(c, s, a, k, b, f, n)
), target AS MATERIALIZED (
  -- One index lookup per row; OFFSET 0 keeps it so (as a plain join it was once planned for
  -- a guess of 100 input rows and scanned the whole conversation table).
  SELECT input.*, cv.visitor_id, cv.status,
    input.a IS NULL OR EXISTS (SELECT 1 FROM agent WHERE id = input.a AND NOT disabled FOR SHARE) AS agent_ok
  FROM input, LATERAL (SELECT visitor_id, status FROM conversation WHERE id = input.c OFFSET 0) cv
), ins AS (
  -- The search vector here, with the configuration read once for the batch: the trigger
  -- (migration 0034) then skips these rows; it read message_search once per row.
  INSERT INTO message (conversation_id, sender, agent_id, client_id, body, search_vector)
  SELECT c, s, a, k, b, to_tsvector((SELECT config::regconfig FROM message_search), b)
  FROM target WHERE agent_ok AND (s <> 'VISITOR' OR status <> 'RESOLVED')
  ORDER BY i
  ON CONFLICT ON CONSTRAINT message_client_id_once DO NOTHING
  RETURNING id, conversation_id, client_id
), bump AS (
  -- Newest activity first in the inbox: at most once a second per conversation, because
  -- updated_at is indexed and each rewrite of the row is a non-HOT update of five indexes.
  UPDATE conversation SET updated_at = now()
  WHERE id = ANY (ARRAY(SELECT DISTINCT conversation_id FROM ins)) AND updated_at < now() - interval '1 second'
), fresh AS MATERIALIZED (
  SELECT ins.id, target.i, target.visitor_id, target.f
  FROM ins JOIN target ON target.c = ins.conversation_id AND target.k = ins.client_id
), ev AS (
  -- Every process delivers these, in seq order (see event_writer.hpp); one row for the whole
  -- batch: line i of `frame` goes to visitor_ids[i] (migration 0005).
  INSERT INTO event_log (frame, to_agents, visitor_ids)
  SELECT string_agg('{"type":"message","message":{"id":' || id || f || (SELECT parley_time(now())) || '"}}', E'\n' ORDER BY id),
         true, array_agg(visitor_id ORDER BY id)
  FROM fresh HAVING count(*) > 0
  RETURNING seq
), rest AS (
  SELECT * FROM target WHERE NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.i = target.i)
)
SELECT i, true AS inserted, id, visitor_id, (SELECT seq FROM ev) AS event_seq, (SELECT parley_time(now())) AS created_at,
  NULL AS stored_doc, false AS exists_already, true AS agent_ok
FROM fresh
UNION ALL
-- The rows not inserted, with the stored row for a re-send: looked up for these rows only (as
-- a LATERAL join over every row it probed the index for every row of every batch).
SELECT rest.i, false, old.id, rest.visitor_id, (SELECT seq FROM ev), NULL,
  CASE WHEN old.sender = rest.s AND old.agent_id IS NOT DISTINCT FROM rest.a
    THEN (SELECT doc::text FROM message_doc WHERE id = old.id)
  END,
  old.id IS NOT NULL, rest.agent_ok
FROM rest
LEFT JOIN LATERAL (SELECT id, sender, agent_id FROM message WHERE conversation_id = rest.c AND client_id = rest.k) old ON true
)SQL"};

// A JSON string literal; invalid UTF-8 (already refused at the socket) would become U+FFFD.
std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// The fields and their order are the message_doc view's (migration 0010), which reads serve;
// only the whitespace differs (json_build_object writes " : "), which no JSON reader sees.
std::string message_doc_middle(const BatchRow& row) {
  std::string out = ",\"conversationId\":" + std::to_string(row.conversation_id);
  out += ",\"sender\":" + json_string(row.sender);
  out += ",\"agentId\":" + (row.agent_id ? std::to_string(*row.agent_id) : std::string("null"));
  out += ",\"agentName\":" + (row.agent_name.empty() ? std::string("null") : json_string(row.agent_name));
  out += ",\"clientId\":" + json_string(row.client_id);
  out += ",\"body\":" + json_string(row.body);
  out += ",\"createdAt\":\"";
  return out;
}

StoredBatch store_message_batch(EventTransaction& tx, const std::vector<BatchRow>& rows) {
  std::vector<std::string> middle_of;
  middle_of.reserve(rows.size());
  for (const auto& row : rows) middle_of.push_back(message_doc_middle(row));
  using store::array_literal, store::quoted_array_item;
  pqxx::result r = tx.exec_appending(
      kInsertBatch, array_literal(rows, [](const BatchRow& row) { return std::to_string(row.conversation_id); }),
      array_literal(rows, [](const BatchRow& row) { return quoted_array_item(row.sender); }),
      array_literal(rows, [](const BatchRow& row) { return store::nullable_array_item(row.agent_id); }),
      array_literal(rows, [](const BatchRow& row) { return quoted_array_item(row.client_id); }),
      array_literal(rows, [](const BatchRow& row) { return quoted_array_item(row.body); }),
      array_literal(middle_of, [](const std::string& middle) { return quoted_array_item(middle); }));
  StoredBatch out;
  out.rows.resize(rows.size());
  for (const auto& row : r) {
    if (!out.event_seq && !row["event_seq"].is_null()) out.event_seq = row["event_seq"].as<std::int64_t>();
    auto i = row["i"].as<std::size_t>();
    StoredRow& o = out.rows.at(i);
    o.inserted = row["inserted"].as<bool>();
    o.exists = row["exists_already"].as<bool>();
    o.agent_refused = !row["agent_ok"].as<bool>();
    if (!row["id"].is_null()) o.id = row["id"].as<std::int64_t>();
    if (!row["visitor_id"].is_null()) o.visitor_id = row["visitor_id"].as<std::int64_t>();
    if (o.inserted) {
      // The same bytes as the event frame's line (the statement's `ev`).
      o.doc = "{\"id\":" + std::to_string(o.id) + middle_of[i] + row["created_at"].as<std::string>() + "\"}";
    } else if (!row["stored_doc"].is_null()) {
      o.doc = row["stored_doc"].as<std::string>();
    }
  }
  return out;
}

}  // namespace parley::conversation
