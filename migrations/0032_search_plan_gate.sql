-- A cheaper ANALYZE of message, and a search plan that no longer rests on fine statistics
-- (docs/BENCHMARKS.md#what-analyze-of-message-costs, docs/INBOX.md#search).
--
-- ANALYZE samples 300 × the largest statistics target of the table's columns and of its
-- expression indexes' columns, and computes every expression index's value for each sampled
-- row: with search_vector at 1,000 (0013) that is 300,000 rows, and message_word_pairs() (0028,
-- PL/pgSQL) evaluated 300,000 times — 8.9–14.8 s of one core on 10 million messages, and up to
-- 7.5 s in the soak, every 10 % of growth. At 300 the sample is 90,000 rows: 2.6–2.7 s.
-- The pairs' own target cannot go lower on its own (the sample is the table's, so the pairs are
-- computed for all of it), nor to 0 (without their statistics the planner walked the messages
-- for every phrase: 3.3 s for "reset password").
--
-- At 300 the planner's share of a word it does not track (most-common elements: 3,000 rather
-- than 10,000) is higher (0.04 % rather than 0.014 % of the messages on the history), and that
-- was enough to make it walk the messages newest first for rare words and for words that occur
-- once — past every message, when the word is in none of the newest. So the search no longer
-- leaves that choice to the planner's cost model: message_search_share() gives the planner's
-- estimated share of the messages matching the query, and the search walks newest first only
-- when it is above 1 in 200 (src/search/message_search.cpp); below, it reads the index.
ALTER TABLE message ALTER COLUMN search_vector SET STATISTICS 300;
ALTER INDEX message_word_pairs ALTER COLUMN 1 SET STATISTICS 300;

-- The planner's estimated share of messages matching `q` (the words' index), or, when the
-- search has phrase pairs, `pairs` (the pairs' index: what the search would read). Its own
-- estimate, from the same statistics and the same rules for & | ! <->, asked with EXPLAIN: an
-- unknown word is min(0.5 %, half the least share tracked). VOLATILE: PostgreSQL runs EXPLAIN
-- only from a volatile function. Two plans of one table: well under a millisecond (the words
-- that occur once, read from the index, took ~0.7 ms more at p50 through HTTP).
CREATE FUNCTION message_search_share(q tsquery, pairs tsquery) RETURNS float8
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
DECLARE
  matching json;
  total json;
BEGIN
  IF pairs IS NOT NULL THEN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM message WHERE message_word_pairs(search_vector) @@ %L::tsquery', pairs::text)
      INTO matching;
  ELSIF q IS NOT NULL THEN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM message WHERE search_vector @@ %L::tsquery', q::text)
      INTO matching;
  ELSE
    RETURN 0;
  END IF;
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM message' INTO total;
  RETURN (matching -> 0 -> 'Plan' ->> 'Plan Rows')::float8
         / greatest((total -> 0 -> 'Plan' ->> 'Plan Rows')::float8, 1);
END
$$;
