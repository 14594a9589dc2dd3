#include "parley/assets/asset_table.hpp"

#include <algorithm>
#include <string>

namespace parley::assets {
namespace {

bool is_safe_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  for (char c : p) {
    if (c == '\\' || c == '%' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return p.find("..") == std::string_view::npos && p.find("//") == std::string_view::npos;
}

const EmbeddedAsset* exact(std::string_view path) {
  for (const auto& a : embedded_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace

const EmbeddedAsset* find_asset(std::string_view request_path) {
  if (!is_safe_path(request_path)) return nullptr;
  if (request_path.back() == '/') return exact(std::string(request_path) + "index.html");
  if (const auto* a = exact(request_path)) return a;
  return exact(std::string(request_path) + "/index.html");
}

bool accepts_gzip(std::string_view header) {
  std::string lower(header);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view rest(lower);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    auto q = item.find("q=", semi);
    if (q == std::string_view::npos) return true;
    return std::strtod(std::string(item.substr(q + 2)).c_str(), nullptr) > 0.0;
  }
  return false;
}

}  // namespace parley::assets
