// The help search's answer cache (docs/HELP_CENTER.md "Answer cache"): an article created,
// edited, unpublished or deleted through the API is never answered stale by the process that
// wrote it, and shows on a second process sharing the database once its NOTIFY arrives — here
// with a time-to-live (PARLEY_HELP_SEARCH_CACHE) of 300 s, so that only the NOTIFY can make B
// fresh within the wait; `parley articles import` too. Real binaries, real PostgreSQL; the
// cache is seen at work through /metrics. No timing is asserted: the second process is waited for.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { helpServer, agentCookie, search, importArticles } from '../support/help.mjs';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startParley } from '../support/parley.mjs';
import { request } from '../support/http.mjs';

const TTL_SECONDS = 300;
const WAIT_SECONDS = 20; // far below the time-to-live: only the NOTIFY can make B fresh
const WORD = 'zanquiloft';
const OTHER = 'brelmoxity';

function api(server, method, p, cookie, body) {
  return request(server.url + p, { method, headers: { Cookie: cookie, Origin: server.url }, body });
}

async function counter(server, name) {
  const res = await request(server.url + '/metrics');
  assert.equal(res.status, 200);
  const line = res.text.split('\n').find((l) => l.startsWith(name + ' '));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

async function slugs(server, q) {
  const res = await search(server, q);
  assert.equal(res.status, 200, res.text);
  return res.json().results.map((r) => r.slug);
}

// Asks twice, so the answer is kept by the cache (the second is a hit), and returns it.
async function cached(server, q) {
  const hits = await counter(server, 'parley_help_search_cache_hits_total');
  const first = await slugs(server, q);
  assert.deepEqual(await slugs(server, q), first);
  assert.ok((await counter(server, 'parley_help_search_cache_hits_total')) > hits, 'the second search was a hit');
  return first;
}

// The other process: polled until it answers `expected`, for at most the bound and a margin.
async function eventually(server, q, expected) {
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  let got;
  while (Date.now() < deadline) {
    got = await slugs(server, q);
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(got, expected, `process B still answers ${q} stale after ${WAIT_SECONDS} s`);
}

describe('help search answer cache', () => {
  let A, B, cookie;
  before(async () => {
    const env = { PARLEY_HELP_SEARCH_CACHE: String(TTL_SECONDS) };
    A = await helpServer({ env });
    B = await startParley({ env: { ...env, DATABASE_URL: A.databaseUrl } });
    cookie = await agentCookie(A);
  });
  after(async () => {
    await B?.stop();
    await A?.stop();
  });

  it('repeated and differently spaced or cased questions are answered from memory, CORS included', async () => {
    const first = await cached(A, 'reset password');
    assert.equal(first[0], 'reset-your-password');
    const hits = await counter(A, 'parley_help_search_cache_hits_total');
    assert.deepEqual(await slugs(A, '  Reset   PASSWORD '), first);
    assert.equal(await counter(A, 'parley_help_search_cache_hits_total'), hits + 1);
    assert.ok((await counter(A, 'parley_help_search_cache_entries')) >= 1);
    // The widget's suggestions: another site's origin, a hit, still with its CORS header.
    const res = await search(A, 'reset password', { headers: { Origin: 'https://shop.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example');
    // A different limit is a different answer.
    const two = await search(A, 'reset password', { limit: 1 });
    assert.equal(two.json().results.length, 1);
  });

  it('create, publish, edit, unpublish, delete: never stale on the writer, fresh on B within the bound', async () => {
    // Both processes keep "nothing" for both words first.
    assert.deepEqual(await cached(A, WORD), []);
    assert.deepEqual(await cached(B, WORD), []);

    // Created as a draft: not searchable anywhere.
    const created = await api(A, 'POST', '/api/articles', cookie, { title: `Configure the ${WORD}`, body: `The ${WORD} lives under Settings.` });
    assert.equal(created.status, 201, created.text);
    const { id, slug } = created.json().article;
    assert.deepEqual(await slugs(A, WORD), []);

    // Published (created as published would be the same write): found at once on A, soon on B.
    assert.deepEqual(await cached(B, WORD), []);
    const put = (title, body, status) => api(A, 'PUT', `/api/articles/${id}`, cookie, { title, body, status });
    let res = await put(`Configure the ${WORD}`, `The ${WORD} lives under Settings.`, 'published');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await slugs(A, WORD), [slug]);
    await eventually(B, WORD, [slug]);

    // Edited: the old word is gone from it, the new one finds it.
    assert.deepEqual(await cached(A, OTHER), []);
    assert.deepEqual(await cached(B, OTHER), []);
    assert.deepEqual(await cached(B, WORD), [slug]);
    res = await put(`Configure the ${OTHER}`, `The ${OTHER} lives under Settings.`, 'published');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await slugs(A, WORD), []);
    assert.deepEqual(await slugs(A, OTHER), [slug]);
    await eventually(B, WORD, []);
    await eventually(B, OTHER, [slug]);

    // Unpublished.
    assert.deepEqual(await cached(A, OTHER), [slug]);
    assert.deepEqual(await cached(B, OTHER), [slug]);
    res = await put(`Configure the ${OTHER}`, `The ${OTHER} lives under Settings.`, 'draft');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await slugs(A, OTHER), []);
    await eventually(B, OTHER, []);

    // Published again, then deleted.
    res = await put(`Configure the ${OTHER}`, `The ${OTHER} lives under Settings.`, 'published');
    assert.equal(res.status, 200, res.text);
    await eventually(B, OTHER, [slug]);
    assert.deepEqual(await cached(A, OTHER), [slug]);
    assert.deepEqual(await cached(B, OTHER), [slug]);
    res = await api(A, 'DELETE', `/api/articles/${id}`, cookie);
    assert.equal(res.status, 204, res.text);
    assert.deepEqual(await slugs(A, OTHER), []);
    await eventually(B, OTHER, []);
  });

  it('an import by the CLI (another process) reaches both servers', async () => {
    const word = 'quorvendish';
    assert.deepEqual(await cached(A, word), []);
    assert.deepEqual(await cached(B, word), []);
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-cache-'));
    try {
      writeFileSync(path.join(dir, 'quorvendish.md'), `---\ntitle: Set up ${word}\nstatus: published\n---\nAll about ${word}.\n`);
      await importArticles(A.databaseUrl, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await eventually(A, word, ['quorvendish']);
    await eventually(B, word, ['quorvendish']);
  });
});
