-- Which visitors have the widget open on which Parley process. With several processes, the one
-- that commits an agent's reply must know whether the visitor is chatting live on another before
-- it enqueues the reply email (docs/EMAIL.md). Each process writes its own rows when a visitor's
-- first tab opens there and its last tab closes, and stamps its own server_process row every few
-- seconds; the rows of a process that stopped stamping (killed) count for nothing after 20 s and
-- are deleted by housekeeping.
--
-- UNLOGGED: presence is a moment, not a record — no WAL for every tab that opens. A crash of
-- PostgreSQL empties these tables; each process notices at its next stamp (its server_process
-- row is gone) and writes its visitors again.
CREATE UNLOGGED TABLE server_process (
  process_id  text PRIMARY KEY,
  seen_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNLOGGED TABLE visitor_presence (
  visitor_id  bigint NOT NULL,
  process_id  text NOT NULL REFERENCES server_process (process_id) ON DELETE CASCADE,
  PRIMARY KEY (visitor_id, process_id)
);
CREATE INDEX visitor_presence_process ON visitor_presence (process_id);
