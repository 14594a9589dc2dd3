-- Every assignment of a conversation to a person, kept (docs/INBOX.md "Routing",
-- docs/PROTOCOL.md `history`):
--   * the Routing page's time to assignment (GET /api/routing/waits): how long conversations
--     taken from the queue had waited, computed in PostgreSQL, so every process and a restart
--     agree;
--   * the widget's "Bo joined the conversation" after a reload: where the line goes in the
--     thread (after which message) and who joined.
-- Written by a trigger in the assignment's own transaction, so every writer of assignments
-- (automatic, by hand, a take-over) is recorded and nothing is recorded for a rolled-back one.
CREATE TABLE assignment (
  id                bigserial PRIMARY KEY,
  conversation_id   bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  agent_id          bigint REFERENCES agent (id) ON DELETE SET NULL,
  assigned_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The conversation's last message when it was assigned (0: none yet): the widget's place for
  -- the "joined" line. Messages commit under the same event-order lock, so none is missed.
  after_message_id  bigint NOT NULL,
  -- Set only when the conversation came from the queue (open, nobody's, not held by the bot, the
  -- visitor had written): seconds since it began waiting (conversation.waiting_since). NULL for a
  -- hand-over between agents and a take-over from the bot: nobody was waiting for a person.
  waited_seconds    double precision CHECK (waited_seconds >= 0),
  -- By the router (routing/assignment.cpp sets parley.assignment = 'automatic' for its
  -- transaction) or by an agent.
  automatic         boolean NOT NULL
);
-- The widget's reads: one conversation's assignments after a message id.
CREATE INDEX assignment_by_conversation ON assignment (conversation_id, after_message_id);
-- The waits over the last day / week: an index-only range scan of that window, whatever the
-- history's size.
CREATE INDEX assignment_waits ON assignment (assigned_at) INCLUDE (waited_seconds, automatic)
  WHERE waited_seconds IS NOT NULL;

CREATE FUNCTION conversation_record_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO assignment (conversation_id, agent_id, after_message_id, waited_seconds, automatic)
  VALUES (
    NEW.id, NEW.assigned_agent_id,
    coalesce((SELECT max(m.id) FROM message m WHERE m.conversation_id = NEW.id), 0),
    CASE WHEN OLD.status = 'OPEN' AND OLD.assigned_agent_id IS NULL
              AND coalesce(OLD.bot_state, '') NOT IN ('pending', 'waiting')
              AND EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = NEW.id AND m.sender = 'VISITOR')
         THEN greatest(0, extract(epoch FROM clock_timestamp() - OLD.waiting_since))::float8 END,
    coalesce(current_setting('parley.assignment', true), '') = 'automatic');
  RETURN NULL;
END $$;
CREATE TRIGGER conversation_assignment_recorded AFTER UPDATE OF assigned_agent_id ON conversation
  FOR EACH ROW WHEN (NEW.assigned_agent_id IS NOT NULL AND NEW.assigned_agent_id IS DISTINCT FROM OLD.assigned_agent_id)
  EXECUTE FUNCTION conversation_record_assignment();
