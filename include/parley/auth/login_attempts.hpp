#pragma once
// Login throttling shared by every process through PostgreSQL: the recent failed logins
// (table login_failure, migrations/0006_login_attempts.sql) judged by the policy in
// login_policy.hpp. Database work: call on a database thread.
#include <cstdint>
#include <optional>
#include <string>

#include "parley/auth/agent_accounts.hpp"
#include "parley/auth/login_policy.hpp"
#include "parley/store/db_conn.hpp"

namespace parley::auth {

// The recent failures for (address, account), read in one statement: the newest
// policy.depth() of each kind within policy.lookback_seconds(), as ages in seconds.
LoginFailures recent_login_failures(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& address,
                                    const std::string& account, const LoginPolicy& policy = kLoginPolicy);

struct LoginAttempt {
  LoginVerdict verdict;
  std::int64_t failure_id = 0;  // when allowed: the attempt, stored as a failure until it succeeds
};

// Judges an attempt and, when it is allowed, stores it as a failure — in one transaction that
// holds an advisory lock on the address and one on the account, so parallel attempts (in any
// process) are judged one after the other, each seeing the ones before it.
LoginAttempt begin_login_attempt(store::DbConn& conn, const std::string& address, const std::string& account,
                                 const LoginPolicy& policy = kLoginPolicy);

// The attempt did not fail after all (the password was right, or the check itself failed).
void forgive_login_attempt(store::DbConn& conn, std::int64_t failure_id);

// A successful login: forgets the failures of this address for this account (the account's
// failures from other addresses stay, and with them its delay).
void clear_login_failures(store::DbConn& conn, const std::string& address, const std::string& account);

struct ThrottledLogin {
  std::optional<LoginResult> login;  // set when the password was right
  int retry_after_seconds = 0;       // > 0: refused before any password was checked
};

// The login of POST /api/auth/login: begin_login_attempt → login() (the password check, only
// when allowed) → clear_login_failures on success. When the check throws, the attempt is
// forgiven (not the agent's fault) and the exception goes on.
ThrottledLogin throttled_login(store::DbConn& conn, const std::string& address, const std::string& account,
                               const std::string& password);

// Deletes failures older than `hours` (at most 10,000 a call); returns how many.
std::int64_t prune_login_failures(store::DbConn& conn, int hours);

}  // namespace parley::auth
