-- Canned replies (docs/INBOX.md, "Canned replies"): saved answers an agent inserts into the
-- reply box with /shortcut. A personal reply belongs to one agent (owner_agent_id); a team
-- reply (owner_agent_id NULL) is managed by admins and seen by every agent.
CREATE TABLE canned_reply (
  id             bigserial PRIMARY KEY,
  owner_agent_id bigint REFERENCES agent (id) ON DELETE CASCADE,
  -- The same rules as src/canned/canned_replies.cpp, so no other writer can store what the
  -- inbox cannot type.
  shortcut       text NOT NULL CHECK (shortcut ~ '^[a-z0-9_-]{1,32}$'),
  title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 80),
  body           text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
  use_count      bigint NOT NULL DEFAULT 0,  -- by everyone: the team's ranking
  last_used_at   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
-- A shortcut is unique within its scope: the team's, or one agent's own.
CREATE UNIQUE INDEX canned_reply_team_shortcut ON canned_reply (shortcut) WHERE owner_agent_id IS NULL;
CREATE UNIQUE INDEX canned_reply_own_shortcut ON canned_reply (owner_agent_id, shortcut)
  WHERE owner_agent_id IS NOT NULL;

-- Each agent's own use of a reply (team or personal): the menu ranks what *I* use first.
CREATE TABLE canned_reply_use (
  reply_id     bigint NOT NULL REFERENCES canned_reply (id) ON DELETE CASCADE,
  agent_id     bigint NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
  use_count    bigint NOT NULL DEFAULT 0,
  last_used_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, reply_id)
);
CREATE INDEX canned_reply_use_reply ON canned_reply_use (reply_id);
