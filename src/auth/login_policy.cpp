#include "parley/auth/login_policy.hpp"

#include <algorithm>
#include <cmath>

namespace parley::auth {
namespace {

// The ages (clamped at 0: a failure stored by a transaction that began after the reader's has
// a slightly negative one) younger than `window`, newest first.
std::vector<double> within(const std::vector<double>& ages, double window) {
  std::vector<double> out;
  for (double age : ages) {
    if (age < window) out.push_back(std::max(age, 0.0));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Seconds until fewer than `limit` of the failures are younger than `window` (0: already).
double until_fewer_than(const std::vector<double>& ages, std::size_t limit, double window) {
  auto recent = within(ages, window);
  if (recent.size() < limit) return 0;
  return window - recent[limit - 1];  // the limit-th newest leaves the window first
}

// Seconds until the account's growing delay after its last failure has passed (0: already).
double account_delay_left(const std::vector<double>& ages, const LoginPolicy& policy) {
  auto recent = within(ages, policy.account_window_seconds);
  if (recent.empty() || recent.size() < policy.account_free_failures) return 0;
  std::size_t over = recent.size() - policy.account_free_failures;
  double delay = over >= 30 ? policy.account_max_delay_seconds
                            : std::min(std::ldexp(1.0, static_cast<int>(over)), policy.account_max_delay_seconds);
  return std::max(0.0, delay - recent.front());
}

}  // namespace

double LoginPolicy::lookback_seconds() const {
  return std::max({address_window_seconds, pair_window_seconds, account_window_seconds});
}

std::size_t LoginPolicy::depth() const {
  // The account's delay stops growing once 2^(n - free) reaches the cap: deeper history
  // changes nothing.
  std::size_t account = account_free_failures;
  while (std::ldexp(1.0, static_cast<int>(account - account_free_failures)) < account_max_delay_seconds && account < 64) {
    ++account;
  }
  return std::max({address_failures, pair_failures, account});
}

LoginVerdict judge_login(const LoginFailures& failures, const LoginPolicy& policy) {
  double wait = std::max({until_fewer_than(failures.by_address, policy.address_failures, policy.address_window_seconds),
                          until_fewer_than(failures.by_pair, policy.pair_failures, policy.pair_window_seconds),
                          account_delay_left(failures.by_account, policy)});
  if (wait <= 0) return {};
  return LoginVerdict{false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

}  // namespace parley::auth
