// `parley articles import DIR` / `parley articles export DIR`: a help center kept in git as
// Markdown files with front matter (help/article_file.hpp; docs/HELP_CENTER.md).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "parley/app/commands.hpp"
#include "parley/core/error.hpp"
#include "parley/help/article_file.hpp"
#include "parley/help/article_store.hpp"
#include "parley/help/text_search_config.hpp"
#include "parley/store/migrations.hpp"

namespace parley::app {
namespace {

namespace fs = std::filesystem;

// A file bigger than this is not an article (the body limit plus room for front matter).
constexpr std::uintmax_t kMaxFileBytes = help::kMaxBodyBytes + 4096;

std::string read_file(const fs::path& path) {
  if (fs::file_size(path) > kMaxFileBytes) throw std::runtime_error("it is larger than 100 KB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot be read");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The *.md files of `dir` (not its subfolders), by name.
std::vector<fs::path> markdown_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int import_articles(const help::ArticleStore& articles, store::DbConn& conn, const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    std::cerr << "parley articles import: " << dir.string() << " is not a directory\n";
    return 2;
  }
  std::vector<help::ArticleInput> inputs;
  for (const auto& path : markdown_files(dir)) {
    try {
      help::ArticleInput in = help::parse_article_file(read_file(path));
      // Without a slug in the front matter the file's name is the slug, when it is one.
      if (in.slug.empty() && help::valid_slug(path.stem().string())) in.slug = path.stem().string();
      inputs.push_back(help::validated(std::move(in)));
    } catch (const std::exception& e) {
      std::cerr << "parley articles import: " << path.string() << ": " << e.what() << "\n";
      return 1;
    }
  }
  auto [created, updated] = articles.import(conn, inputs);
  std::cout << "imported " << inputs.size() << " articles from " << dir.string() << " (" << created << " new, " << updated
            << " updated)\n";
  return 0;
}

int export_articles(const help::ArticleStore& articles, store::DbConn& conn, const fs::path& dir) {
  fs::create_directories(dir);
  auto all = articles.all(conn);
  for (const auto& a : all) {
    fs::path path = dir / (a.slug + ".md");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << help::format_article_file(a);
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
  }
  std::cout << "exported " << all.size() << " articles to " << dir.string() << "\n";
  return 0;
}

}  // namespace

int articles_command(const std::string& action, const std::string& dir, const Config& config) {
  if (config.database_url.empty()) {
    std::cerr << "parley articles: DATABASE_URL is required (or --database-url)\n";
    return 2;
  }
  try {
    store::migrate(config.database_url);
    store::DbConn conn(config.database_url);
    help::prepare_text_search(conn, config.text_search_config);
    help::ArticleStore articles(config.text_search_config);
    return action == "import" ? import_articles(articles, conn, dir) : export_articles(articles, conn, dir);
  } catch (const std::exception& e) {
    std::cerr << "parley articles " << action << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace parley::app
