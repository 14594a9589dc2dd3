// Help search's typo correction through the corpus's words (migration 0025, help_word; docs/
// HELP_CENTER.md "Search"): a misspelt word is replaced by the most similar word the published
// articles use — a word of a body as well as of a title — and the corrected question runs
// through full text. The table follows every write: an article created, edited (words added
// and removed), unpublished or deleted through the API. Real binary, real PostgreSQL (the
// table itself is read with psql). No timing is asserted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { helpServer, agentCookie, search } from '../support/help.mjs';
import { request } from '../support/http.mjs';
import { psql } from '../support/pg.mjs';

// Made-up words no fixture article uses, so that only the articles written here hold them.
const BODY_WORD = 'zorbulating';
const ADDED = 'flemwarpish';
const SHARED = 'quandrelite';

function api(server, method, p, cookie, body) {
  return request(server.url + p, { method, headers: { Cookie: cookie, Origin: server.url }, body });
}

async function results(server, q) {
  const res = await search(server, q, { limit: 5 });
  assert.equal(res.status, 200, res.text);
  return res.json().results;
}

describe('help search: typos corrected through the words of the articles', () => {
  let server, cookie;
  const known = (word) => psql(server.databaseUrl, `SELECT count(*) FROM help_word WHERE word = '${word}'`).trim() === '1';

  before(async () => {
    server = await helpServer();
    cookie = await agentCookie(server);
  });
  after(() => server?.stop());

  it('a misspelt word that only a body holds finds its article, the corrected word marked', async () => {
    const res = await api(server, 'POST', '/api/articles', cookie, {
      title: 'Archive old chats',
      collection: 'Inbox',
      status: 'published',
      body: `Old chats pile up. Start by ${BODY_WORD} the closed ones from the list.`,
    });
    assert.equal(res.status, 201, res.text);
    const slug = res.json().article.slug;
    assert.ok(known(BODY_WORD), `${BODY_WORD} is among the words of the articles`);
    const found = await results(server, 'zorbulatng');
    assert.equal(found[0]?.slug, slug, JSON.stringify(found));
    assert.match(found[0].snippet, new RegExp(`<mark>${BODY_WORD}</mark>`));
    assert.ok(found[0].score > 0 && found[0].score < 1);
    // Beside a correctly spelt word of the same article.
    assert.equal((await results(server, 'archive zorbulatng'))[0]?.slug, slug);
  });

  it('an edit adding a word makes it correctable; an edit removing it forgets it', async () => {
    const created = await api(server, 'POST', '/api/articles', cookie, {
      title: 'Pin a conversation',
      status: 'published',
      body: 'Pinned conversations stay at the top of the list.',
    });
    assert.equal(created.status, 201, created.text);
    const { id, slug } = created.json().article;
    assert.equal(known(ADDED), false);
    assert.equal((await results(server, 'flemwarpsh')).some((r) => r.slug === slug), false);

    const added = await api(server, 'PUT', `/api/articles/${id}`, cookie, {
      title: 'Pin a conversation',
      status: 'published',
      body: `Pinned conversations stay at the top of the list, ${ADDED} and all.`,
    });
    assert.equal(added.status, 200, added.text);
    assert.ok(known(ADDED));
    assert.equal((await results(server, 'flemwarpsh'))[0]?.slug, slug);

    const removed = await api(server, 'PUT', `/api/articles/${id}`, cookie, {
      title: 'Pin a conversation',
      status: 'published',
      body: 'Pinned conversations stay at the top of the list.',
    });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(known(ADDED), false);
    assert.equal((await results(server, 'flemwarpsh')).some((r) => r.slug === slug), false);
    // Words the article still holds, and words other articles hold, stay.
    assert.ok(known('pinned'));
    assert.ok(known('password'));
  });

  it('a word stays while another published article holds it; unpublishing or deleting the last one removes it', async () => {
    const write = (title) =>
      api(server, 'POST', '/api/articles', cookie, { title, status: 'published', body: `All about the ${SHARED} setting.` });
    const first = (await write('First shared article')).json().article;
    const second = (await write('Second shared article')).json().article;
    assert.ok(known(SHARED));

    const deleted = await api(server, 'DELETE', `/api/articles/${first.id}`, cookie);
    assert.equal(deleted.status, 204, deleted.text);
    assert.ok(known(SHARED), 'the second article still holds it');
    assert.deepEqual(
      (await results(server, 'quandrelte')).map((r) => r.slug),
      [second.slug],
    );

    const draft = await api(server, 'PUT', `/api/articles/${second.id}`, cookie, {
      title: 'Second shared article',
      status: 'draft',
      body: `All about the ${SHARED} setting.`,
    });
    assert.equal(draft.status, 200, draft.text);
    assert.equal(known(SHARED), false, 'drafts are not searched: their words are not offered');
    assert.deepEqual(await results(server, 'quandrelte'), []);
    // Stop words have no stem to look for in the other articles: they stay known.
    assert.ok(known('the'));
  });

  it('a word like no word of the articles is left as typed: nothing is forced on the question', async () => {
    assert.deepEqual(await results(server, 'xyzzyqwv'), []);
    // Its known neighbour still counts towards "some of the words".
    const found = await results(server, 'xyzzyqwv invoice');
    assert.equal(found[0]?.slug, 'download-your-invoices', JSON.stringify(found));
  });
});
