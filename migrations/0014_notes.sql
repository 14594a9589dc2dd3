-- Private notes and @mentions (docs/INBOX.md, "Notes and mentions"). A note is not a message:
-- it lives in its own table, so no query that serves a visitor (sync, history, `ready`, the
-- emails, the CSAT survey — all read `message`) can ever return one. Mentions are agent ids.

CREATE TABLE note (
  id               bigserial PRIMARY KEY,
  conversation_id  bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  agent_id         bigint REFERENCES agent (id) ON DELETE SET NULL,   -- the author
  body             text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX note_by_conversation ON note (conversation_id, id);

CREATE TABLE note_mention (
  note_id   bigint NOT NULL REFERENCES note (id) ON DELETE CASCADE,
  agent_id  bigint NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
  PRIMARY KEY (note_id, agent_id)
);
-- The Mentions view: an agent's mentions, newest first.
CREATE INDEX note_mention_by_agent ON note_mention (agent_id, note_id DESC);

CREATE VIEW note_doc AS
SELECT n.id, n.conversation_id,
       json_build_object('id', n.id, 'conversationId', n.conversation_id, 'agentId', n.agent_id,
                         'agentName', a.name, 'body', n.body,
                         'mentions', coalesce((SELECT json_agg(json_build_object('id', ma.id, 'name', ma.name) ORDER BY ma.id)
                                               FROM note_mention nm JOIN agent ma ON ma.id = nm.agent_id
                                               WHERE nm.note_id = n.id), '[]'::json),
                         'createdAt', parley_time(n.created_at)) AS doc
FROM note n LEFT JOIN agent a ON a.id = n.agent_id;

-- A note's event is for agent sockets only. The code appends it without a visitor
-- (src/notes/notes.cpp); this makes a row that names a visitor impossible as well.
ALTER TABLE event_log ADD CONSTRAINT event_log_note_agents_only CHECK (
  left(frame, 15) <> '{"type":"note",' OR (visitor_id IS NULL AND visitor_frame IS NULL AND visitor_ids IS NULL));
