#pragma once
// Command-line options: `--name value` pairs (and `--flag`), plus whatever follows `--`.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadgen {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Options {
 public:
  Options(int argc, char** argv, int first);

  std::string str(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;
  double number(const std::string& name, double fallback) const;
  std::int64_t integer(const std::string& name, std::int64_t fallback) const;
  bool flag(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& rest() const { return rest_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> rest_;
};

// http://HOST:PORT (a path is ignored): the server under test.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string origin() const { return "http://" + host + ":" + std::to_string(port); }
};
Endpoint parse_url(const std::string& url);

// "a,b,c" → {"a", "b", "c"} (empty items dropped): options that name one thing per server.
std::vector<std::string> split_list(const std::string& list);

// The i-th of `count` loopback source addresses: 127.0.0.1, 127.0.0.2, …
std::string source_address(std::size_t i, std::size_t count);

}  // namespace loadgen
