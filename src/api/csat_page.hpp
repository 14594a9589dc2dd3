#pragma once
// The small server-rendered survey page of the emailed link (GET/POST /csat/<token>): no
// script, no login, one form. Pure functions from what the page must say to HTML.
#include <optional>
#include <string>

namespace parley::api {

enum class CsatPage {
  Ask,       // the five faces and a comment box; `preselected` from the email's face link
  Thanks,    // just recorded
  Answered,  // the link was used before (once per cycle)
  Expired,   // older than 7 days
  NotFound,  // unknown or forged token
};

// `action`: the form's target (the page's own path, which holds the token); `error`: shown
// above the form (a missing rating).
std::string render_csat_page(CsatPage page, const std::string& action = {}, std::optional<int> preselected = {},
                             const std::string& error = {});

}  // namespace parley::api
