#include "parley/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <charconv>

namespace parley {
namespace {

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::string item;
  for (char c : value + ",") {
    if (c == ',' || c == ' ') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

unsigned parse_threads(const std::string& value) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < 1 || n > 256) {
    throw ConfigError("PARLEY_THREADS must be a whole number from 1 to 256, got '" + value + "'");
  }
  return n;
}

void require_http_url(const std::string& name, const std::string& value) {
  if (origin_of(value).empty()) throw ConfigError(name + " must be an http:// or https:// URL, got '" + value + "'");
}

}  // namespace

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = {
      {"--listen", "PARLEY_LISTEN", "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)"},
      {"--public-url", "PARLEY_PUBLIC_URL", "URL agents and emails use to reach Parley (default http://localhost:PORT)"},
      {"--database-url", "DATABASE_URL", "PostgreSQL connection URI"},
      {"--identity-secret", "PARLEY_IDENTITY_SECRET", "secret for HMAC-SHA256 identity verification"},
      {"--allowed-origins", "PARLEY_ALLOWED_ORIGINS", "comma-separated origins that may embed the widget (default any)"},
      {"--resend-api-key", "RESEND_API_KEY", "Resend API key (default: emails are logged, not sent)"},
      {"--resend-api-url", "RESEND_API_URL", "Resend API base URL (default https://api.resend.com)"},
      {"--mail-from", "PARLEY_MAIL_FROM", "From address of outgoing email (default Parley <support@localhost>)"},
      {"--support-email", "PARLEY_SUPPORT_EMAIL", "address emailed when a visitor writes while no agent is available (default: the PARLEY_MAIL_FROM address)"},
      {"--email-batch-seconds", "PARLEY_EMAIL_BATCH_SECONDS", "seconds later messages are batched into one follow-up email (default 120)"},
      {"--presence-grace-seconds", "PARLEY_PRESENCE_GRACE_SECONDS", "after a start, seconds \"nobody available\" emails wait for agents to reconnect (default 60; 0: none)"},
      {"--help-search-cache", "PARLEY_HELP_SEARCH_CACHE", "seconds help-search answers are kept at most (default 10; 0: off)"},
      {"--threads", "PARLEY_THREADS", "I/O threads (default: the CPUs this process may run on)"},
      {"--log-format", "PARLEY_LOG_FORMAT", "text or json (default text)"},
      {"--metrics-allow", "PARLEY_METRICS_ALLOW", "addresses allowed to read /metrics (default loopback)"},
      {"--trusted-proxies", "PARLEY_TRUSTED_PROXIES", "proxy addresses whose X-Forwarded-* headers are honoured (default loopback)"},
      {"--context-url", "PARLEY_CONTEXT_URL", "http(s) URL Parley POSTs a verified visitor to for product context cards (default: none; see docs/CONTEXT.md)"},
      {"--context-secret", "PARLEY_CONTEXT_SECRET", "Standard Webhooks signing secret for PARLEY_CONTEXT_URL: whsec_ + base64 of 24-64 bytes"},
      {"--text-search-config", "PARLEY_TEXT_SEARCH_CONFIG", "PostgreSQL text search configuration for help articles (default english)"},
      {"--bot", "PARLEY_BOT", "on or off: the FAQ bot answers a first message from the help articles (default on)"},
      {"--bot-threshold", "PARLEY_BOT_THRESHOLD", "score from 0 to 1 the best article needs for the bot to answer (default: the help center's)"},
  };
  return specs;
}

bool is_webhook_secret(const std::string& secret) {
  const std::string prefix = "whsec_";
  if (secret.rfind(prefix, 0) != 0) return false;
  std::string b64 = secret.substr(prefix.size());
  if (b64.empty() || b64.size() % 4 != 0) return false;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < b64.size(); ++i) {
    char c = b64[i];
    if (c == '=') {
      if (i < b64.size() - 2) return false;  // only at the end, at most two
      ++padding;
    } else if (padding || !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) {
      return false;
    }
  }
  std::size_t bytes = b64.size() / 4 * 3 - padding;
  return bytes >= 24 && bytes <= 64;
}

std::string origin_of(const std::string& url) {
  std::string lower = url;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::size_t scheme_end = lower.find("://");
  if (scheme_end == std::string::npos) return {};
  std::string scheme = lower.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return {};
  std::size_t host_start = scheme_end + 3;
  std::size_t host_end = lower.find_first_of("/?#", host_start);
  std::string host = lower.substr(host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  if (host.empty() || host.find('@') != std::string::npos) return {};
  return scheme + "://" + host;
}

ListenAddress parse_listen(const std::string& value) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw ConfigError("PARLEY_LISTEN must be HOST:PORT, got '" + value + "'");
  }
  ListenAddress out;
  out.host = value.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') out.host = out.host.substr(1, out.host.size() - 2);
  std::string port = value.substr(colon + 1);
  unsigned n = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || n > 65535) {
    throw ConfigError("PARLEY_LISTEN port must be 0-65535, got '" + port + "'");
  }
  out.port = static_cast<std::uint16_t>(n);
  return out;
}

namespace {
// A whole number of seconds from 0 to `max`, or a ConfigError naming the setting.
int parse_seconds(const char* name, const std::string& value, int max) {
  int n = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < 0 || n > max) {
    throw ConfigError(std::string(name) + " must be a whole number from 0 to " + std::to_string(max) + ", got '" +
                      value + "'");
  }
  return n;
}
}  // namespace

