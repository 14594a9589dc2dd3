-- Business hours (docs/INBOX.md, Hours): one schedule for the team, as the REST API holds it
-- (validated by Parley before it is written). No row: always open, as before.
CREATE TABLE business_hours (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  schedule    jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  bigint REFERENCES agent (id) ON DELETE SET NULL
);

-- A support email caused by a visitor message written outside business hours says so
-- (docs/EMAIL.md). A constant default: no table rewrite.
ALTER TABLE email_outbox ADD COLUMN out_of_hours boolean NOT NULL DEFAULT false;

-- The expected reply time reads the last 7 days of conversations every few minutes.
CREATE INDEX conversation_by_created ON conversation (created_at);
