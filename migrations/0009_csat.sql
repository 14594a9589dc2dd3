-- CSAT: one satisfaction survey per resolution cycle of a conversation (issue #18, docs/CSAT.md).
--
-- A conversation's resolution cycle starts when it is created and again at every reopen:
-- `cycle` counts them (1 for the first), and `cycle_after_message` is the last message id
-- before the cycle began (0 for the first), so "the messages of this cycle" are the ones with a
-- greater id. Message ids are taken under the event-order lock (src/conversation/), as is every
-- reopen, so that boundary is exact. Both columns are set by the reopen's own UPDATE.
ALTER TABLE conversation ADD COLUMN cycle integer NOT NULL DEFAULT 1;
ALTER TABLE conversation ADD COLUMN cycle_after_message bigint NOT NULL DEFAULT 0;

-- Asked on resolve when a person (sender AGENT; never a BOT) replied in the cycle; the unique
-- key makes it once per cycle. `agent_ids`: the agents who replied in that cycle, for reports.
-- `token_hash`: SHA-256 of the emailed link's token (only when an email was sent); the token
-- itself is never stored here.
CREATE TABLE csat_survey (
  id               bigserial PRIMARY KEY,
  conversation_id  bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  cycle            integer NOT NULL,
  agent_ids        bigint[] NOT NULL DEFAULT '{}',
  asked_at         timestamptz NOT NULL DEFAULT now(),
  token_hash       bytea UNIQUE,
  rating           smallint CHECK (rating BETWEEN 1 AND 5),
  comment          text CHECK (char_length(comment) <= 1000),
  rated_at         timestamptz,
  rated_via        text CHECK (rated_via IN ('widget', 'email')),
  CONSTRAINT csat_survey_once_per_cycle UNIQUE (conversation_id, cycle)
);
-- Reports read rated surveys by time.
CREATE INDEX csat_survey_rated ON csat_survey (rated_at) WHERE rating IS NOT NULL;
CREATE INDEX csat_survey_agents ON csat_survey USING gin (agent_ids);

-- The survey as the inbox and the widget see it.
CREATE VIEW csat_doc AS
SELECT s.id, s.conversation_id, s.cycle,
       json_build_object('conversationId', s.conversation_id, 'cycle', s.cycle, 'rating', s.rating,
                         'comment', s.comment, 'agents', to_json(s.agent_ids),
                         'askedAt', parley_time(s.asked_at), 'ratedAt', parley_time(s.rated_at),
                         'editableUntil', parley_time(s.asked_at + interval '24 hours')) AS doc
FROM csat_survey s;

-- The conversation's latest survey (null when none): added to conversation documents by the
-- reads in src/conversation/conversation_store.cpp, for the inbox's thread and list badge.
CREATE FUNCTION csat_brief(conversation bigint) RETURNS json LANGUAGE sql STABLE AS
$$ SELECT doc FROM csat_doc WHERE conversation_id = conversation ORDER BY cycle DESC LIMIT 1 $$;

-- The survey email to a visitor who was not connected: rendered when it is enqueued (in the
-- resolve's transaction), so the link's token exists only in this row's body until it is sent.
ALTER TYPE email_kind ADD VALUE 'visitor_csat';
-- One survey email per survey.
ALTER TABLE email_outbox ADD COLUMN csat_survey_id bigint REFERENCES csat_survey (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX email_outbox_csat_once ON email_outbox (csat_survey_id) WHERE csat_survey_id IS NOT NULL;