Config parse_config(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const std::vector<std::string>& extra_flags, std::map<std::string, std::string>* extras) {
  std::map<std::string, std::string> values;  // keyed by env name
  for (const auto& spec : option_specs()) {
    if (auto it = env.find(spec.env); it != env.end()) values[spec.env] = it->second;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline = false;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    auto take_value = [&]() {
      if (has_inline) return value;
      if (i + 1 >= args.size()) throw ConfigError(flag + " needs a value");
      return args[++i];
    };
    auto spec = std::find_if(option_specs().begin(), option_specs().end(),
                             [&](const OptionSpec& s) { return flag == s.flag; });
    if (spec != option_specs().end()) {
      values[spec->env] = take_value();
    } else if (std::find(extra_flags.begin(), extra_flags.end(), flag) != extra_flags.end() && extras) {
      (*extras)[flag] = take_value();
    } else {
      throw ConfigError("unknown option '" + flag + "' (see parley --help)");
    }
  }

  Config c;
  auto get = [&](const char* name) -> const std::string* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  };
  if (auto v = get("PARLEY_LISTEN")) c.listen = parse_listen(*v);
  if (auto v = get("PARLEY_PUBLIC_URL"); v && !v->empty()) {
    require_http_url("PARLEY_PUBLIC_URL", *v);
    c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  }
  if (auto v = get("DATABASE_URL")) c.database_url = *v;
  if (auto v = get("PARLEY_IDENTITY_SECRET")) c.identity_secret = *v;
  if (auto v = get("PARLEY_ALLOWED_ORIGINS")) {
    for (const auto& o : split_list(*v)) {
      if (o == "*") continue;
      std::string origin = origin_of(o);
      if (origin.empty()) throw ConfigError("PARLEY_ALLOWED_ORIGINS entries must be http(s) origins, got '" + o + "'");
      c.allowed_origins.push_back(origin);
    }
  }
  if (auto v = get("RESEND_API_KEY")) c.resend_api_key = *v;
  if (auto v = get("RESEND_API_URL"); v && !v->empty()) {
    require_http_url("RESEND_API_URL", *v);
    c.resend_api_url = *v;
    while (c.resend_api_url.back() == '/') c.resend_api_url.pop_back();
  }
  if (auto v = get("PARLEY_MAIL_FROM"); v && !v->empty()) c.mail_from = *v;
  if (auto v = get("PARLEY_SUPPORT_EMAIL")) c.support_email = *v;
  if (auto v = get("PARLEY_EMAIL_BATCH_SECONDS"); v && !v->empty()) {
    c.email_batch_seconds = parse_seconds("PARLEY_EMAIL_BATCH_SECONDS", *v, 86400);
  }
  if (auto v = get("PARLEY_PRESENCE_GRACE_SECONDS"); v && !v->empty()) {
    c.presence_grace_seconds = parse_seconds("PARLEY_PRESENCE_GRACE_SECONDS", *v, 3600);
  }
  if (auto v = get("PARLEY_HELP_SEARCH_CACHE"); v && !v->empty()) {
    c.help_search_cache_seconds = parse_seconds("PARLEY_HELP_SEARCH_CACHE", *v, 300);
  }
  if (auto v = get("PARLEY_THREADS"); v && !v->empty()) c.threads = parse_threads(*v);
  if (auto v = get("PARLEY_LOG_FORMAT"); v && !v->empty()) {
    if (*v != "text" && *v != "json") throw ConfigError("PARLEY_LOG_FORMAT must be text or json, got '" + *v + "'");
    c.log_format = *v;
  }
  if (auto v = get("PARLEY_METRICS_ALLOW")) c.metrics_allow = split_list(*v);
  if (auto v = get("PARLEY_TRUSTED_PROXIES")) c.trusted_proxies = split_list(*v);
  if (auto v = get("PARLEY_CONTEXT_URL"); v && !v->empty()) {
    require_http_url("PARLEY_CONTEXT_URL", *v);
    c.context_url = *v;
    auto secret = get("PARLEY_CONTEXT_SECRET");
    if (!secret || secret->empty()) {
      throw ConfigError("PARLEY_CONTEXT_SECRET is required when PARLEY_CONTEXT_URL is set (whsec_ + base64 of 24-64 random bytes, e.g. whsec_$(openssl rand -base64 32))");
    }
    // The value is never echoed back: it is a secret.
    if (!is_webhook_secret(*secret)) {
      throw ConfigError("PARLEY_CONTEXT_SECRET must be a Standard Webhooks secret: whsec_ followed by the standard base64 (with = padding) of 24 to 64 bytes, e.g. whsec_$(openssl rand -base64 32)");
    }
    c.context_secret = *secret;
  } else if (auto secret = get("PARLEY_CONTEXT_SECRET"); secret && !secret->empty()) {
    throw ConfigError("PARLEY_CONTEXT_SECRET is set but PARLEY_CONTEXT_URL is not: set both, or neither");
  }
  if (auto v = get("PARLEY_TEXT_SEARCH_CONFIG"); v && !v->empty()) {
    // An identifier, optionally schema-qualified; whether the database has it is checked at start.
    static const std::regex kName("[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?");
    if (!std::regex_match(*v, kName)) {
      throw ConfigError("PARLEY_TEXT_SEARCH_CONFIG must be a text search configuration name such as english or simple, got '" + *v + "'");
    }
    c.text_search_config = *v;
  }
  if (auto v = get("PARLEY_BOT"); v && !v->empty()) {
    if (*v != "on" && *v != "off") throw ConfigError("PARLEY_BOT must be on or off, got '" + *v + "'");
    c.bot = *v == "on";
  }
  if (auto v = get("PARLEY_BOT_THRESHOLD"); v && !v->empty()) {
    double t = -1;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), t);
    if (ec != std::errc{} || end != v->data() + v->size() || !(t >= 0 && t <= 1)) {
      throw ConfigError("PARLEY_BOT_THRESHOLD must be a number from 0 to 1, got '" + *v + "'");
    }
    c.bot_threshold = t;
  }
  return c;
}

}  // namespace parley
