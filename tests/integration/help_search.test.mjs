// Help-center search (issue #17): relevance on the fixture corpus (tests/fixtures/help/, imported
// with `parley articles import`), snippets, the bot threshold, and the public API's limits.
// Real binary, real PostgreSQL (full text + pg_trgm). No timing is asserted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { helpServer, search, FIXTURES } from '../support/help.mjs';
import { request } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';
import { psqlSession } from '../support/pg.mjs';

// kDefaultBotThreshold in include/parley/help/answer_source.hpp.
const BOT_THRESHOLD = 0.35;

// query → the article that must come first (its slug).
const RELEVANCE = [
  // stemming: inflected words find the article written with other forms
  ['resetting passwords', 'reset-your-password'],
  ['how do I reset my password', 'reset-your-password'],
  ['cancelled subscriptions', 'cancel-your-subscription'],
  ['exporting conversations', 'export-conversations'],
  ['invited teammates', 'invite-teammates'],
  ['refunds', 'refund-policy'],
  // questions as people write them: no article holds every word ("get", "wrong", "find"), the
  // one holding most of them, best, comes first
  ['how can I get a refund', 'refund-policy'],
  ['my invoice is wrong', 'download-your-invoices'],
  ['where do I find my api key', 'create-an-api-key'],
  ['I want to cancel', 'cancel-your-subscription'],
  // typos: the title's trigrams still match
  ['pasword', 'reset-your-password'],
  ['reset pasword', 'reset-your-password'],
  ['invoce', 'download-your-invoices'],
  ['webhoks', 'webhooks'],
  ['salesforse', 'connect-salesforce'],
  // phrases in quotes
  ['"api key"', 'create-an-api-key'],
  ['"recovery code"', 'use-recovery-codes'],
  ['"single sign-on" okta', 'sso-with-okta'],
  // exclusions
  ['sso -okta -entra', 'set-up-saml-sso'],
  ['export -conversations', 'export-contacts'],
];

// Questions no article answers: nothing may score at or above the bot's threshold.
const UNRELATED = ['weather in paris tomorrow', 'best pizza recipe with mozzarella', 'football results'];

describe('help search: relevance on the fixture corpus', () => {
  let server;
  before(async () => {
    server = await helpServer();
  });
  after(() => server?.stop());

  it('the corpus has at least 50 articles', () => {
    assert.ok(readdirSync(FIXTURES).filter((f) => f.endsWith('.md')).length >= 50);
  });

  for (const [q, slug] of RELEVANCE) {
    it(`${JSON.stringify(q)} → ${slug} first`, async () => {
      const res = await search(server, q, { limit: 5 });
      assert.equal(res.status, 200, res.text);
      const { results } = res.json();
      assert.ok(results.length > 0, `no results for ${q}`);
      assert.equal(results[0].slug, slug, `top results: ${results.map((r) => `${r.slug} ${r.score}`).join(', ')}`);
      assert.equal(results[0].url, `/help/articles/${slug}`);
      for (const r of results) assert.ok(r.score > 0 && r.score <= 1, `score ${r.score} in (0, 1]`);
      for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].score >= results[i].score, 'best first');
    });
  }

  it('the expected top hits of the words themselves score above the bot threshold', async () => {
    for (const q of ['resetting passwords', 'how do I reset my password', 'cancelled subscriptions', '"api key"']) {
      const [top] = (await search(server, q)).json().results;
      assert.ok(top.score >= BOT_THRESHOLD, `${q}: ${top.slug} scores ${top.score}`);
    }
  });

  it('a question holding only some of the words scores below one holding them all', async () => {
    // "where do I find my api key": "find" is in no API-key article, so the best is a partial
    // match — confident enough for the bot, yet below the same article found by its own words.
    const [partial] = (await search(server, 'where do I find my api key')).json().results;
    const [whole] = (await search(server, 'api key')).json().results;
    assert.equal(partial.slug, whole.slug);
    assert.ok(partial.score >= BOT_THRESHOLD, `scores ${partial.score}`);
    assert.ok(partial.score < whole.score, `${partial.score} ≥ ${whole.score}`);
  });

  for (const q of UNRELATED) {
    it(`an unrelated question (${q}) scores below the bot threshold`, async () => {
      const { results } = (await search(server, q)).json();
      for (const r of results) assert.ok(r.score < BOT_THRESHOLD, `${r.slug} scores ${r.score}`);
    });
  }

  it('exclusions are never in the results', async () => {
    const { results } = (await search(server, 'sso -okta', { limit: 5 })).json();
    assert.ok(results.length > 0);
    assert.ok(!results.some((r) => r.slug === 'sso-with-okta'), results.map((r) => r.slug).join(', '));
  });

  it('drafts are never found', async () => {
    const { results } = (await search(server, 'upcoming features', { limit: 5 })).json();
    assert.ok(!results.some((r) => r.slug === 'upcoming-ai-features'));
  });

  it('snippets mark the matches and hold no other HTML', async () => {
    const { results } = (await search(server, 'recovery codes')).json();
    const snippet = results[0].snippet;
    assert.match(snippet, /<mark>[^<]+<\/mark>/);
    assert.equal(snippet.replace(/<\/?mark>/g, '').includes('<'), false, snippet);
  });

  it('a query of stop words finds nothing rather than failing', async () => {
    const res = await search(server, 'how do I');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().results, []);
  });

  it('limit: 3 by default, 1..5 accepted, others refused', async () => {
    assert.equal((await search(server, 'password')).json().results.length, 3);
    assert.equal((await search(server, 'password', { limit: 1 })).json().results.length, 1);
    assert.ok((await search(server, 'sso', { limit: 5 })).json().results.length <= 5);
    for (const bad of [0, 6, 'x', -1]) assertError(await search(server, 'password', { limit: bad }), 400, 'invalid_field', `limit ${bad}`);
  });

  it('an empty or blank q → no results', async () => {
    for (const q of ['', '   ']) {
      const res = await search(server, q);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { results: [] });
    }
    const res = await request(`${server.url}/api/help/search`);
    assert.deepEqual(res.json(), { results: [] });
  });

  it('q over 200 characters or with control characters → 400', async () => {
    assertError(await search(server, 'a'.repeat(201)), 400, 'invalid_field');
    assert.equal((await search(server, 'é'.repeat(200))).status, 200, '200 characters (not bytes) are fine');
    assertError(await search(server, 'pass\u0007word'), 400, 'invalid_field');
  });

  it('quotes, dashes and operators a visitor may type never fail', async () => {
    for (const q of ['"', '"unclosed phrase', '- - -', 'or', '!!!', '&|<->', "o'brien", 'a:*', '\\', '(((']) {
      const res = await search(server, q);
      assert.equal(res.status, 200, `${q}: ${res.text}`);
    }
  });

  it('CORS like the visitor API', async () => {
    const res = await search(server, 'password', { headers: { Origin: 'https://customer.example' } });
    assert.equal(res.headers['access-control-allow-origin'], 'https://customer.example');
  });
});

