// The help layer's pure parts: slugs, Markdown safety, query splitting, snippets, article files.
#include <gtest/gtest.h>

#include "parley/core/error.hpp"
#include "parley/help/article_file.hpp"
#include "parley/help/article_search.hpp"
#include "parley/help/article_store.hpp"
#include "parley/help/markdown.hpp"
#include "parley/help/page_cache.hpp"
#include "parley/help/pages.hpp"

using namespace parley::help;

TEST(HelpSlug, FromTitles) {
  EXPECT_EQ(slug_for("Reset your password"), "reset-your-password");
  EXPECT_EQ(slug_for("  Don't panic: SSO & SAML (2024)!  "), "dont-panic-sso-saml-2024");
  EXPECT_EQ(slug_for("Café crème"), "caf-crme");
  EXPECT_EQ(slug_for("¿¡!!"), "article");
  std::string long_title;
  for (int i = 0; i < 40; ++i) long_title += "word ";
  std::string slug = slug_for(long_title);
  EXPECT_LE(slug.size(), kMaxSlugChars);
  EXPECT_TRUE(valid_slug(slug));
  EXPECT_EQ(slug.back(), 'd');  // cut at a hyphen, not mid-word
}

TEST(HelpSlug, Validity) {
  EXPECT_TRUE(valid_slug("a-b-2"));
  EXPECT_FALSE(valid_slug(""));
  EXPECT_FALSE(valid_slug("-a"));
  EXPECT_FALSE(valid_slug("a--b"));
  EXPECT_FALSE(valid_slug("A"));
  EXPECT_FALSE(valid_slug("a/b"));
  EXPECT_FALSE(valid_slug(std::string(81, 'a')));
}

