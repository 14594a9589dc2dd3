-- A note is stored once however often it is sent (docs/PROTOCOL.md, "Notes and mentions"): the
-- inbox sends a client id with each note and re-sends the same id when it tries again after an
-- answer it never got. Notes written before this have none.
ALTER TABLE note ADD COLUMN client_id text;
CREATE UNIQUE INDEX note_by_client_id ON note (agent_id, client_id) WHERE client_id IS NOT NULL;
