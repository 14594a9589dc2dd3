-- The message search index's pending list is now flushed every second by each Parley process
-- (src/search/pending_list_flush.cpp), on its own connection, outside the message writer's
-- transaction. 0026's 256 kB limit made the flushes that the writer's INSERTs still did a
-- sixteenth the size, but at 5,000 msg/s of real text that list fills in under a second, so
-- the writer still flushed every second or so (20–90 ms each, holding the event-order lock).
-- With 1 MB the list does not reach its limit between two flushes (up to ~720 kB a second
-- measured), and the writer flushes only if the flushing falls behind — then a quarter of
-- PostgreSQL's default 4 MB.
ALTER INDEX message_search_vector SET (gin_pending_list_limit = 1024);
