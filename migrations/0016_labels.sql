-- Labels (the agent's workspace, docs/INBOX.md "Labels"): admins define them, any agent puts
-- them on conversations, the inbox list filters by them. A conversation refers to a label by
-- its id (a foreign key, never a copy of the name), so a rename shows everywhere at once and a
-- delete takes the label off every conversation in the same statement.
-- Every write is in src/conversation/labels.cpp, inside an EventTransaction: every inbox, in
-- every process, hears of it. Labels are for agents only: no visitor frame ever carries one.

CREATE TABLE label (
  id          bigserial PRIMARY KEY,
  -- 1–40 characters after trimming (checked, with the text rule, by the server; the CHECK is
  -- the last fence).
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
  colour      text NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),  -- lowercase #rrggbb
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- Unique whatever the case: "Billing" and "billing" are one label.
CREATE UNIQUE INDEX label_name_unique ON label (lower(name));

CREATE TABLE conversation_label (
  conversation_id  bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  label_id         bigint NOT NULL REFERENCES label (id) ON DELETE CASCADE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, label_id)
);
-- The list's label filter, the per-label counts and the cascade of a label's delete.
CREATE INDEX conversation_label_label ON conversation_label (label_id, conversation_id);

-- A conversation's labels as agents see them: [{id, name, colour}], by name. Added to the
-- conversation document the inbox reads and the agents' `conversation` events carry.
CREATE FUNCTION conversation_labels(conversation bigint) RETURNS jsonb LANGUAGE sql STABLE AS
$$ SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'colour', l.colour)
                             ORDER BY lower(l.name), l.id), '[]'::jsonb)
   FROM conversation_label cl JOIN label l ON l.id = cl.label_id
   WHERE cl.conversation_id = conversation $$;
