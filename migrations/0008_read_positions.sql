-- Read receipts (issue 18): how far each participant of a conversation has read. A position
-- is the id of the newest message of the conversation the participant has seen; it only moves
-- forward (the upserts in src/conversation/read_positions.cpp advance it with a WHERE, so a
-- stale or replayed `read` changes nothing). Every advance is also an event_log row, so every
-- process tells its sockets. See docs/PROTOCOL.md, "Read receipts".

-- The visitor of the conversation (one per conversation).
CREATE TABLE visitor_read (
  conversation_id  bigint PRIMARY KEY REFERENCES conversation (id) ON DELETE CASCADE,
  message_id       bigint NOT NULL,
  read_at          timestamptz NOT NULL DEFAULT now()
);

-- Each agent, per conversation. The primary key serves the inbox list (this agent's
-- position for each conversation on a page) and the write.
CREATE TABLE agent_read (
  agent_id         bigint NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
  conversation_id  bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  message_id       bigint NOT NULL,
  read_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, conversation_id)
);
-- Deleting a conversation (the silent-visitor prune) finds its rows without a scan.
CREATE INDEX agent_read_conversation ON agent_read (conversation_id);

-- A reply email the visitor read in the chat before it was due is not sent (docs/EMAIL.md).
ALTER TYPE email_status ADD VALUE IF NOT EXISTS 'skipped';
