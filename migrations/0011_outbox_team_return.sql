-- "Nobody available" emails written right after a start, before the agents' inboxes had time
-- to reconnect, wait out the grace period (PARLEY_PRESENCE_GRACE_SECONDS) and are not sent if
-- an agent is available by the time they are due (docs/EMAIL.md). A constant default: no
-- table rewrite.
ALTER TABLE email_outbox ADD COLUMN unless_team_returns boolean NOT NULL DEFAULT false;
