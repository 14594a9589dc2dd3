#pragma once
// The Date header every response carries (RFC 9110 §6.6.1: an origin server with a clock
// must send it; caches compute a response's age from it). Formatted at most once a second per
// I/O thread: a response only copies a view of it.
#include <ctime>
#include <string>
#include <string_view>

namespace parley::net {

// "Date: Thu, 26 Nov 2026 00:13:03 GMT\r\n" for the current second.
std::string_view http_date_line();
// The value alone: "Thu, 26 Nov 2026 00:13:03 GMT".
std::string_view http_date();
// IMF-fixdate of `t` (exposed for tests).
std::string format_http_date(std::time_t t);

}  // namespace parley::net
