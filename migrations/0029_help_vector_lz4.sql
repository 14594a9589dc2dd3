-- Help-center search: the articles' search vectors compressed with lz4 rather than pglz
-- (docs/BENCHMARKS.md "Help center"). Ranking reads — and so decompresses — the vectors of up
-- to 50 matching articles per search (kept in the row, compressed, since migration 0025);
-- lz4 decompresses several times faster than pglz. PostgreSQL 14+ built with lz4 (the Debian
-- and Docker images are) takes it; a server built without it keeps pglz and searches as
-- before. Existing vectors keep the method they were written with until rewritten: they are
-- rewritten once here (the help_word trigger does not fire: it follows title, body and status).
DO $$
BEGIN
  ALTER TABLE article ALTER COLUMN search_vector SET COMPRESSION lz4;
  UPDATE article SET search_vector = search_vector || ''::tsvector;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: the search vectors stay compressed with pglz';
END
$$;