TEST(HelpMarkdown, RendersCommonMark) {
  auto r = render_markdown("# Title\n\nSome *text* and `code`.\n\n- one\n- two\n");
  EXPECT_EQ(r.html, "<h1>Title</h1>\n<p>Some <em>text</em> and <code>code</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
  EXPECT_EQ(r.text, "Title\nSome text and code.\none\ntwo");
}

TEST(HelpMarkdown, HostileInputRendersInert) {
  auto r = render_markdown(
      "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) [b](JavaScript:alert(1)) "
      "[c](vbscript:x) [d](data:text/html;base64,PHNjcmlwdD4=) ![e](data:image/svg+xml;base64,PHN2Zz4=) "
      "<a href=\"javascript:alert(1)\">f</a> [g](https://example.com) ![h](data:image/png;base64,iVBORw0KGgo=)");
  EXPECT_EQ(r.html.find("<script"), std::string::npos) << r.html;
  EXPECT_EQ(r.html.find("onerror"), std::string::npos) << r.html;
  EXPECT_EQ(r.html.find("javascript:"), std::string::npos) << r.html;
  EXPECT_EQ(r.html.find("JavaScript:"), std::string::npos) << r.html;
  EXPECT_EQ(r.html.find("vbscript:"), std::string::npos) << r.html;
  EXPECT_EQ(r.html.find("data:text/html"), std::string::npos) << r.html;
  EXPECT_EQ(r.html.find("data:image/svg"), std::string::npos) << r.html;
  EXPECT_NE(r.html.find("href=\"https://example.com\""), std::string::npos) << r.html;
  EXPECT_NE(r.html.find("src=\"data:image/png"), std::string::npos) << r.html;
  EXPECT_EQ(r.text.find("alert"), std::string::npos) << "raw HTML stays out of the searchable text: " << r.text;
}

TEST(HelpSearch, SplitsQueries) {
  auto p = split_query("  sso   -okta \"single sign-on\" -entra  ");
  EXPECT_EQ(p.similar_text, "sso single sign-on");
  EXPECT_EQ(p.excluded, "okta or entra");
  EXPECT_EQ(split_query("two-factor e-mail").similar_text, "two-factor e-mail");
  EXPECT_EQ(split_query("\"-quoted\"").excluded, "");
  EXPECT_EQ(split_query("- alone").similar_text, "- alone");
}

TEST(HelpSearch, SnippetsCarryOnlyMarks) {
  EXPECT_EQ(snippet_html("reset your \x02password\x03 <script>"), "reset your <mark>password</mark> &lt;script&gt;");
  EXPECT_EQ(snippet_html("\x02open"), "<mark>open</mark>");
  EXPECT_EQ(snippet_html("stray \x03 close & \"q\""), "stray  close &amp; &quot;q&quot;");
}

TEST(HelpFile, RoundTrips) {
  Article a;
  a.title = "\"Quoted\" title";
  a.collection = "";
  a.status = "published";
  a.slug = "quoted";
  a.body_md = "Body\n\n---\n\nafter a rule\n";
  std::string file = format_article_file(a);
  EXPECT_EQ(file, "---\ntitle: \"\\\"Quoted\\\" title\"\ncollection: \"\"\nstatus: published\nslug: quoted\n---\nBody\n\n---\n\nafter a rule\n");
  ArticleInput in = parse_article_file(file);
  EXPECT_EQ(in.title, a.title);
  EXPECT_EQ(in.collection, "");
  EXPECT_EQ(in.status, "published");
  EXPECT_EQ(in.slug, "quoted");
  EXPECT_EQ(in.body, a.body_md);
}

TEST(HelpFile, RefusesMalformedFiles) {
  EXPECT_THROW(parse_article_file("title: x\n"), ArticleFileError);
  EXPECT_THROW(parse_article_file("---\ntitle: x\n"), ArticleFileError);
  EXPECT_THROW(parse_article_file("---\nstatus: draft\n---\n"), ArticleFileError);
  EXPECT_THROW(parse_article_file("---\ntitle: x\nauthor: me\n---\n"), ArticleFileError);
  EXPECT_THROW(parse_article_file("---\ntitle: \"unterminated\n---\n"), ArticleFileError);
  EXPECT_EQ(parse_article_file("---\ntitle: x\n---\n").status, "draft");
}

TEST(HelpValidation, Limits) {
  ArticleInput in;
  in.title = "ok";
  in.body = std::string(kMaxBodyBytes + 1, 'x');
  EXPECT_THROW(validated(in), parley::ApiError);
  in.body = "fine";
  in.status = "live";
  EXPECT_THROW(validated(in), parley::ApiError);
  in.status = "draft";
  in.slug = "Bad Slug";
  EXPECT_THROW(validated(in), parley::ApiError);
  in.slug = "";
  in.title = "  padded  ";
  EXPECT_EQ(validated(in).title, "padded");
}

TEST(HelpPages, EscapeEverythingThatIsText) {
  Article a;
  a.slug = "s";
  a.title = "<img src=x onerror=alert(1)>";
  a.collection = "\"><script>";
  a.body_html = "<p>safe</p>\n";
  a.updated_at = "2026-12-06T17:00:00.000Z";
  std::string page = render_article_page(a);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("<p>safe</p>"), std::string::npos);
  std::string search = render_search_page("\"><script>x", {});
  EXPECT_EQ(search.find("<script"), std::string::npos);
}

TEST(HelpPageCache, ExpiresAndForgets) {
  PageCache cache(std::chrono::seconds(2), 2);
  auto t0 = PageCache::Clock::now();
  cache.put("a", 200, "A", t0);
  ASSERT_TRUE(cache.find("a", t0 + std::chrono::seconds(1)));
  EXPECT_EQ(cache.find("a", t0 + std::chrono::seconds(1))->etag, etag_of("A"));
  EXPECT_FALSE(cache.find("a", t0 + std::chrono::seconds(3)));
  cache.put("a", 200, "A", t0);
  cache.put("b", 200, "B", t0);
  cache.put("c", 200, "C", t0);  // full: forgets everything first
  EXPECT_FALSE(cache.find("a", t0));
  EXPECT_TRUE(cache.find("c", t0));
  cache.clear();
  EXPECT_FALSE(cache.find("c", t0));
}
