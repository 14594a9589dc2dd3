-- Lighter writes per message (issue #7, profiled in docs/BENCHMARKS.md).
--
-- A conversation's last message is looked up when a conversation is read (the newest row of
-- message_by_conversation) instead of being copied into the conversation row by every
-- message: that copy rewrote the row, and since updated_at is indexed every rewrite was a
-- non-HOT update touching five indexes.
DROP VIEW conversation_doc;
ALTER TABLE conversation DROP COLUMN last_message_id;

CREATE VIEW conversation_doc AS
SELECT c.id, c.visitor_id, c.status, c.assigned_agent_id, c.updated_at,
       json_build_object('id', c.id, 'status', c.status, 'version', c.version,
                         'assignedTo', CASE WHEN a.id IS NULL THEN NULL
                                            ELSE json_build_object('id', a.id, 'name', a.name) END,
                         'visitor', vd.doc, 'page', c.page_url, 'createdAt', parley_time(c.created_at),
                         'updatedAt', parley_time(c.updated_at), 'lastMessage', lm.doc) AS doc
FROM conversation c
JOIN visitor_doc vd ON vd.id = c.visitor_id
LEFT JOIN agent a ON a.id = c.assigned_agent_id
LEFT JOIN LATERAL (
  SELECT md.doc FROM message_doc md WHERE md.conversation_id = c.id ORDER BY md.id DESC LIMIT 1
) lm ON true;

-- The event log is pruned by seq (rows commit in seq order), so it needs no time index.
DROP INDEX event_log_created;
