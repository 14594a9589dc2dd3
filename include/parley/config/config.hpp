#pragma once
// Configuration: environment variables, each overridable by a flag, parsed once into an
// immutable Config. A bad value is a ConfigError whose message is one line for the user.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

struct Config {
  ListenAddress listen{"127.0.0.1", 8080};
  std::string public_url;         // empty: derived from the bound address
  std::string database_url;
  std::string identity_secret;    // empty: identities are recorded unverified
  std::vector<std::string> allowed_origins;  // empty: any site may embed the widget
  std::string resend_api_key;     // empty: emails go to the log
  std::string resend_api_url = "https://api.resend.com";
  std::string mail_from = "Parley <support@localhost>";
  std::string support_email;
  int email_batch_seconds = 120;  // later messages of a conversation are batched this long
  // After a start, agents' inboxes need a moment to reconnect: a "nobody available" email
  // written meanwhile waits this long and is not sent if an agent is available by then.
  int presence_grace_seconds = 60;
  // Help-center search answers are kept this long (docs/HELP_CENTER.md); 0: not kept.
  int help_search_cache_seconds = 10;
  unsigned threads = 0;
  std::string log_format = "text";  // text | json
  std::vector<std::string> metrics_allow{"127.0.0.1", "::1"};
  std::vector<std::string> trusted_proxies{"127.0.0.1", "::1"};
  std::string context_url;     // empty: no product context in the inbox (docs/CONTEXT.md)
  std::string context_secret;  // "whsec_" + base64 of 24-64 bytes; required with context_url
  std::string text_search_config = "english";  // help articles: PostgreSQL's text search configuration
  bool bot = true;            // the FAQ bot answers confident first messages (docs/BOT.md)
  double bot_threshold = -1;  // 0..1; below 0: help::kDefaultBotThreshold (config cannot see help)
};

// One option: its flag, its environment variable, and whether the flag takes a value.
struct OptionSpec {
  const char* flag;
  const char* env;
  const char* help;
};
const std::vector<OptionSpec>& option_specs();

// Merges the environment with flags (flags win) and validates. `args` are the arguments
// after the subcommand; unknown flags are errors unless listed in `extra_flags`, whose
// values are returned in `extras`.
Config parse_config(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const std::vector<std::string>& extra_flags = {},
                    std::map<std::string, std::string>* extras = nullptr);

ListenAddress parse_listen(const std::string& value);

// Whether `secret` is a Standard Webhooks secret: "whsec_" + standard base64 (with its
// padding) of 24 to 64 bytes.
bool is_webhook_secret(const std::string& secret);

// The origin ("scheme://host[:port]") of a URL, lower-cased; empty when it is not http(s).
std::string origin_of(const std::string& url);

}  // namespace parley
