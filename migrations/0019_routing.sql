-- Automatic assignment (docs/INBOX.md "Routing", docs/OPERATIONS.md "Routing"): the team's
-- setting, each agent's capacity, who is online as every process sees it, and when each
-- conversation began waiting for a person (the queue's order and time-to-assignment).

-- One row: the team's setting, read by every assignment transaction (so a change applies at
-- once, in every process, without a restart).
CREATE TABLE routing_settings (
  id                   int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  mode                 text NOT NULL DEFAULT 'manual' CHECK (mode IN ('manual', 'round_robin', 'balanced')),
  -- NULL: off. Otherwise an agent not online for this many minutes gives their open
  -- conversations back to the queue.
  away_release_minutes int CHECK (away_release_minutes BETWEEN 1 AND 1440),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO routing_settings (id) VALUES (1);

-- Capacity: the most open (ASSIGNED) conversations automatic assignment gives the agent.
-- last_assigned_at: round robin's turn, and balanced's tie-break (longest wait first).
-- last_online_at: refreshed while the agent is online anywhere (the away release's clock).
ALTER TABLE agent ADD COLUMN routing_capacity int NOT NULL DEFAULT 10 CHECK (routing_capacity BETWEEN 0 AND 1000);
ALTER TABLE agent ADD COLUMN last_assigned_at timestamptz;
ALTER TABLE agent ADD COLUMN last_online_at timestamptz;

-- Who is connected to which process, and online (not away) there. Each process writes its own
-- rows when its agents change and re-writes them every few seconds (seen_at); rows of a process
-- that stopped re-writing (killed) are ignored after 20 s and deleted by housekeeping.
CREATE TABLE presence_by_process (
  process_id  text NOT NULL,
  agent_id    bigint NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
  online      boolean NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, process_id)
);
CREATE INDEX presence_by_process_process ON presence_by_process (process_id);

-- When the conversation began waiting for a person: its creation (the visitor's first message
-- follows at once), or the moment it came back to the team — unassigned, reopened, or handed
-- over by the FAQ bot. Kept by a trigger, so every writer of conversations keeps it right.
-- clock_timestamp(), not now(): the moment of the write, which comes after the event-order lock
-- (conversation/event_writer.hpp), so the queue's order is the order the changes committed in.
ALTER TABLE conversation ADD COLUMN waiting_since timestamptz NOT NULL DEFAULT clock_timestamp();

CREATE FUNCTION conversation_mark_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'OPEN' AND NEW.assigned_agent_id IS NULL AND (
       OLD.status <> 'OPEN' OR OLD.assigned_agent_id IS NOT NULL
       OR (coalesce(OLD.bot_state, '') IN ('pending', 'waiting')
           AND coalesce(NEW.bot_state, '') NOT IN ('pending', 'waiting'))) THEN
    NEW.waiting_since := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER conversation_waiting BEFORE UPDATE OF status, assigned_agent_id, bot_state ON conversation
  FOR EACH ROW EXECUTE FUNCTION conversation_mark_waiting();

-- Any assignment (automatic or by hand) is the agent's turn taken: round robin's order and
-- balanced's tie-break count both.
CREATE FUNCTION conversation_turn_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE agent SET last_assigned_at = now() WHERE id = NEW.assigned_agent_id;
  RETURN NULL;
END $$;
CREATE TRIGGER conversation_assigned AFTER UPDATE OF assigned_agent_id ON conversation
  FOR EACH ROW WHEN (NEW.assigned_agent_id IS NOT NULL AND NEW.assigned_agent_id IS DISTINCT FROM OLD.assigned_agent_id)
  EXECUTE FUNCTION conversation_turn_taken();

-- The queue: open, nobody has it, the bot does not hold it; oldest waiting first.
CREATE INDEX conversation_queue ON conversation (waiting_since, id)
  WHERE status = 'OPEN' AND assigned_agent_id IS NULL;
