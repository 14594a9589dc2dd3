-- The message writer computes each row's search vector in its batch INSERT (the
-- configuration read once per statement, src/conversation/message_batch.cpp) instead of the
-- per-row trigger reading message_search for every row: 2–2.5 µs of PostgreSQL's CPU less per
-- message in batches of 40 (docs/BENCHMARKS.md, *What limits Parley*, item 3). Every other
-- writer of `message` (the bot, imports, tests, a psql session) still gets its vector from the
-- trigger: it now fires on INSERT only for a row without one (WHEN is checked by PostgreSQL
-- itself, so a row that has one costs no PL/pgSQL call), and on an UPDATE of the body as before.
-- No table rewrite: an upgrade only swaps the triggers.
DROP TRIGGER message_search_vector ON message;
CREATE TRIGGER message_search_vector BEFORE INSERT ON message
  FOR EACH ROW WHEN (NEW.search_vector IS NULL) EXECUTE FUNCTION message_search_vector();
CREATE TRIGGER message_search_vector_on_edit BEFORE UPDATE OF body ON message
  FOR EACH ROW EXECUTE FUNCTION message_search_vector();
