#pragma once
// Automatic assignment's settings (migrations/0019_routing.sql), read and written by admins in
// the inbox's Routing page and over REST (docs/PROTOCOL.md). Every assignment transaction reads
// them from PostgreSQL, so a change applies at once in every process.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/store/db_conn.hpp"

namespace parley::routing {

enum class Mode {
  Manual,      // agents assign conversations themselves
  RoundRobin,  // the online agent with room whose last assignment is oldest
  Balanced,    // the online agent with room and the fewest open conversations; ties: oldest last assignment
};
std::string_view to_string(Mode mode);  // "manual" | "round_robin" | "balanced"
std::optional<Mode> parse_mode(std::string_view text);

inline constexpr int kDefaultCapacity = 10;
inline constexpr int kMaxCapacity = 1000;
inline constexpr int kMaxAwayReleaseMinutes = 1440;

struct Settings {
  Mode mode = Mode::Manual;
  std::optional<int> away_release_minutes;  // empty: off
};

Settings read_settings(store::DbConn& conn);
void write_settings(store::DbConn& conn, const Settings& settings);
// Throws ApiError 404 when there is no such active agent.
void set_capacity(store::DbConn& conn, std::int64_t agent_id, int capacity);

// What the Routing page and GET /api/routing show: the settings, the queue (length, the oldest
// one's wait) and every active agent's capacity, open conversations and whether online.
std::string overview_json(store::DbConn& conn);

struct QueueStats {
  std::int64_t length = 0;
  double oldest_waiting_seconds = 0;
};
QueueStats queue_stats(store::DbConn& conn);

}  // namespace parley::routing
