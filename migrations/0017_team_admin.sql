-- Running the team from the inbox (docs/INBOX.md, "Team and profile"): invited agents,
-- one-time links (invitation and password reset), and each agent's notification preferences.

-- An invited agent exists (so the email is taken and the admin sees them) but cannot log in:
-- `disabled` stays true and `password_hash` is empty (never a valid Argon2 hash) until the
-- invitation is accepted. agent_doc (migration 0001) already leaves disabled agents out.
ALTER TABLE agent ADD COLUMN invited boolean NOT NULL DEFAULT false;

-- Desktop notifications, sound, and for which events; kept server-side so they follow the
-- agent between browsers. Shape checked by src/auth/agent_preferences.cpp; '{}' = defaults.
ALTER TABLE agent ADD COLUMN notification_prefs jsonb NOT NULL DEFAULT '{}'
  CHECK (jsonb_typeof(notification_prefs) = 'object' AND length(notification_prefs::text) <= 1000);

-- A one-time link that lets its holder set the agent's password: 'invite' (the first one,
-- activating the account) or 'reset'. Only the SHA-256 of the link's token is stored (like
-- sessions and CSAT links). A new link for an agent voids the live one.
CREATE TABLE agent_link (
  id          bigserial PRIMARY KEY,
  agent_id    bigint NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('invite', 'reset')),
  token_hash  bytea NOT NULL UNIQUE,
  created_by  bigint REFERENCES agent (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  voided_at   timestamptz
);
-- At most one live link per agent.
CREATE UNIQUE INDEX agent_link_live ON agent_link (agent_id) WHERE used_at IS NULL AND voided_at IS NULL;

-- Their emails go through the outbox like every other (durable, sent once), rendered when
-- enqueued (the body holds the token, so the worker never logs it). They belong to no
-- conversation.
ALTER TYPE email_kind ADD VALUE 'agent_invite';
ALTER TYPE email_kind ADD VALUE 'agent_reset';
ALTER TABLE email_outbox ALTER COLUMN conversation_id DROP NOT NULL;
ALTER TABLE email_outbox ALTER COLUMN first_message_id DROP NOT NULL;
ALTER TABLE email_outbox ADD COLUMN agent_link_id bigint REFERENCES agent_link (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX email_outbox_agent_link_once ON email_outbox (agent_link_id) WHERE agent_link_id IS NOT NULL;
