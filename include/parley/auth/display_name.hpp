#pragma once
// The one rule for an agent's display name (the CLI, PATCH /api/me, invitations).
#include <string>

namespace parley::auth {

// The display name as stored: surrounding white space trimmed, then 1-80 visible characters
// (no control characters or bidi overrides); throws ApiError 400 otherwise.
std::string valid_display_name(const std::string& raw);

}  // namespace parley::auth
