#include "parley/assets/asset_table.hpp"

#include <algorithm>
#include <string>

#include "parley/core/text.hpp"

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
  for (std::string_view item : split_trimmed(lower, ',')) {
    auto params = split_trimmed(item, ';');
    if (params[0] != "gzip" && params[0] != "*") continue;
    for (std::size_t i = 1; i < params.size(); ++i) {
      if (params[i].rfind("q=", 0) == 0) return std::strtod(std::string(params[i].substr(2)).c_str(), nullptr) > 0.0;
    }
    return true;
  }
  return false;
}

}  // namespace parley::assets
