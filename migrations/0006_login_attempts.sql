-- Recent failed logins, shared by every Parley process (issue #15): login throttling counts them
-- per client address, per address + account and per account over sliding windows of 10 and 15
-- minutes (src/auth/login_policy.cpp; docs/OPERATIONS.md, "Abuse limits").
--
-- One row per failure rather than a counter per key: the windows slide, and a refusal must say
-- when it ends, which is when the n-th newest failure leaves the window — counters in fixed
-- buckets cannot tell. The rows stay few because the policy bounds them: a refused attempt is
-- not stored, so an address adds at most 20 rows in 10 minutes, and an account about two a
-- minute once its delay has started (plus 5 per address before that).
--
-- An attempt the policy allows is stored here *before* its password is checked (so parallel
-- attempts see each other; src/auth/login_attempts.cpp takes an advisory lock per address and
-- per account around the check and the insert) and deleted again when it succeeds, with the
-- other failures of that address for that account. `account` is the email as typed,
-- lower-cased, whether or not such an agent exists. Housekeeping deletes rows older than a day;
-- until then operators can see an attack (`SELECT address, count(*) FROM login_failure GROUP BY 1`).
CREATE TABLE login_failure (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  address text NOT NULL,
  account text NOT NULL
);

-- The newest failures of an address, of an account (the pair's are read through the account's:
-- an account has few recent rows), and the old ones to prune.
CREATE INDEX login_failure_address_at ON login_failure (address, at);
CREATE INDEX login_failure_account_at ON login_failure (account, at);
CREATE INDEX login_failure_at ON login_failure (at);
