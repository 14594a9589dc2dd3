-- Help-center articles (issue #17; docs/HELP_CENTER.md). Written by agents (the inbox, the API)
-- or imported with `parley articles import`; read by the public help center and the search API.
--
-- pg_trgm finds titles despite typos ("pasword"). It is a trusted extension (PostgreSQL ≥ 13),
-- so the database owner may create it without being a superuser; Debian's postgresql-15
-- ships it (the contrib modules are part of the server package).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE article (
  id          bigserial PRIMARY KEY,
  -- Derived from the title at creation and never changed by later edits: links keep working.
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  collection  text NOT NULL DEFAULT '' CHECK (length(collection) <= 80),
  status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
  body_md     text NOT NULL,
  -- Rendered when written (libcmark, safe mode: no raw HTML, no javascript:/data: links).
  body_html   text NOT NULL,
  -- The words of the body without Markdown syntax or HTML: what snippets are cut from.
  body_text   text NOT NULL,
  -- The text-search configuration search_vector was built with (PARLEY_TEXT_SEARCH_CONFIG).
  -- The vector is computed on write rather than as a generated column: a generated column
  -- needs an immutable expression, so the configuration would have to be a regconfig column
  -- (which pg_upgrade refuses) or a constant in this file. At start Parley rebuilds the rows
  -- whose configuration differs from the setting (src/help/text_search_config.cpp).
  search_config text NOT NULL,
  -- Title weight A, body weight B.
  search_vector tsvector NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX article_search_vector ON article USING gin (search_vector);
CREATE INDEX article_title_trgm ON article USING gin (title gin_trgm_ops);
-- The agents' list (newest first) and the public index.
CREATE INDEX article_updated ON article (updated_at DESC, id DESC);
