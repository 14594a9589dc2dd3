-- Inbox search (docs/INBOX.md#search): full text over messages, trigrams over visitors.
--
-- The vector is computed when a message is written, with the text-search configuration of
-- PARLEY_TEXT_SEARCH_CONFIG (the help center's setting), like article.search_vector (0007).
-- Not a generated column: its expression would need the configuration as a constant. The
-- configuration in use is the one row of message_search; a BEFORE INSERT trigger reads it, so
-- every writer (the message writer's batches, the bot, imports) stores the vector without
-- knowing about search. At start Parley records the setting there; when it differs from what
-- the vectors were built with (and for the rows that existed before this migration, which
-- start with no vector) the older rows are rebuilt in the background, newest first, in small
-- transactions (src/search/message_search_backfill.cpp) — searchable as they are rebuilt.
ALTER TABLE message ADD COLUMN search_vector tsvector;
-- Most-common-element statistics for 1,000 rather than 100 × 10 lexemes: the planner's choice
-- between walking messages newest first (a common word) and the GIN index (a rare one) rests
-- on the estimated share of matching rows.
ALTER TABLE message ALTER COLUMN search_vector SET STATISTICS 1000;

CREATE TABLE message_search (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  -- The configuration new vectors are built with; NULL until the first start after this migration.
  config text,
  -- Rows with id below this still hold vectors of another configuration (or none) and are
  -- rebuilt by the backfill, which lowers it; NULL when every row is built with `config`.
  rebuild_below bigint
);
INSERT INTO message_search DEFAULT VALUES;

CREATE FUNCTION message_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cfg text;
BEGIN
  SELECT config INTO cfg FROM message_search;
  IF cfg IS NOT NULL THEN
    NEW.search_vector := to_tsvector(cfg::regconfig, NEW.body);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER message_search_vector BEFORE INSERT OR UPDATE OF body ON message
  FOR EACH ROW EXECUTE FUNCTION message_search_vector();

CREATE INDEX message_search_vector ON message USING gin (search_vector);

-- Visitors found by name, email or user id, typos included (pg_trgm, created in 0007): one
-- expression, so one index serves all three (searched with LIKE and word similarity `<%`).
CREATE FUNCTION visitor_search_text(name text, email text, user_id text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(user_id, '')) $$;
CREATE INDEX visitor_search_trgm ON visitor USING gin (visitor_search_text(name, email, user_id) gin_trgm_ops);
