#include <gtest/gtest.h>

#include "parley/config/config.hpp"

using parley::Config;
using parley::ConfigError;
using parley::parse_config;

TEST(Config, DefaultsWithoutEnvironment) {
  Config c = parse_config({}, {});
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_EQ(c.log_format, "text");
  EXPECT_TRUE(c.allowed_origins.empty());
  EXPECT_EQ(c.threads, 0u);
}

TEST(Config, FlagsOverrideEnvironment) {
  Config c = parse_config({"--threads", "3", "--listen=0.0.0.0:9000"},
                          {{"PARLEY_THREADS", "7"}, {"PARLEY_LISTEN", "127.0.0.1:1"}, {"DATABASE_URL", "postgresql:///x"}});
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.listen.host, "0.0.0.0");
  EXPECT_EQ(c.listen.port, 9000);
  EXPECT_EQ(c.database_url, "postgresql:///x");
}

TEST(Config, BadValuesAreErrors) {
  EXPECT_THROW(parse_config({"--threads", "0"}, {}), ConfigError);
  EXPECT_THROW(parse_config({}, {{"PARLEY_THREADS", "abc"}}), ConfigError);
  EXPECT_THROW(parse_config({"--listen", "nonsense"}, {}), ConfigError);
  EXPECT_THROW(parse_config({"--listen", "host:70000"}, {}), ConfigError);
  EXPECT_THROW(parse_config({"--log-format", "xml"}, {}), ConfigError);
  EXPECT_THROW(parse_config({"--public-url", "ftp://x"}, {}), ConfigError);
  EXPECT_THROW(parse_config({"--allowed-origins", "not a url"}, {}), ConfigError);
  EXPECT_THROW(parse_config({"--no-such-flag", "1"}, {}), ConfigError);
  EXPECT_THROW(parse_config({"--threads"}, {}), ConfigError);
}

TEST(Config, SecondsSettings) {
  EXPECT_EQ(parse_config({}, {}).presence_grace_seconds, 60);
  EXPECT_EQ(parse_config({"--presence-grace-seconds", "0"}, {}).presence_grace_seconds, 0);
  EXPECT_EQ(parse_config({}, {{"PARLEY_EMAIL_BATCH_SECONDS", "30"}}).email_batch_seconds, 30);
  EXPECT_THROW(parse_config({"--presence-grace-seconds", "3601"}, {}), ConfigError);
  EXPECT_THROW(parse_config({}, {{"PARLEY_PRESENCE_GRACE_SECONDS", "-1"}}), ConfigError);
  EXPECT_THROW(parse_config({}, {{"PARLEY_EMAIL_BATCH_SECONDS", "2m"}}), ConfigError);
}

TEST(Config, AllowedOriginsAreNormalised) {
  Config c = parse_config({"--allowed-origins", "https://Shop.Example.com/path, http://localhost:3000"}, {});
  ASSERT_EQ(c.allowed_origins.size(), 2u);
  EXPECT_EQ(c.allowed_origins[0], "https://shop.example.com");
  EXPECT_EQ(c.allowed_origins[1], "http://localhost:3000");
  EXPECT_TRUE(parse_config({"--allowed-origins", "*"}, {}).allowed_origins.empty());
}

TEST(Config, IPv6Listen) {
  auto a = parley::parse_listen("[::1]:8080");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 8080);
}

TEST(Config, OriginOf) {
  EXPECT_EQ(parley::origin_of("https://a.b:8443/x?y#z"), "https://a.b:8443");
  EXPECT_EQ(parley::origin_of("javascript:alert(1)"), "");
  EXPECT_EQ(parley::origin_of("http://user@evil/"), "");
  EXPECT_EQ(parley::origin_of(""), "");
}

TEST(Config, TheBotIsOnByDefaultWithTheHelpCentersThreshold) {
  Config c = parse_config({}, {});
  EXPECT_TRUE(c.bot);
  EXPECT_LT(c.bot_threshold, 0) << "below 0 means help::kDefaultBotThreshold";
  Config off = parse_config({"--bot", "off", "--bot-threshold", "0.45"}, {{"PARLEY_BOT", "on"}});
  EXPECT_FALSE(off.bot);
  EXPECT_DOUBLE_EQ(off.bot_threshold, 0.45);
  EXPECT_DOUBLE_EQ(parse_config({}, {{"PARLEY_BOT_THRESHOLD", "1"}}).bot_threshold, 1.0);
  EXPECT_THROW(parse_config({}, {{"PARLEY_BOT", "yes"}}), ConfigError);
  for (const char* bad : {"-0.1", "1.01", "abc", "0.5x", "nan"}) {
    EXPECT_THROW(parse_config({}, {{"PARLEY_BOT_THRESHOLD", bad}}), ConfigError) << bad;
  }
}
