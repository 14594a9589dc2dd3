#include "parley/auth/login_attempts.hpp"

#include <spdlog/spdlog.h>

namespace parley::auth {
namespace {

// Advisory locks of the two-key form, whose key space is apart from the one-key locks
// (migrations, the event order): (kind, hash of the address or account). Taken address first,
// then account, by every attempt — so no two attempts can wait for each other in a cycle.
constexpr int kAddressLock = 0x4c6f4164;  // "LoAd"
constexpr int kAccountLock = 0x4c6f4163;  // "LoAc"

const store::Statement kLock{"login_attempt_lock", "SELECT pg_advisory_xact_lock($1::int, hashtext($2))"};

// Ages from the statement's own time: it starts after the locks were taken, so every failure
// stored by an attempt judged before this one is in the past.
const store::Statement kRecentFailures{"login_failures_recent", R"SQL(
WITH since AS (SELECT statement_timestamp() AS now, statement_timestamp() - make_interval(secs => $3) AS start)
SELECT 0, extract(epoch FROM since.now - f.at)::float8 FROM since, LATERAL (
  SELECT at FROM login_failure WHERE address = $1 AND at > since.start ORDER BY at DESC LIMIT $4) f
UNION ALL
SELECT 1, extract(epoch FROM since.now - f.at)::float8 FROM since, LATERAL (
  SELECT at FROM login_failure WHERE account = $2 AND address = $1 AND at > since.start ORDER BY at DESC LIMIT $4) f
UNION ALL
SELECT 2, extract(epoch FROM since.now - f.at)::float8 FROM since, LATERAL (
  SELECT at FROM login_failure WHERE account = $2 AND at > since.start ORDER BY at DESC LIMIT $4) f)SQL"};

const store::Statement kRecordFailure{"login_failure_insert", R"SQL(
INSERT INTO login_failure (at, address, account) VALUES (statement_timestamp(), $1, $2) RETURNING id)SQL"};
const store::Statement kForgive{"login_failure_forgive", "DELETE FROM login_failure WHERE id = $1"};
const store::Statement kClearPair{"login_failure_clear", "DELETE FROM login_failure WHERE address = $1 AND account = $2"};
const store::Statement kPrune{"login_failure_prune", R"SQL(
DELETE FROM login_failure WHERE id IN (
  SELECT id FROM login_failure WHERE at < now() - make_interval(hours => $1) ORDER BY at LIMIT 10000))SQL"};

}  // namespace

LoginFailures recent_login_failures(store::DbConn& conn, pqxx::transaction_base& txn, const std::string& address,
                                    const std::string& account, const LoginPolicy& policy) {
  LoginFailures failures;
  auto rows = conn.exec(txn, kRecentFailures, address, account, policy.lookback_seconds(),
                        static_cast<long long>(policy.depth()));
  for (const auto& row : rows) {
    double age = row[1].as<double>();
    switch (row[0].as<int>()) {
      case 0: failures.by_address.push_back(age); break;
      case 1: failures.by_pair.push_back(age); break;
      default: failures.by_account.push_back(age); break;
    }
  }
  return failures;
}

LoginAttempt begin_login_attempt(store::DbConn& conn, const std::string& address, const std::string& account,
                                 const LoginPolicy& policy) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kLock, kAddressLock, address);
  conn.exec(txn, kLock, kAccountLock, account);
  LoginAttempt attempt;
  attempt.verdict = judge_login(recent_login_failures(conn, txn, address, account, policy), policy);
  if (attempt.verdict.allowed) {
    attempt.failure_id = conn.exec(txn, kRecordFailure, address, account)[0][0].as<std::int64_t>();
  }
  txn.commit();
  return attempt;
}

void forgive_login_attempt(store::DbConn& conn, std::int64_t failure_id) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kForgive, failure_id);
  txn.commit();
}

void clear_login_failures(store::DbConn& conn, const std::string& address, const std::string& account) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kClearPair, address, account);
  txn.commit();
}

ThrottledLogin throttled_login(store::DbConn& conn, const std::string& address, const std::string& account,
                               const std::string& password) {
  ThrottledLogin out;
  LoginAttempt attempt = begin_login_attempt(conn, address, account);
  if (!attempt.verdict.allowed) {
    out.retry_after_seconds = attempt.verdict.retry_after_seconds;
    return out;
  }
  try {
    out.login = login(conn, account, password);
  } catch (...) {
    try {
      forgive_login_attempt(conn, attempt.failure_id);
    } catch (...) {  // the connection is gone: the attempt stays counted as a failure
    }
    throw;
  }
  if (out.login) {
    try {
      clear_login_failures(conn, address, account);
    } catch (const std::exception& e) {  // the session exists: the login stands, the failures stay
      spdlog::warn("login of {} from {}: could not clear its failed attempts: {}", account, address, e.what());
    }
  }
  return out;
}

std::int64_t prune_login_failures(store::DbConn& conn, int hours) {
  pqxx::work txn(conn.raw());
  auto r = conn.exec(txn, kPrune, hours);
  txn.commit();
  return static_cast<std::int64_t>(r.affected_rows());
}

}  // namespace parley::auth
