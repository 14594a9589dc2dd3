-- Help-center search, faster (docs/BENCHMARKS.md "Help-center search"; docs/HELP_CENTER.md).
--
-- 1. The words of the published articles, for typo correction. A query word the articles never
--    use ("pasword") is replaced by the most similar word they do use ("password", pg_trgm
--    similarity over this table's few thousand words: one small index lookup), and the corrected
--    question runs through the full-text index like any other. Before, a query that matched no
--    article compared its words with every title through the trigram index (200 titles fetched
--    and scored, 3–10 ms with 10,000 articles) — even when every word was a real one that no
--    single article happened to hold ("two topics"), where no correction can help.
--    The words are the articles' titles and plain-text bodies split by the 'simple'
--    configuration (lower case, not stemmed: the correction is a word a visitor would type, and
--    it goes through the configured stemmer afterwards), letters only, 3–32 characters.
--    Kept by a trigger on article, so every writer (the API, `parley articles import`) keeps it
--    in the article's own transaction. Writing an article only adds the words the table lacks
--    (an index probe each; no row shared by many articles is rewritten, which made a first
--    version with a count per word take minutes to import 10,000 articles). A word an edit or
--    a deletion removes goes when no other published article holds its stem any more (a GIN
--    probe of the search vectors per removed word; stop words stay). Two writers removing the last two holders
--    of a word at once may both leave it: harmless, a correction to it finds nothing and the
--    search goes on to "some of the words".
CREATE TABLE help_word (
  word text PRIMARY KEY
);
CREATE INDEX help_word_trgm ON help_word USING gin (word gin_trgm_ops);

-- The distinct words of an article.
CREATE FUNCTION help_article_words(title text, body_text text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
  SELECT coalesce(array_agg(w), '{}')
  FROM unnest(tsvector_to_array(to_tsvector('simple', title || ' ' || body_text))) w
  WHERE length(w) BETWEEN 3 AND 32 AND w ~ '^[[:alpha:]]+$'
$$;

CREATE FUNCTION help_word_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_words text[] := '{}';
  new_words text[] := '{}';
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status = 'published' THEN
    old_words := help_article_words(OLD.title, OLD.body_text);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status = 'published' THEN
    new_words := help_article_words(NEW.title, NEW.body_text);
  END IF;
  IF old_words = new_words THEN
    RETURN NULL;
  END IF;
  INSERT INTO help_word (word)
    SELECT w FROM unnest(new_words) w
    WHERE NOT w = ANY (old_words) AND NOT EXISTS (SELECT 1 FROM help_word h WHERE h.word = w)
    ON CONFLICT (word) DO NOTHING;
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM help_word h
      WHERE h.word = ANY (old_words) AND NOT h.word = ANY (new_words)
        -- a stop word ("what", "with") has no stem to look for: it stays, known
        AND numnode(plainto_tsquery(OLD.search_config::regconfig, h.word)) > 0
        AND NOT EXISTS (SELECT 1 FROM article a
                        WHERE a.status = 'published' AND a.id <> OLD.id
                          AND a.search_vector @@ plainto_tsquery(OLD.search_config::regconfig, h.word));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER help_word_maintain AFTER INSERT OR DELETE OR UPDATE OF title, body_text, status ON article
  FOR EACH ROW EXECUTE FUNCTION help_word_maintain();

INSERT INTO help_word (word)
  SELECT DISTINCT w FROM article, unnest(help_article_words(title, body_text)) w WHERE status = 'published';

-- 2. The search vector stays in the article's row (compressed there if need be) rather than
--    in the TOAST table: ranking reads the vectors of up to 100 matching articles per search,
--    and an out-of-line vector (most of them: the row with its Markdown and HTML passes the
--    2 KB threshold) costs a TOAST index lookup each (~4 µs). The Markdown and HTML, read only
--    to show one article, go out of line first. Existing rows are rewritten once so that their
--    vectors move back in.
ALTER TABLE article ALTER COLUMN search_vector SET STORAGE MAIN;
UPDATE article SET search_vector = search_vector || ''::tsvector;

-- 3. Titles are no longer compared with typed words (1.): their trigram index goes, and with it
--    its upkeep on every write.
DROP INDEX article_title_trgm;
