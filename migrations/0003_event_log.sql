-- What every Parley process must deliver to its sockets, in commit order: new messages and
-- conversation changes. Transactions that append here first take one advisory lock, so rows
-- become visible in seq order and a reader never skips one: each process reads past the
-- last seq it delivered, woken by NOTIFY parley_events (one per transaction, not per message).
-- Rows are kept for a while only: clients that were away catch up from the message table.
CREATE TABLE event_log (
  seq            bigserial PRIMARY KEY,
  visitor_id     bigint,                 -- whose tabs receive it (NULL: no visitor)
  frame          text NOT NULL,          -- the WebSocket frame
  to_agents      boolean NOT NULL,       -- every agent socket receives `frame`
  visitor_frame  text,                   -- what the visitor receives instead of `frame`, when set
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_created ON event_log (created_at);
