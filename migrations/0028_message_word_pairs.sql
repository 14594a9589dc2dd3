-- Phrases the index can find (docs/INBOX.md#search, docs/BENCHMARKS.md#inbox-search).
--
-- The GIN index on message.search_vector knows which messages hold both words of
-- "reset password", not whether they are next to each other: the planner either walked the
-- messages newest first until 21 held the phrase (1.3 million rows, 1.2 s on 10 million
-- messages) or rechecked every message holding both words (7.7 s for two common words).
--
-- message_word_pairs(v) is one lexeme 'a b' for each two lexemes of v at positions p and p + 1
-- (the space: no lexeme of the stored vector or of websearch_to_tsquery holds one, and a
-- collision would only add candidates — the phrase itself is still checked on search_vector).
-- It reads the stored vector, not the text, so it needs no text-search configuration and is
-- IMMUTABLE: an expression index, computed by every writer's INSERT like any index entry, for
-- the rows written before this migration as for those after — no column, no trigger, no
-- rewrite of the table. The search adds `message_word_pairs(search_vector) @@ 'reset password'`
-- for each quoted phrase (src/search/message_search.cpp); rows rebuilt by the vectors' backfill
-- get their pairs from the same UPDATE.
--
-- PL/pgSQL rather than SQL: its plan is kept for the session, so the writer's one-row
-- statements do not plan a SQL function body each time. 19–35 µs for a message of
-- 10–20 words, about what to_tsvector of the text costs; +38 µs per INSERT with the index
-- entries (docs/BENCHMARKS.md#inbox-search).
CREATE FUNCTION message_word_pairs(v tsvector) RETURNS tsvector
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  words text[] := '{}';  -- words[p]: the lexeme at position p (NULL: none, e.g. a stop word)
  pairs text[] := '{}';
  entry record;
  p integer;
BEGIN
  FOR entry IN SELECT lexeme, positions FROM unnest(v) LOOP
    FOREACH p IN ARRAY coalesce(entry.positions, '{}') LOOP  -- NULL: a stripped vector
      IF words[p] IS NOT NULL THEN
        -- Two lexemes at one position (a dictionary giving several, or positions past 16,383
        -- all stored as 16,383): every combination, the slower way.
        RETURN (SELECT coalesce(array_to_tsvector(array_agg(a.lexeme || ' ' || b.lexeme)), ''::tsvector)
                FROM (SELECT u.lexeme, q FROM unnest(v) u, unnest(u.positions) q) a
                JOIN (SELECT u.lexeme, q FROM unnest(v) u, unnest(u.positions) q) b ON b.q = a.q + 1);
      END IF;
      words[p] := entry.lexeme;
    END LOOP;
  END LOOP;
  IF cardinality(words) = 0 THEN
    RETURN ''::tsvector;  -- no positions (an empty or stripped vector): no pairs
  END IF;
  FOR p IN array_lower(words, 1) .. array_upper(words, 1) - 1 LOOP
    IF words[p] IS NOT NULL AND words[p + 1] IS NOT NULL THEN
      pairs := pairs || (words[p] || ' ' || words[p + 1]);
    END IF;
  END LOOP;
  RETURN array_to_tsvector(pairs);
END
$$;
-- Its cost stays the default (100 × cpu_operator_cost), to_tsvector's: about what it takes.
-- Among the filters of a scan the phrase check on search_vector (cost 1) runs first, so the
-- pairs are computed only for the rows holding the phrase.

-- A lexeme written as tsquery input: in single quotes, ' doubled, \ escaped.
CREATE FUNCTION message_tsquery_literal(lexeme text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' $$;

-- The query's side: for the quoted phrases of a search (one a line, as typed between the
-- quotes), the pairs of words at distance 1 in each, all required:
-- 'reset password' & 'password link'. The words are stemmed and counted as the message text
-- was (to_tsvector with the same configuration: a stop word keeps its position, so
-- "reset the password" has no pair). A phrase gives pairs only when its websearch query is
-- exactly the chain of those lexemes at those distances ('reset' <-> 'password' <-> 'link'):
-- where the two parses could disagree (punctuation, a word giving several lexemes) it adds no
-- condition rather than a wrong one. NULL when no phrase gives a pair — the search then adds
-- no condition at all. IMMUTABLE, so the planner computes it once with the query's values and
-- estimates the pairs' share from the index's statistics.
CREATE FUNCTION message_phrase_pairs(cfg regconfig, phrases text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH word AS (
    SELECT t.n, t.text, w.p, min(u.lexeme) AS lexeme, count(*) AS lexemes
    FROM string_to_table(phrases, E'\n') WITH ORDINALITY AS t(text, n),
         unnest(to_tsvector(cfg, t.text)) AS u, unnest(u.positions) AS w(p)
    GROUP BY t.n, t.text, w.p
  ), chain AS (
    SELECT n, text, p, lexemes, lexeme,
           lead(lexeme) OVER (PARTITION BY n ORDER BY p) AS next,
           lead(p) OVER (PARTITION BY n ORDER BY p) - p AS gap
    FROM word
  ), phrase AS (
    SELECT n FROM chain GROUP BY n, text
    HAVING max(lexemes) = 1
       AND string_agg(message_tsquery_literal(lexeme) || coalesce(' <' || gap || '> ', ''), '' ORDER BY p)::tsquery
           = websearch_to_tsquery(cfg, '"' || text || '"')
  )
  SELECT string_agg(DISTINCT message_tsquery_literal(lexeme || ' ' || next), ' & ')::tsquery
  FROM chain WHERE gap = 1 AND n IN (SELECT n FROM phrase)
$$;

-- An upgrade builds this once over every message: 10 million messages took ≈8.7 min and
-- 600 MB (docs/OPERATIONS.md#upgrades); the memory makes the GIN build sort in fewer passes.
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX message_word_pairs ON message USING gin (message_word_pairs(search_vector))
  WITH (gin_pending_list_limit = 1024);  -- as message_search_vector (0031): flushed every second by each process
-- The planner chooses between this index and walking the messages newest first from the
-- phrase's estimated share: most-common-element statistics of the pairs, as many as for the
-- words (0013).
ALTER INDEX message_word_pairs ALTER COLUMN 1 SET STATISTICS 1000;
