#pragma once
// When may someone try a password? The login throttling policy as one pure function over the
// recent failed logins (docs/OPERATIONS.md, "Abuse limits"). It slows an attacker down without
// ever locking an account's owner out (OWASP Authentication Cheat Sheet: "account lockout"
// done as throttling):
//
// - per client address: 20 failures in 10 minutes → refused until the oldest of them is older;
// - per address + account: 5 failures in 15 minutes → refused likewise;
// - per account, from any address: after 5 failures in 15 minutes each next attempt waits
//   2^(n-5) seconds after the last failure (n = failures in those 15 minutes), at most 30 s.
//   Never a lock: the owner, from their own address, waits at most 30 s; an attacker spread
//   over many addresses gets about two guesses a minute per account.
//
// Failures are the attempts allowed through that did not succeed; refused attempts do not
// count (they cost no password check), so hammering does not lengthen the wait.
#include <cstddef>
#include <vector>

namespace parley::auth {

struct LoginPolicy {
  std::size_t address_failures = 20;
  double address_window_seconds = 600;
  std::size_t pair_failures = 5;
  double pair_window_seconds = 900;
  std::size_t account_free_failures = 5;  // failures before the account's delay starts
  double account_window_seconds = 900;
  double account_max_delay_seconds = 30;

  // How far back the failures that matter can be, and how many of each kind: the caller
  // reads at most this many of the newest failures within this time.
  double lookback_seconds() const;
  std::size_t depth() const;
};

inline constexpr LoginPolicy kLoginPolicy{};

// The recent failures, each given as its age in seconds (how long ago it was; order does not
// matter). Each list may be cut to the newest `depth()` within `lookback_seconds()`.
struct LoginFailures {
  std::vector<double> by_address;  // from this client address, any account
  std::vector<double> by_pair;     // from this address for this account
  std::vector<double> by_account;  // for this account, from any address
};

struct LoginVerdict {
  bool allowed = true;
  int retry_after_seconds = 0;  // when refused (≥ 1): after this long it is allowed, unless failures came since
};

LoginVerdict judge_login(const LoginFailures& failures, const LoginPolicy& policy = kLoginPolicy);

}  // namespace parley::auth
