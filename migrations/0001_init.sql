-- The original schema (Visitor, Conversation, Message) with agents, sessions and the
-- columns reliable delivery needs (client message ids, verified identities).

CREATE TYPE conversation_status AS ENUM ('OPEN', 'ASSIGNED', 'RESOLVED');
CREATE TYPE message_sender AS ENUM ('VISITOR', 'AGENT', 'BOT');
CREATE TYPE agent_role AS ENUM ('admin', 'agent');
CREATE TYPE agent_presence AS ENUM ('online', 'away');

CREATE TABLE agent (
  id            bigserial PRIMARY KEY,
  email         text NOT NULL,
  name          text NOT NULL,
  role          agent_role NOT NULL DEFAULT 'agent',
  password_hash text NOT NULL,
  presence      agent_presence NOT NULL DEFAULT 'online',
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agent_email_key ON agent (lower(email));

-- Only the SHA-256 of a session token is stored: a leaked table opens no session.
CREATE TABLE agent_session (
  token_hash  bytea PRIMARY KEY,
  agent_id    bigint NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX agent_session_agent ON agent_session (agent_id);

CREATE TABLE visitor (
  id            bigserial PRIMARY KEY,
  -- The customer's user id. Unique only when verified by HMAC; an unverified claim is
  -- recorded on the browser's own visitor and never merged with anyone.
  user_id       text,
  verified      boolean NOT NULL DEFAULT false,
  email         text,
  name          text,
  metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX visitor_verified_user ON visitor (user_id) WHERE verified;

CREATE TABLE visitor_token (
  token_hash  bytea PRIMARY KEY,
  visitor_id  bigint NOT NULL REFERENCES visitor (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visitor_token_visitor ON visitor_token (visitor_id);

CREATE TABLE conversation (
  id                 bigserial PRIMARY KEY,
  visitor_id         bigint NOT NULL REFERENCES visitor (id) ON DELETE CASCADE,
  status             conversation_status NOT NULL DEFAULT 'OPEN',
  assigned_agent_id  bigint REFERENCES agent (id) ON DELETE SET NULL,
  page_url           text,
  last_message_id    bigint,
  -- Bumped by every assignment or status change, so clients can drop stale events.
  version            bigint NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
-- A visitor has at most one conversation that is not resolved.
CREATE UNIQUE INDEX conversation_one_open ON conversation (visitor_id) WHERE status <> 'RESOLVED';
-- The inbox lists by status, newest update first, paginated by (updated_at, id).
CREATE INDEX conversation_inbox ON conversation (status, updated_at DESC, id DESC);
CREATE INDEX conversation_by_agent ON conversation (assigned_agent_id, status, updated_at DESC, id DESC);
CREATE INDEX conversation_by_visitor ON conversation (visitor_id, created_at DESC);

CREATE TABLE message (
  id               bigserial PRIMARY KEY,
  conversation_id  bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  sender           message_sender NOT NULL,
  agent_id         bigint REFERENCES agent (id) ON DELETE SET NULL,
  -- Chosen by the client; a re-sent message carries the same one and is stored once.
  client_id        text NOT NULL,
  body             text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT message_client_id_once UNIQUE (conversation_id, client_id)
);
-- Cursor reads: a conversation's messages after the last id a client saw.
CREATE INDEX message_by_conversation ON message (conversation_id, id);

-- Read models as JSON, built where the data is: the API passes these documents through.
-- Times are ISO-8601 in UTC with milliseconds, as JavaScript's Date.toISOString() writes them.
CREATE FUNCTION parley_time(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE VIEW message_doc AS
SELECT m.id, m.conversation_id,
       json_build_object('id', m.id, 'conversationId', m.conversation_id, 'sender', m.sender,
                         'agentId', m.agent_id, 'agentName', a.name, 'clientId', m.client_id,
                         'body', m.body, 'createdAt', parley_time(m.created_at)) AS doc
FROM message m LEFT JOIN agent a ON a.id = m.agent_id;

CREATE VIEW visitor_doc AS
SELECT v.id,
       json_build_object('id', v.id, 'name', v.name, 'email', v.email, 'verified', v.verified,
                         'userId', v.user_id, 'metadata', v.metadata) AS doc
FROM visitor v;

CREATE VIEW conversation_doc AS
SELECT c.id, c.visitor_id, c.status, c.assigned_agent_id, c.updated_at,
       json_build_object('id', c.id, 'status', c.status, 'version', c.version,
                         'assignedTo', CASE WHEN a.id IS NULL THEN NULL
                                            ELSE json_build_object('id', a.id, 'name', a.name) END,
                         'visitor', vd.doc, 'page', c.page_url, 'createdAt', parley_time(c.created_at),
                         'updatedAt', parley_time(c.updated_at), 'lastMessage', md.doc) AS doc
FROM conversation c
JOIN visitor_doc vd ON vd.id = c.visitor_id
LEFT JOIN agent a ON a.id = c.assigned_agent_id
LEFT JOIN message_doc md ON md.id = c.last_message_id;

CREATE VIEW agent_doc AS
SELECT a.id, json_build_object('id', a.id, 'email', a.email, 'name', a.name, 'role', a.role,
                               'status', a.presence) AS doc
FROM agent a WHERE NOT a.disabled;
