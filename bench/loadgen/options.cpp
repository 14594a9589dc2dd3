#include "options.hpp"

namespace loadgen {

Options::Options(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) rest_.emplace_back(argv[i]);
      break;
    }
    if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument: " + a);
    std::string name = a.substr(2), value = "1";
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      value = argv[++i];
    }
    values_[name] = value;
  }
}

std::string Options::str(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string Options::required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("--" + name + " is required");
  return it->second;
}

double Options::number(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw UsageError("--" + name + " must be a number, got '" + it->second + "'");
  }
}

std::int64_t Options::integer(const std::string& name, std::int64_t fallback) const {
  return static_cast<std::int64_t>(number(name, static_cast<double>(fallback)));
}

Endpoint parse_url(const std::string& url) {
  std::string rest = url;
  if (auto p = rest.find("://"); p != std::string::npos) rest = rest.substr(p + 3);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw UsageError("--url must be http://HOST:PORT, got '" + url + "'");
  Endpoint e;
  e.host = rest.substr(0, colon);
  e.port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
  return e;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) items.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

std::string source_address(std::size_t i, std::size_t count) {
  if (count == 0) return {};
  return "127.0.0." + std::to_string(1 + i % count);
}

}  // namespace loadgen
