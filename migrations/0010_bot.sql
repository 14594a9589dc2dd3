-- The FAQ bot (issue #17, docs/BOT.md): its part in each conversation, the articles of its
-- answer, and what the deflection report counts.
--
-- conversation.bot_state (state_machine.hpp, BotState): NULL when the bot was off as the
-- conversation began; 'pending' until the bot looked at the first message; 'waiting' after it
-- answered, until the visitor chose; then 'resolved' (resolved by the bot) or 'handed' (a
-- person was asked for, or the visitor wrote again); 'quiet' when no article was confident.
-- While 'pending' or 'waiting' the team is not alerted and no offline email is enqueued.
-- bot_decided_at: when it left 'pending'/'waiting' for good (the deflection report's day).
ALTER TABLE conversation ADD COLUMN bot_state text
  CHECK (bot_state IN ('pending', 'waiting', 'resolved', 'handed', 'quiet'));
ALTER TABLE conversation ADD COLUMN bot_decided_at timestamptz;
-- The few conversations the bot still holds: found by its sweep without scanning the table.
CREATE INDEX conversation_bot_open ON conversation (id) WHERE bot_state IN ('pending', 'waiting');
-- The deflection report: outcomes per day.
CREATE INDEX conversation_bot_decided ON conversation (bot_decided_at) WHERE bot_decided_at IS NOT NULL;

-- The bot's message carries its articles ([{slug, title, url, snippet}]); NULL on every other.
ALTER TABLE message ADD COLUMN bot_articles jsonb;

-- The documents gain `articles` (the bot's message) and `bot` (conversations). CREATE OR REPLACE keeps
-- the views' columns, so nothing that depends on them is dropped.
-- `articles` only on the bot's message: every other document stays as the message batch
-- statement builds it (src/conversation/message_batch.cpp), byte for byte.
CREATE OR REPLACE VIEW message_doc AS
SELECT m.id, m.conversation_id,
       CASE WHEN m.bot_articles IS NULL THEN
         json_build_object('id', m.id, 'conversationId', m.conversation_id, 'sender', m.sender,
                           'agentId', m.agent_id, 'agentName', a.name, 'clientId', m.client_id,
                           'body', m.body, 'createdAt', parley_time(m.created_at))
       ELSE
         json_build_object('id', m.id, 'conversationId', m.conversation_id, 'sender', m.sender,
                           'agentId', m.agent_id, 'agentName', a.name, 'clientId', m.client_id,
                           'body', m.body, 'createdAt', parley_time(m.created_at),
                           'articles', m.bot_articles)
       END AS doc
FROM message m LEFT JOIN agent a ON a.id = m.agent_id;

CREATE OR REPLACE VIEW conversation_doc AS
SELECT c.id, c.visitor_id, c.status, c.assigned_agent_id, c.updated_at,
       json_build_object('id', c.id, 'status', c.status, 'version', c.version,
                         'assignedTo', CASE WHEN a.id IS NULL THEN NULL
                                            ELSE json_build_object('id', a.id, 'name', a.name) END,
                         'visitor', vd.doc, 'page', c.page_url, 'createdAt', parley_time(c.created_at),
                         'updatedAt', parley_time(c.updated_at), 'lastMessage', lm.doc,
                         'bot', c.bot_state) AS doc
FROM conversation c
JOIN visitor_doc vd ON vd.id = c.visitor_id
LEFT JOIN agent a ON a.id = c.assigned_agent_id
LEFT JOIN LATERAL (
  SELECT md.doc FROM message_doc md WHERE md.conversation_id = c.id ORDER BY md.id DESC LIMIT 1
) lm ON true;
