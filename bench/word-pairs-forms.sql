-- Other forms of message_word_pairs (migration 0028), for comparison (docs/BENCHMARKS.md,
-- "What limits Parley", item 3: "Search on the write path, measured piece by piece"). Temporary
-- functions only (pg_temp): nothing of the database changes.
--   psql -X -v ON_ERROR_STOP=1 -d DB -f bench/word-pairs-forms.sql
-- on a migrated database with messages (e.g. bench/search-history's). It checks that every form
-- gives 0028's result for the newest 200,000 vectors and for edge cases (it stops at the first
-- difference), then times each over those vectors (\timing; run it inside the benchmark lock).
\set ON_ERROR_STOP 1

-- 0028's slow path, for every vector: the lexemes at position p joined with those at p + 1.
CREATE FUNCTION pg_temp.wp_join_sql(v tsvector) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(array_to_tsvector(array_agg(a.lexeme || ' ' || b.lexeme)), ''::tsvector)
  FROM (SELECT u.lexeme, q FROM unnest(v) u, unnest(u.positions) q) a
  JOIN (SELECT u.lexeme, q FROM unnest(v) u, unnest(u.positions) q) b ON b.q = a.q + 1
$$;
CREATE FUNCTION pg_temp.wp_join_plpgsql(v tsvector) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN (SELECT coalesce(array_to_tsvector(array_agg(a.lexeme || ' ' || b.lexeme)), ''::tsvector)
          FROM (SELECT u.lexeme, q FROM unnest(v) u, unnest(u.positions) q) a
          JOIN (SELECT u.lexeme, q FROM unnest(v) u, unnest(u.positions) q) b ON b.q = a.q + 1);
END $$;
-- 0028's loops without its SPI query: the lexemes and positions split out of the text form
-- ('lex':1,5 'lex2':2 — weights set to D so none is printed); the join where a lexeme holds a
-- quote or a backslash (escaped in the text) or two lexemes share a position.
CREATE FUNCTION pg_temp.wp_no_spi(v tsvector) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  t text := setweight(v, 'D')::text;
  parts text[];
  words text[] := '{}';
  pairs text[] := '{}';
  p integer;
BEGIN
  IF strpos(t, '''''') > 0 OR strpos(t, '\') > 0 THEN
    RETURN pg_temp.wp_join_sql(v);
  END IF;
  parts := string_to_array(t, '''');  -- '', lexeme 1, ':1,5 ', lexeme 2, ' ' (stripped), …
  FOR i IN 1 .. cardinality(parts) / 2 LOOP
    FOREACH p IN ARRAY string_to_array(btrim(parts[2 * i + 1], ': '), ',')::integer[] LOOP
      IF words[p] IS NOT NULL THEN
        RETURN pg_temp.wp_join_sql(v);
      END IF;
      words[p] := parts[2 * i];
    END LOOP;
  END LOOP;
  IF cardinality(words) = 0 THEN
    RETURN ''::tsvector;
  END IF;
  FOR p IN array_lower(words, 1) .. array_upper(words, 1) - 1 LOOP
    IF words[p] IS NOT NULL AND words[p + 1] IS NOT NULL THEN
      pairs := pairs || (words[p] || ' ' || words[p + 1]);
    END IF;
  END LOOP;
  RETURN array_to_tsvector(pairs);
END $$;

CREATE TEMP TABLE wp_sample AS
  SELECT search_vector AS v FROM message WHERE search_vector IS NOT NULL ORDER BY id DESC LIMIT 200000;
INSERT INTO wp_sample VALUES
  (''), (strip(to_tsvector('english', 'reset the password link'))), (to_tsvector('english', 'reset the password link')),
  ($$'a':1 'b':1 'c':2$$), ($$'a':16383 'b':16383 'c':16382$$), ($$'a':1,3 'b':2,4 'c':5$$),
  ($$'it''s':1 'back\\slash':2 'x':3$$), ($$'a b':1 'c':2A 'd':3B,4C$$), ($$'a':1 'b' 'c':2$$), ($$'a':2 'c':4$$),
  ($$'''x':1 'y''':2 'z':3$$), (to_tsvector('english', repeat('word other ', 9000))), (to_tsvector('simple', 'a a a a'));

SELECT count(*) AS vectors,
       count(*) FILTER (WHERE message_word_pairs(v) IS DISTINCT FROM pg_temp.wp_join_sql(v)) AS differ_join_sql,
       count(*) FILTER (WHERE message_word_pairs(v) IS DISTINCT FROM pg_temp.wp_join_plpgsql(v)) AS differ_join_plpgsql,
       count(*) FILTER (WHERE message_word_pairs(v) IS DISTINCT FROM pg_temp.wp_no_spi(v)) AS differ_no_spi
FROM wp_sample \gset
\echo :vectors vectors; forms differing from 0028: join_sql :differ_join_sql, join_plpgsql :differ_join_plpgsql, no_spi :differ_no_spi
SELECT (:differ_join_sql + :differ_join_plpgsql + :differ_no_spi) = 0 AS same \gset
\if :same
\else
  \echo 'a form differs from 0028'
  \quit
\endif

\timing on
SELECT sum(length(message_word_pairs(v))) AS "0028" FROM wp_sample;
SELECT sum(length(pg_temp.wp_join_sql(v))) AS join_sql FROM wp_sample;
SELECT sum(length(pg_temp.wp_join_plpgsql(v))) AS join_plpgsql FROM wp_sample;
SELECT sum(length(pg_temp.wp_no_spi(v))) AS no_spi FROM wp_sample;
