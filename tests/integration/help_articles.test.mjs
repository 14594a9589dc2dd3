// Help-center articles (issue #17): the agents' API (session, validation, stable slugs), the
// CLI's import/export round trip (byte for byte), and the public pages and article API
// (ETag → 304, drafts are 404). Real binary, real PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { helpServer, agentCookie, importArticles, FIXTURES } from '../support/help.mjs';
import { runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';

function api(server, method, p, { cookie, body, origin } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = cookie;
  if (origin) headers.Origin = origin;
  return request(server.url + p, { method, headers, body });
}

function folderBytes(dir) {
  const out = {};
  for (const f of readdirSync(dir).sort()) out[f] = readFileSync(path.join(dir, f));
  return out;
}

describe('articles API (agents)', () => {
  let server, cookie;
  before(async () => {
    server = await helpServer({ fixtures: false });
    cookie = await agentCookie(server);
  });
  after(() => server?.stop());

  it('every route needs a session', async () => {
    for (const [method, p, body] of [
      ['GET', '/api/articles'],
      ['GET', '/api/articles/1'],
      ['POST', '/api/articles', { title: 'x', body: 'y' }],
      ['PUT', '/api/articles/1', { title: 'x', body: 'y', status: 'draft' }],
      ['DELETE', '/api/articles/1'],
      ['POST', '/api/articles/preview', { body: 'y' }],
    ]) {
      assertError(await api(server, method, p, { body }), 401, 'unauthenticated', `${method} ${p}`);
    }
  });

  it('writes from another site are refused', async () => {
    const res = await api(server, 'POST', '/api/articles', { cookie, origin: 'https://evil.example', body: { title: 'x', body: 'y' } });
    assertError(res, 403, 'bad_origin');
  });

  it('create → 201 with a slug from the title, rendered HTML, a draft by default', async () => {
    const res = await api(server, 'POST', '/api/articles', {
      cookie,
      origin: server.url,
      body: { title: '  Reset your password!  ', collection: 'Account', body: 'Click **Forgot password?**' },
    });
    assert.equal(res.status, 201, res.text);
    const { article } = res.json();
    assert.equal(article.slug, 'reset-your-password');
    assert.equal(article.title, 'Reset your password!');
    assert.equal(article.collection, 'Account');
    assert.equal(article.status, 'draft');
    assert.equal(article.body, 'Click **Forgot password?**');
    assert.equal(article.html, '<p>Click <strong>Forgot password?</strong></p>\n');
    assert.match(article.updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('slugs are unique (-2, -3) and never change when the title does', async () => {
    const create = (title) => api(server, 'POST', '/api/articles', { cookie, body: { title, body: 'b' } });
    const a = (await create('Billing FAQ')).json().article;
    const b = (await create('Billing FAQ')).json().article;
    const c = (await create('billing   faq?')).json().article;
    assert.deepEqual([a.slug, b.slug, c.slug], ['billing-faq', 'billing-faq-2', 'billing-faq-3']);
    const put = await api(server, 'PUT', `/api/articles/${a.id}`, {
      cookie,
      body: { title: 'Everything about invoices', collection: 'Billing', body: 'new', status: 'published' },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json().article.slug, 'billing-faq');
    assert.equal(put.json().article.title, 'Everything about invoices');
    const got = (await api(server, 'GET', `/api/articles/${a.id}`, { cookie })).json().article;
    assert.equal(got.slug, 'billing-faq');
    assert.equal(got.status, 'published');
    const long = (await create('Word '.repeat(39))).json().article;
    assert.ok(long.slug.length <= 80 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(long.slug), long.slug);
    const nothing = (await create('¿¡!!')).json().article;
    assert.equal(nothing.slug, 'article');
  });

  it('list: newest first, without bodies', async () => {
    const { articles } = (await api(server, 'GET', '/api/articles', { cookie })).json();
    assert.ok(articles.length >= 4);
    assert.equal(articles[0].slug, 'article');
    for (const a of articles) assert.deepEqual(Object.keys(a).sort(), ['collection', 'id', 'slug', 'status', 'title', 'updatedAt']);
  });

  it('validation errors are 400 with the field named', async () => {
    const cases = [
      [{ body: 'b' }, /title/],
      [{ title: '', body: 'b' }, /title/],
      [{ title: '   ', body: 'b' }, /title/],
      [{ title: 'x'.repeat(201), body: 'b' }, /title/],
      [{ title: 'two\nlines', body: 'b' }, /title/],
      [{ title: 'x' }, /body/],
      [{ title: 'x', body: 5 }, /body/],
      [{ title: 'x', body: 'b', collection: 'c'.repeat(81) }, /collection/],
      [{ title: 'x', body: 'b', status: 'live' }, /status/],
      [{ title: 'x', body: 'a\u202Eb' }, /body/],
    ];
    for (const [body, field] of cases) {
      const res = await api(server, 'POST', '/api/articles', { cookie, body });
      assertError(res, 400, 'invalid_field', JSON.stringify(body).slice(0, 60));
      assert.match(res.json().error.message, field);
    }
    assertError(await api(server, 'POST', '/api/articles', { cookie, body: '[1]' }), 400, 'bad_json');
    assert.equal((await api(server, 'POST', '/api/articles', { cookie, body: { title: '200 é '.repeat(33).slice(0, 200), body: 'b' } })).status, 201, '200 characters, not bytes');
    const put = await api(server, 'PUT', '/api/articles/1', { cookie, body: { title: 'x', body: 'b' } });
    assertError(put, 400, 'invalid_field', 'PUT needs a status');
  });

  it('an article of up to 100 KB is taken whole; larger ones are refused with a clear error', async () => {
    // A long article, with the quotes and newlines that JSON escaping doubles: over the 64 KiB
    // every other route takes, inside the article routes' own limit.
    const paragraph = `He said "see the \\settings\\ page"\n\n`;
    const long = paragraph.repeat(Math.floor(99 * 1024 / paragraph.length));
    const created = await api(server, 'POST', '/api/articles', { cookie, body: { title: 'A long guide', body: long } });
    assert.equal(created.status, 201, created.text);
    const { article } = created.json();
    assert.equal(article.body, long);
    const updated = await api(server, 'PUT', `/api/articles/${article.id}`,
      { cookie, body: { title: 'A long guide', body: `${long}!`, status: 'draft' } });
    assert.equal(updated.status, 200, updated.text);
    const preview = await api(server, 'POST', '/api/articles/preview', { cookie, body: { body: long } });
    assert.equal(preview.status, 200, preview.text);

    // Over 100 KB of Markdown: the store's rule, naming the field.
    assertError(await api(server, 'POST', '/api/articles', { cookie, body: { title: 'big', body: 'x'.repeat(101 * 1024) } }),
      400, 'invalid_field', 'over 100 KB');
    // Over the route's 256 KiB: the transport refuses before any handler runs, and says the limit.
    const huge = await api(server, 'POST', '/api/articles', { cookie, body: { title: 'huge', body: 'x'.repeat(300 * 1024) } });
    assertError(huge, 413, 'body_too_large');
    assert.match(huge.json().error.message, /256 KiB/);
    // Other routes keep 64 KiB.
    const other = await api(server, 'POST', '/api/auth/login', { body: { email: 'a@b.c', password: 'x'.repeat(70 * 1024) } });
    assertError(other, 413, 'body_too_large');
    assert.match(other.json().error.message, /64 KiB/);
  });

  it('unknown ids → 404; delete → 204 then 404', async () => {
    assertError(await api(server, 'GET', '/api/articles/999999', { cookie }), 404, 'not_found');
    assertError(await api(server, 'PUT', '/api/articles/999999', { cookie, body: { title: 'x', body: 'b', status: 'draft' } }), 404, 'not_found');
    assertError(await api(server, 'GET', '/api/articles/abc', { cookie }), 404, 'not_found');
    const { article } = (await api(server, 'POST', '/api/articles', { cookie, body: { title: 'Short lived', body: 'b' } })).json();
    assert.equal((await api(server, 'DELETE', `/api/articles/${article.id}`, { cookie })).status, 204);
    assertError(await api(server, 'DELETE', `/api/articles/${article.id}`, { cookie }), 404, 'not_found');
  });

  it('preview renders Markdown safely', async () => {
    const res = await api(server, 'POST', '/api/articles/preview', {
      cookie,
      body: { body: '# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>' },
    });
    assert.equal(res.status, 200, res.text);
    const { html } = res.json();
    assert.match(html, /<h1>Hi<\/h1>/);
    assert.doesNotMatch(html, /<script|onerror|javascript:/i);
  });
});

describe('public article API and help center pages', () => {
  let server;
  before(async () => {
    server = await helpServer();
  });
  after(() => server?.stop());

  it('GET /api/help/articles/:slug: published only', async () => {
    const res = await request(`${server.url}/api/help/articles/reset-your-password`);
    assert.equal(res.status, 200, res.text);
    const { article } = res.json();
    assert.deepEqual(Object.keys(article).sort(), ['collection', 'html', 'slug', 'title', 'updatedAt']);
    assert.equal(article.title, 'Reset your password');
    assert.match(article.html, /<strong>Forgot password\?<\/strong>/);
    assertError(await request(`${server.url}/api/help/articles/upcoming-ai-features`), 404, 'not_found', 'a draft');
    assertError(await request(`${server.url}/api/help/articles/nope`), 404, 'not_found');
    assertError(await request(`${server.url}/api/help/articles/..%2Fetc`), 404, 'not_found');
  });

  it('/help lists the published articles by collection, not the drafts', async () => {
    const res = await request(`${server.url}/help`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.match(res.headers['content-security-policy'], /default-src 'none'/);
    assert.match(res.text, /<h2>Account &amp; login<\/h2>/);
    assert.match(res.text, /href="\/help\/articles\/reset-your-password">Reset your password</);
    assert.doesNotMatch(res.text, /upcoming-ai-features/);
    assert.doesNotMatch(res.text, /<script/i);
  });

  it('article pages: 200 with an ETag, 304 for If-None-Match, 404 for drafts and unknown slugs', async () => {
    const res = await request(`${server.url}/help/articles/reset-your-password`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1>Reset your password<\/h1>/);
    const etag = res.headers.etag;
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const again = await request(`${server.url}/help/articles/reset-your-password`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    const weak = await request(`${server.url}/help/articles/reset-your-password`, { headers: { 'If-None-Match': `"x", W/${etag}` } });
    assert.equal(weak.status, 304);
    const other = await request(`${server.url}/help/articles/reset-your-password`, { headers: { 'If-None-Match': '"0000000000000000"' } });
    assert.equal(other.status, 200);
    const head = await request(`${server.url}/help/articles/reset-your-password`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.etag, etag);
    assert.equal(head.body.length, 0);
    for (const p of ['/help/articles/upcoming-ai-features', '/help/articles/no-such-article', '/help/articles/Bad_Slug']) {
      const r = await request(server.url + p);
      assert.equal(r.status, 404, p);
      assert.match(r.text, /Article not found/);
    }
  });

  it('an edit changes the page and its ETag at once; unpublishing makes it 404', async () => {
    const cookie = await agentCookie(server);
    const before = await request(`${server.url}/help/articles/audit-log`);
    const { articles } = (await api(server, 'GET', '/api/articles', { cookie })).json();
    const id = articles.find((a) => a.slug === 'audit-log').id;
    const edit = (status) =>
      api(server, 'PUT', `/api/articles/${id}`, { cookie, body: { title: 'Review the audit log', collection: 'SSO & security', body: 'Edited <b>body</b> & more', status } });
    assert.equal((await edit('published')).status, 200);
    const after1 = await request(`${server.url}/help/articles/audit-log`, { headers: { 'If-None-Match': before.headers.etag } });
    assert.equal(after1.status, 200);
    assert.notEqual(after1.headers.etag, before.headers.etag);
    assert.match(after1.text, /Edited  body &amp; more|Edited <!-- raw HTML omitted -->body<!-- raw HTML omitted --> &amp; more/);
    assert.equal((await edit('draft')).status, 200);
    assert.equal((await request(`${server.url}/help/articles/audit-log`)).status, 404);
  });

  it('/help/search renders results with highlighted snippets, the query escaped', async () => {
    const res = await request(`${server.url}/help/search?q=${encodeURIComponent('recovery codes')}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /href="\/help\/articles\/use-recovery-codes"/);
    assert.match(res.text, /<mark>/);
    const hostile = await request(`${server.url}/help/search?q=${encodeURIComponent('"><script>alert(1)</script>')}`);
    assert.equal(hostile.status, 200);
    assert.doesNotMatch(hostile.text, /<script>alert/);
    assert.match(hostile.text, /&lt;script&gt;/);
    const empty = await request(`${server.url}/help/search`);
    assert.equal(empty.status, 200);
    const none = await request(`${server.url}/help/search?q=zzzzqqqq`);
    assert.match(none.text, /No articles match/);
  });

  it('the stylesheet is an embedded asset with an ETag', async () => {
    const res = await request(`${server.url}/help/help.css`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /text\/css/);
    const again = await request(`${server.url}/help/help.css`, { headers: { 'If-None-Match': res.headers.etag } });
    assert.equal(again.status, 304);
  });
});

describe('parley articles import / export', () => {
  it('export after import gives back the folder byte for byte', async () => {
    const db = createDatabase();
    const first = await importArticles(db);
    assert.match(first.stdout, /imported \d+ articles .*\(\d+ new, 0 updated\)/);
    const out = mkdtempSync(path.join(tmpdir(), 'parley-export-'));
    try {
      const r = await runParley(['articles', 'export', out], { env: { DATABASE_URL: db } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(folderBytes(out), folderBytes(FIXTURES));
      // Importing the export again changes nothing (same slugs: updates, not copies).
      const again = await importArticles(db, out);
      assert.match(again.stdout, /\(0 new, \d+ updated\)/);
      const out2 = path.join(out, 'again');
      assert.equal((await runParley(['articles', 'export', out2], { env: { DATABASE_URL: db } })).code, 0);
      assert.deepEqual(folderBytes(out2), folderBytes(FIXTURES));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  // Searched right after an import (docs/HELP_CENTER.md "Search"): the help search's GIN indexes
  // hold every entry in the index proper — none in a pending list each search would scan in full —
  // and the planner has the tables' statistics without waiting for autovacuum (off here, so only
  // the import can have made them).
  it('leaves the search indexes without pending entries and the tables analyzed', async () => {
    const db = createDatabase();
    assert.equal((await runParley(['migrate'], { env: { DATABASE_URL: db } })).code, 0);
    query(db, 'CREATE EXTENSION IF NOT EXISTS pgstattuple');
    query(db, 'ALTER TABLE article SET (autovacuum_enabled = false)');
    query(db, 'ALTER TABLE help_word SET (autovacuum_enabled = false)');
    await importArticles(db);
    for (const index of ['article_search_vector', 'help_word_trgm']) {
      const [[pending]] = query(db, `SELECT pending_tuples FROM pgstatginindex('${index}')`);
      assert.equal(Number(pending), 0, `${index} has no pending entries`);
    }
    const analyzed = query(db, `SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables
                                WHERE relname IN ('article', 'help_word') ORDER BY relname`);
    assert.deepEqual(analyzed, [['article', 't'], ['help_word', 't']]);
    const [[articles, words]] = query(db, `SELECT (SELECT reltuples FROM pg_class WHERE relname = 'article'),
                                                  (SELECT reltuples FROM pg_class WHERE relname = 'help_word')`);
    assert.ok(Number(articles) >= 50 && Number(words) >= 500, `the planner knows the imported rows (${articles}, ${words})`);
  });

  it('odd values round-trip too (quotes, no collection, no trailing newline, empty body)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-import-'));
    try {
      writeFileSync(path.join(dir, 'a.md'), '---\ntitle: "\\"Quoted\\" title"\ncollection: ""\nstatus: draft\nslug: quoted\n---\nno newline at the end');
      writeFileSync(path.join(dir, 'b.md'), '---\ntitle: Empty: body — ünïcode\ncollection: Misc\nstatus: published\nslug: empty-body\n---\n');
      const db = createDatabase();
      await importArticles(db, dir);
      const out = path.join(dir, 'out');
      assert.equal((await runParley(['articles', 'export', out], { env: { DATABASE_URL: db } })).code, 0);
      assert.equal(readFileSync(path.join(out, 'quoted.md'), 'utf8'), readFileSync(path.join(dir, 'a.md'), 'utf8'));
      assert.equal(readFileSync(path.join(out, 'empty-body.md'), 'utf8'), readFileSync(path.join(dir, 'b.md'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad file stops the import, names the file, and imports nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-import-'));
    try {
      writeFileSync(path.join(dir, 'good.md'), '---\ntitle: Good\nstatus: published\n---\nbody\n');
      writeFileSync(path.join(dir, 'bad.md'), '---\ntitle: Bad\nstatus: live\n---\nbody\n');
      const db = createDatabase();
      const r = await runParley(['articles', 'import', dir], { env: { DATABASE_URL: db } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bad\.md: status must be draft or published/);
      const out = path.join(dir, 'out');
      mkdirSync(out);
      await runParley(['articles', 'export', out], { env: { DATABASE_URL: db } });
      assert.deepEqual(readdirSync(out), []);
      writeFileSync(path.join(dir, 'bad.md'), 'no front matter\n');
      const r2 = await runParley(['articles', 'import', dir], { env: { DATABASE_URL: db } });
      assert.match(r2.stderr, /bad\.md: it does not start with a front matter line/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors', async () => {
    assert.equal((await runParley(['articles'])).code, 2);
    assert.equal((await runParley(['articles', 'import'])).code, 2);
    const r = await runParley(['articles', 'import', '/nonexistent-dir'], { env: { DATABASE_URL: createDatabase() } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a directory/);
  });
});
