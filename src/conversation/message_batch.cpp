#include "parley/conversation/message_batch.hpp"

namespace parley::conversation {
namespace {

// One statement per batch. Rows whose client id is already stored in the conversation are
// skipped by ON CONFLICT and answered with the stored row, so a re-send is stored once.
// A visitor cannot write into a resolved conversation, nor a disabled agent anywhere (`ins`
// skips the row). The agent's row is locked FOR SHARE: `parley agent disable` waits for a
// batch that holds it, so no message of the agent commits after the disable did.
const store::Statement kInsertBatch{"message_insert_batch", R"SQL(
WITH input AS (
  SELECT * FROM json_to_recordset($1::json)
    AS x(i int, c bigint, s message_sender, a bigint, an text, k text, b text)
), target AS MATERIALIZED (
  -- One index lookup per row; OFFSET 0 keeps it so. As a plain join it was planned for
  -- json_to_recordset's guess of 100 rows and scanned the whole conversation table.
  SELECT input.*, cv.visitor_id, cv.status,
    input.a IS NULL OR EXISTS (SELECT 1 FROM agent WHERE id = input.a AND NOT disabled FOR SHARE) AS agent_ok
  FROM input, LATERAL (SELECT visitor_id, status FROM conversation WHERE id = input.c OFFSET 0) cv
), ins AS (
  INSERT INTO message (conversation_id, sender, agent_id, client_id, body)
  SELECT c, s, a, k, b FROM target WHERE agent_ok AND (s <> 'VISITOR' OR status <> 'RESOLVED')
  ORDER BY i
  ON CONFLICT ON CONSTRAINT message_client_id_once DO NOTHING
  RETURNING id, conversation_id, sender, agent_id, client_id, body, created_at
), bump AS (
  -- Newest activity first in the inbox: at most once a second per conversation, because
  -- updated_at is indexed and each rewrite of the row is a non-HOT update of five indexes.
  UPDATE conversation SET updated_at = now()
  WHERE id = ANY (ARRAY(SELECT DISTINCT conversation_id FROM ins)) AND updated_at < now() - interval '1 second'
), fresh AS (
  SELECT ins.id, ins.conversation_id, ins.client_id, target.visitor_id, json_build_object(
      'id', ins.id, 'conversationId', ins.conversation_id, 'sender', ins.sender, 'agentId', ins.agent_id,
      'agentName', target.an, 'clientId', ins.client_id, 'body', ins.body,
      'createdAt', parley_time(ins.created_at))::text AS doc
  FROM ins JOIN target ON target.c = ins.conversation_id AND target.k = ins.client_id
), ev AS (
  -- Every process delivers these, in seq order (see event_writer.hpp); one serialisation each,
  -- one row for the whole batch: line i of `frame` goes to visitor_ids[i] (migration 0005).
  INSERT INTO event_log (frame, to_agents, visitor_ids)
  SELECT string_agg('{"type":"message","message":' || doc || '}', E'\n' ORDER BY id), true,
         array_agg(visitor_id ORDER BY id)
  FROM fresh HAVING count(*) > 0
  RETURNING seq
)
SELECT input.i, fresh.id IS NOT NULL AS inserted, coalesce(fresh.id, old.id) AS id, target.visitor_id,
  (SELECT seq FROM ev) AS event_seq,
  CASE
    WHEN fresh.id IS NOT NULL THEN fresh.doc
    WHEN old.id IS NOT NULL AND old.sender = input.s AND old.agent_id IS NOT DISTINCT FROM input.a
      THEN (SELECT doc::text FROM message_doc WHERE id = old.id)
  END AS doc,
  old.id IS NOT NULL AS exists_already, coalesce(target.agent_ok, true) AS agent_ok
FROM input
LEFT JOIN target ON target.i = input.i
LEFT JOIN fresh ON fresh.conversation_id = input.c AND fresh.client_id = input.k
LEFT JOIN LATERAL (  -- the stored row, for a re-send
  SELECT id, sender, agent_id FROM message
  WHERE fresh.id IS NULL AND conversation_id = input.c AND client_id = input.k
) old ON true
ORDER BY input.i
)SQL"};

}  // namespace

StoredBatch store_message_batch(EventTransaction& tx, const std::string& rows_json, std::size_t batch_size) {
  pqxx::result r = tx.exec_appending(kInsertBatch, rows_json);
  StoredBatch out;
  out.rows.resize(batch_size);
  if (!r.empty() && !r[0]["event_seq"].is_null()) out.event_seq = r[0]["event_seq"].as<std::int64_t>();
  for (const auto& row : r) {
    StoredRow& o = out.rows.at(row["i"].as<std::size_t>());
    o.inserted = row["inserted"].as<bool>();
    o.exists = row["exists_already"].as<bool>();
    o.agent_refused = !row["agent_ok"].as<bool>();
    if (!row["id"].is_null()) o.id = row["id"].as<std::int64_t>();
    if (!row["visitor_id"].is_null()) o.visitor_id = row["visitor_id"].as<std::int64_t>();
    if (!row["doc"].is_null()) o.doc = row["doc"].as<std::string>();
  }
  return out;
}

}  // namespace parley::conversation
