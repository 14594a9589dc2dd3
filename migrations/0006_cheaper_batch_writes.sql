-- Cheaper group-commit batches (issue #7, profiled in docs/BENCHMARKS.md).
--
-- 1. The message → conversation foreign key ran a query of its own for every inserted message
--    (PostgreSQL checks a foreign key row by row): a quarter of PostgreSQL's CPU per message at
--    10,000 msg/s. Messages have one writer (src/chat/message_writer.cpp), which looks each
--    conversation up anyway and now locks it FOR KEY SHARE, as the check did: a conversation
--    cannot be deleted under a batch, and a message is never written into a missing one.
--    Deleting conversations (by cascade from a deleted visitor, say) still deletes their
--    messages, by this trigger — once per statement, not per row.
ALTER TABLE message DROP CONSTRAINT message_conversation_id_fkey;

CREATE FUNCTION parley_delete_messages_of_deleted_conversations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM message m USING deleted_conversations d WHERE m.conversation_id = d.id;
  RETURN NULL;
END $$;

CREATE TRIGGER conversation_deletes_its_messages AFTER DELETE ON conversation
  REFERENCING OLD TABLE AS deleted_conversations
  FOR EACH STATEMENT EXECUTE FUNCTION parley_delete_messages_of_deleted_conversations();

-- 2. A batch's event row holds every message of the batch and is compressed when stored;
--    lz4 does that several times faster than the default pglz.
ALTER TABLE event_log ALTER COLUMN frame SET COMPRESSION lz4;
