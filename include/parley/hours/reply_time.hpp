#pragma once
// "Typically replies in a few minutes": the median first-response time counted in business
// time only (a question asked on Friday evening and answered at Monday 9:05 took 5 minutes).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "parley/hours/schedule.hpp"

namespace parley::hours {

// A conversation's first visitor message and the first agent message after it.
struct FirstResponse {
  Instant asked;
  Instant answered;
};

// The median of the responses' business time (nullopt when there are none).
std::optional<std::chrono::seconds> median_response(const Schedule& schedule, const std::vector<FirstResponse>& rows);

// Coarse words for the widget: "a few minutes" (≤ 10 min), "under an hour", "a few hours"
// (≤ 8 h), "about a day".
std::string reply_words(std::chrono::seconds median);

}  // namespace parley::hours
