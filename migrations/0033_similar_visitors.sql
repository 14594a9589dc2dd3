-- Visitors whose name, email or user id resembles a search's words, through the trigram index
-- (docs/INBOX.md#search, docs/BENCHMARKS.md#inbox-search).
--
-- The search looks for similar spellings ("kowalsky" for Kowalski) only when fewer than 20
-- visitors hold the words as typed, and takes at most `n` of them. Inline, the planner
-- estimated 2 % of the visitors similar (its default for `<%`) where 0.4 % were, and read
-- `visitor` sequentially until it had found 100: 25,596 rows and 122 ms for "kowalsky" on a
-- million visitors — and the whole table for a word like nobody's name. Here the scan is the
-- trigram index's: its posting lists hold the few similar visitors whatever the estimate. A
-- word resembling thousands of names ("card": Carter, Ricardo…) still stops at `n`.
-- The word-similarity threshold is the caller's (the search sets it for its transaction).
CREATE FUNCTION similar_visitors(words text, n integer) RETURNS SETOF bigint
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET enable_seqscan = off
AS $$
  SELECT v.id FROM visitor v
  WHERE words <% visitor_search_text(v.name, v.email, v.user_id)
  LIMIT n
$$;
