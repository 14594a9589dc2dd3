-- One event_log row per group-commit batch of messages instead of one per message (issue #7,
-- docs/BENCHMARKS.md): a row, its index entry and its read by every process per batch.
--
-- When visitor_ids is set, `frame` holds one frame per line — JSON text never contains a raw
-- newline, PostgreSQL escapes it in strings — and line i goes to the tabs of visitor_ids[i]
-- (and to every agent when to_agents). Rows without it are a single frame, as before.
-- Every process must read this format: upgrade all processes together across this migration.
ALTER TABLE event_log ADD COLUMN visitor_ids bigint[];
