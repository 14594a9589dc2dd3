#pragma once
// The widget's stored settings (docs/EMBED.md "Stored settings"): one row in PostgreSQL,
// written by admins, read by every process on every request (no cache to invalidate).
// Field names are the SupportChat.init options they stand in for, so the loader merges
// them with init's options field by field.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "parley/store/db_conn.hpp"

namespace parley::widget {

constexpr std::size_t kMaxGreetingChars = 200;
constexpr std::size_t kMaxTitleChars = 60;  // the chat frame shows at most 60

struct WidgetSettings {
  std::string color = "#2f5bea";  // #rrggbb, lower case
  std::string position = "right";  // right | left
  std::string greeting = "Hi there! How can we help?";
  std::string title = "Support";  // the team name in the chat header
  std::string updated_at;  // ISO-8601 UTC
  std::string updated_by;  // the admin's name; "" before the first save
};

// All four fields from a PUT body, checked and normalised (colour lower-cased, texts trimmed);
// ApiError invalid_field naming the first bad one.
WidgetSettings validated(const nlohmann::json& body);

// What the widget reads: {color, position, greeting, title}.
nlohmann::json public_json(const WidgetSettings& s);
// What the inbox reads: the above plus updatedAt, updatedBy.
nlohmann::json admin_json(const WidgetSettings& s);

WidgetSettings load(store::DbConn& conn);
// Stores `s` as written by `agent_id`; returns the row as stored.
WidgetSettings save(store::DbConn& conn, const WidgetSettings& s, std::int64_t agent_id);

}  // namespace parley::widget
