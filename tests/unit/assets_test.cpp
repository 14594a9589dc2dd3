#include <gtest/gtest.h>

#include "parley/assets/asset_table.hpp"

using parley::assets::accepts_gzip;
using parley::assets::find_asset;

TEST(Assets, DirectoriesServeTheirIndex) {
  const auto* a = find_asset("/chat/");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->path, "/chat/index.html");
  ASSERT_NE(find_asset("/inbox"), nullptr);
  EXPECT_EQ(find_asset("/inbox")->path, "/inbox/index.html");
}

TEST(Assets, MimeTypesAndGzip) {
  const auto* a = find_asset("/widget.js");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->mime_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(a->gzip_bytes.empty());
  EXPECT_LT(a->gzip_bytes.size(), a->bytes.size());
  EXPECT_EQ(a->etag.front(), '"');
}

TEST(Assets, NothingOutsideTheTableIsFound) {
  using namespace std::literals;
  for (std::string_view p : {"/../CMakeLists.txt"sv, "/chat/../../etc/passwd"sv, "/%2e%2e/etc/passwd"sv, "/chat\\..\\x"sv,
                             "//etc/passwd"sv, ""sv, "widget.js"sv, "/widget.js\0x"sv, "/nope.js"sv, "/chat/%69ndex.html"sv}) {
    EXPECT_EQ(find_asset(p), nullptr) << p;
  }
}

TEST(Assets, AcceptEncoding) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, gzip;q=0.5, br"));
  EXPECT_TRUE(accepts_gzip("GZIP"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip(""));
}
