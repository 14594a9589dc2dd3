#include "parley/widget/widget_settings.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"

namespace parley::widget {
namespace {

const store::Statement kLoad{"widget_settings_load",
                             "SELECT w.color, w.position, w.greeting, w.title, parley_time(w.updated_at),"
                             " coalesce(a.name, '') FROM widget_settings w LEFT JOIN agent a ON a.id = w.updated_by"};
// An upsert: the row is inserted by the migration, but a deleted row must not make saves vanish.
const store::Statement kSave{"widget_settings_save",
                             "INSERT INTO widget_settings (id, color, position, greeting, title, updated_at, updated_by)"
                             " VALUES (true, $1, $2, $3, $4, now(), $5) ON CONFLICT (id) DO UPDATE SET"
                             " color = $1, position = $2, greeting = $3, title = $4, updated_at = now(), updated_by = $5"};

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string trimmed(std::string s) {
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && space(s[i])) ++i;
  return s.substr(i);
}

std::string string_field(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || !body[name].is_string()) {
    throw ApiError::invalid_field(std::string(name) + " is required (a string)");
  }
  return body[name].get<std::string>();
}

// A single line of 1..max characters, trimmed.
std::string text_field(const nlohmann::json& body, const char* name, std::size_t max) {
  std::string text = trimmed(validated_text(string_field(body, name), name, TextKind::single_line));
  if (text.empty()) throw ApiError::invalid_field(std::string(name) + " must not be empty");
  if (code_points(text) > max) {
    throw ApiError::invalid_field(std::string(name) + " must be at most " + std::to_string(max) + " characters");
  }
  return text;
}

WidgetSettings from_row(const pqxx::row& r) {
  return WidgetSettings{r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].c_str()};
}

}  // namespace

WidgetSettings validated(const nlohmann::json& body) {
  WidgetSettings s;
  s.color = string_field(body, "color");
  bool hex = s.color.size() == 7 && s.color[0] == '#' &&
             std::all_of(s.color.begin() + 1, s.color.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!hex) throw ApiError::invalid_field("color must be a colour written #rrggbb, e.g. #2f5bea");
  std::transform(s.color.begin(), s.color.end(), s.color.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  s.position = string_field(body, "position");
  if (s.position != "right" && s.position != "left") throw ApiError::invalid_field("position must be right or left");
  s.greeting = text_field(body, "greeting", kMaxGreetingChars);
  s.title = text_field(body, "title", kMaxTitleChars);
  return s;
}

nlohmann::json public_json(const WidgetSettings& s) {
  return {{"color", s.color}, {"position", s.position}, {"greeting", s.greeting}, {"title", s.title}};
}

nlohmann::json admin_json(const WidgetSettings& s) {
  auto out = public_json(s);
  out["updatedAt"] = s.updated_at;
  out["updatedBy"] = s.updated_by.empty() ? nlohmann::json() : nlohmann::json(s.updated_by);
  return out;
}

WidgetSettings load(store::DbConn& conn) {
  pqxx::read_transaction txn(conn.raw());
  auto r = conn.exec(txn, kLoad);
  if (r.empty()) return {};  // the migration inserts the row; defaults if someone deleted it
  return from_row(r[0]);
}

WidgetSettings save(store::DbConn& conn, const WidgetSettings& s, std::int64_t agent_id) {
  pqxx::work txn(conn.raw());
  conn.exec(txn, kSave, s.color, s.position, s.greeting, s.title, agent_id);
  auto stored = from_row(conn.exec(txn, kLoad)[0]);
  txn.commit();
  return stored;
}

}  // namespace parley::widget