describe('help search: rate limit per client address', () => {
  let server;
  before(async () => {
    server = await helpServer({ fixtures: false });
  });
  after(() => server?.stop());

  it('past 120 searches a minute from one address → 429 with Retry-After; other addresses go on', async () => {
    const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
    for (let i = 0; i < 120; i++) {
      const res = await search(server, `password ${i}`, from('203.0.113.7'));
      assert.equal(res.status, 200, `search ${i}: ${res.text}`);
    }
    const refused = await search(server, 'password', from('203.0.113.7'));
    assertError(refused, 429, 'too_many_requests');
    assert.equal(refused.headers['retry-after'], '60');
    assert.equal((await search(server, 'password', from('203.0.113.8'))).status, 200);
    // An empty query costs nothing and is not counted.
    assert.equal((await search(server, '', from('203.0.113.7'))).status, 200);
    // The search page shares the limit.
    const page = await request(`${server.url}/help/search?q=password`, from('203.0.113.7'));
    assert.equal(page.status, 429);
    assert.match(page.headers['content-type'], /^text\/html/);
  });
});

describe('help search: its own statement timeout', () => {
  it('a search PostgreSQL cannot answer within 1 s → 503 search_timeout, and the next one works', async () => {
    const server = await helpServer();
    // A session holding the article table locked: the search waits for it, as for a slow plan.
    const lock = await psqlSession(server.databaseUrl);
    try {
      await lock.run('BEGIN; LOCK TABLE article IN ACCESS EXCLUSIVE MODE;');
      assertError(await search(server, 'password'), 503, 'search_timeout');
      const page = await request(`${server.url}/help/search?q=password`);
      assert.equal(page.status, 503);
      await lock.run('COMMIT;');
      const res = await search(server, 'password');
      assert.equal(res.status, 200, res.text);
      assert.ok(res.json().results.length > 0);
    } finally {
      await lock.end();
      await server.stop();
    }
  });
});

describe('help search: PARLEY_TEXT_SEARCH_CONFIG', () => {
  it('a configuration the database lacks stops the start with a clear error', async () => {
    await assert.rejects(helpServer({ fixtures: false, env: { PARLEY_TEXT_SEARCH_CONFIG: 'klingon' } }), /no text search configuration 'klingon'.*available: .*english/s);
  });

  it('a malformed name is refused before anything starts', async () => {
    await assert.rejects(helpServer({ fixtures: false, env: { PARLEY_TEXT_SEARCH_CONFIG: "english'; drop" } }), /PARLEY_TEXT_SEARCH_CONFIG must be/);
  });

  it('english stems: "passwords" finds the articles that say "password"', async () => {
    const server = await helpServer();
    try {
      const slugs = (await search(server, 'passwords', { limit: 5 })).json().results.map((r) => r.slug);
      assert.ok(slugs.includes('reset-your-password') && slugs.includes('password-requirements'), slugs.join(', '));
    } finally {
      await server.stop();
    }
  });

  it('simple: no stemming, and existing articles are re-indexed at start', async () => {
    const server = await helpServer({ env: { PARLEY_TEXT_SEARCH_CONFIG: 'simple' } });
    try {
      // "passwords" is in password-requirements (and set-up-saml-sso), not in
      // reset-your-password; english would stem it and also find
      // reset-your-password ("password"). Vectors left as english built them would match
      // nothing, and the title fallback would bring both.
      const slugs = (await search(server, 'passwords', { limit: 5 })).json().results.map((r) => r.slug);
      assert.ok(slugs.includes('password-requirements'), slugs.join(', '));
      assert.ok(!slugs.includes('reset-your-password'), slugs.join(', '));
      assert.equal((await search(server, 'reset')).json().results[0].slug, 'reset-your-password');
    } finally {
      await server.stop();
    }
  });
});
