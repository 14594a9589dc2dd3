-- The inbox's view counts (open, mine, unassigned, resolved) kept by the database itself, so
-- GET /api/inbox reads a few hundred small rows instead of counting every conversation
-- (docs/BENCHMARKS.md "Inbox list at 1,000,000 conversations", docs/OPERATIONS.md "Inbox counts").
--
-- One row per (status, assignee, slot): n conversations have that status and assignee.
-- agent_id 0 stands for "nobody" (a primary key cannot hold NULL); a resolved conversation
-- is counted under agent 0 whoever it was assigned to, since no view counts resolved
-- conversations per agent (that keeps the rows few: about 2 x (agents + 1) x 8 + 8).
-- slot spreads one key over 8 rows, chosen by the writing backend, so concurrent writers of the
-- same key (every new conversation adds to OPEN/nobody) rarely wait for each other's commit;
-- the reader sums the slots.
CREATE TABLE inbox_count (
  status    conversation_status NOT NULL,
  agent_id  bigint NOT NULL,
  slot      smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (status, agent_id, slot)
);

-- The (status, agent) key a conversation is counted under.
CREATE FUNCTION inbox_count_agent(s conversation_status, agent bigint) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN s = 'RESOLVED' THEN 0 ELSE coalesce(agent, 0) END $$;

-- Row-level, and only when the status or the assignee really changed (not for the
-- updated_at / last_message_id update of every message). The old key's -1 and the new key's
-- +1 are applied in key order, so two transactions that each change one conversation lock
-- counter rows in the same order and cannot deadlock each other.
CREATE FUNCTION inbox_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s smallint := pg_backend_pid() % 8;
BEGIN
  INSERT INTO inbox_count AS c (status, agent_id, slot, n)
  SELECT d.status, d.agent_id, s, d.n FROM (
    SELECT OLD.status, inbox_count_agent(OLD.status, OLD.assigned_agent_id), -1 WHERE TG_OP IN ('UPDATE', 'DELETE')
    UNION ALL
    SELECT NEW.status, inbox_count_agent(NEW.status, NEW.assigned_agent_id), 1 WHERE TG_OP IN ('UPDATE', 'INSERT')
  ) d (status, agent_id, n)
  WHERE TG_OP <> 'UPDATE' OR (OLD.status, inbox_count_agent(OLD.status, OLD.assigned_agent_id))
                             IS DISTINCT FROM (NEW.status, inbox_count_agent(NEW.status, NEW.assigned_agent_id))
  ORDER BY d.status, d.agent_id
  ON CONFLICT (status, agent_id, slot) DO UPDATE SET n = c.n + excluded.n;
  RETURN NULL;
END $$;

-- Several processes may start at once: the migration runs under the migration lock, and the
-- SHARE lock keeps conversation writers out between the trigger's creation and the backfill,
-- so no write is missed or counted twice (readers go on; writers wait for the ~1 s backfill
-- of a million conversations).
LOCK TABLE conversation IN SHARE MODE;

CREATE TRIGGER inbox_count_insert_delete AFTER INSERT OR DELETE ON conversation
  FOR EACH ROW EXECUTE FUNCTION inbox_count_change();
CREATE TRIGGER inbox_count_update AFTER UPDATE OF status, assigned_agent_id ON conversation
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                     OR OLD.assigned_agent_id IS DISTINCT FROM NEW.assigned_agent_id)
  EXECUTE FUNCTION inbox_count_change();

-- TRUNCATE fires no row trigger: the counts of an emptied table are none.
CREATE FUNCTION inbox_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM inbox_count;
  RETURN NULL;
END $$;
CREATE TRIGGER inbox_count_truncate AFTER TRUNCATE ON conversation
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_count_truncate();

INSERT INTO inbox_count (status, agent_id, slot, n)
  SELECT status, inbox_count_agent(status, assigned_agent_id), 0, count(*)
  FROM conversation GROUP BY 1, 2;
