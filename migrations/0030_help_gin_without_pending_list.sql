-- The help search's GIN indexes keep no pending list (issue #17; docs/HELP_CENTER.md "Search").
-- A GIN index normally gathers new entries in an unsorted pending list that every search scans
-- in full until VACUUM (or the list's 4 MB limit) moves them into the index proper. Articles
-- change a few times a day, so the list saved writers almost nothing, while after an import of
-- 10,000 articles every search scanned ~2 MB of pending entries of article_search_vector and
-- the whole word table's trigrams (help_word_trgm: all of it was pending) until autovacuum came
-- by: the first minute after an import ran at ~half the rate (docs/BENCHMARKS.md "Help center").
-- Without the list, each insert updates the index itself; an import of 10,000 articles is
-- measured in BENCHMARKS.md. Entries already pending are moved in now.
ALTER INDEX article_search_vector SET (fastupdate = off);
ALTER INDEX help_word_trgm SET (fastupdate = off);
SELECT gin_clean_pending_list('article_search_vector'::regclass);
SELECT gin_clean_pending_list('help_word_trgm'::regclass);
