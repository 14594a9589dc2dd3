#pragma once
#include <string>

namespace parley {

// Logs go to stderr as text or one JSON object per line ("text" | "json").
void setup_logging(const std::string& format);

}  // namespace parley
