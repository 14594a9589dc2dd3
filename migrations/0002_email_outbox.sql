-- The email outbox: every email Parley sends is first a row here, written in the same
-- transaction as the message that caused it, then claimed and sent by a worker (any process;
-- FOR UPDATE SKIP LOCKED and a lease let several share the work and survive crashes).
-- See docs/EMAIL.md.

CREATE TYPE email_kind AS ENUM ('support_new', 'support_followup', 'visitor_ack', 'visitor_reply');
CREATE TYPE email_status AS ENUM ('pending', 'sending', 'sent', 'failed', 'held', 'logged');

CREATE TABLE email_outbox (
  id                         bigserial PRIMARY KEY,
  kind                       email_kind NOT NULL,
  conversation_id            bigint NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  to_address                 text NOT NULL,
  status                     email_status NOT NULL DEFAULT 'pending',
  attempts                   integer NOT NULL DEFAULT 0,
  due_at                     timestamptz NOT NULL DEFAULT now(),
  -- While 'sending': the claim's lease. A claim whose lease ran out (its process died) is
  -- claimed again; the Idempotency-Key makes the second send harmless.
  claimed_until              timestamptz,
  last_error                 text,
  -- Sent to Resend as Idempotency-Key. Random, not just the id: two installations (or a
  -- recreated database) sharing one Resend account must never collide.
  idempotency_key            text NOT NULL DEFAULT (gen_random_uuid())::text,
  -- Rendered once, at the first claim, so every retry sends the same body under the same key.
  subject                    text,
  html                       text,
  text_body                  text,
  -- The messages the email covers: from the message that caused it through the last one
  -- included when it was rendered.
  first_message_id           bigint NOT NULL,
  covers_through_message_id  bigint,
  provider_id                text,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  sent_at                    timestamptz
);

-- Batching: at most one pending follow-up (or reply) email per conversation. New messages
-- join it (INSERT … ON CONFLICT DO NOTHING keeps its first message and due time).
CREATE UNIQUE INDEX email_outbox_one_pending_batch ON email_outbox (conversation_id, kind)
  WHERE status = 'pending' AND kind IN ('support_followup', 'visitor_reply');
-- One "new conversation" email and one acknowledgement per conversation, ever.
CREATE UNIQUE INDEX email_outbox_once ON email_outbox (conversation_id, kind)
  WHERE kind IN ('support_new', 'visitor_ack');
-- The worker's claim: due rows only.
CREATE INDEX email_outbox_due ON email_outbox (due_at) WHERE status IN ('pending', 'held', 'sending');
CREATE INDEX email_outbox_by_conversation ON email_outbox (conversation_id, id);
-- Late acknowledgements (the visitor gave an address after writing): recent first emails.
CREATE INDEX email_outbox_recent_new ON email_outbox (created_at) WHERE kind = 'support_new';
