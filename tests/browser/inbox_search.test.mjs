// The inbox's search box (web/inbox/search.js) in headless Chromium against the real binary and
// PostgreSQL: an old, resolved conversation — not in the Open list — is found by a word from it,
// its match is marked (a <mark> element built by the page; the message's own markup stays text), clicking the result
// opens it; Esc brings the list back; the empty and error states; 375 px. Screenshots: /tmp/shots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { psql, psqlSession } from '../support/pg.mjs';
import { LONG, agentHelpers, screenshot } from './lib.mjs';

const TEST_OPTS = { timeout: 180000 };
const PASSWORD = 'inbox search password 5';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

function seedConversation(db, name, status, daysAgo, bodies) {
  const values = bodies.map((b, i) => `('${b.replace(/'/g, "''")}', ${i})`).join(',');
  return Number(psql(db, `
WITH v AS (INSERT INTO visitor (name, email) VALUES ('${name}', '${name.toLowerCase().replace(/\W+/g, '.')}@customer.test') RETURNING id),
c AS (INSERT INTO conversation (visitor_id, status, created_at, updated_at)
      SELECT id, '${status}', now() - interval '${daysAgo} days', now() - interval '${daysAgo} days' FROM v RETURNING id),
m AS (INSERT INTO message (conversation_id, sender, client_id, body, created_at)
      SELECT c.id, CASE WHEN b.n % 2 = 0 THEN 'VISITOR' ELSE 'AGENT' END::message_sender, 's' || b.n, b.body,
             now() - interval '${daysAgo} days' + b.n * interval '1 minute'
      FROM c, (VALUES ${values}) b(body, n))
SELECT id FROM c`));
}

describe('inbox: search', TEST_OPTS, () => {
  let server;
  let browser;
  let agent;
  let old;

  before(async () => {
    server = await startParley();
    const db = server.databaseUrl;
    await addAgent(db, 'sam@support.test', 'Sam Search');
    old = seedConversation(db, 'Winifred Oldcastle', 'RESOLVED', 200, [
      'My tandem bicycle arrived with a bent wheel <img src=x onerror=alert(1)>',
      'Sorry to hear that! A replacement wheel is on its way under the warranty, no need to send the bicycle back. ' +
        'It should arrive within five working days; if it does not, just answer this message and we will look into it again.',
    ]);
    for (let i = 0; i < 6; i++) seedConversation(db, `Recent Visitor ${i}`, 'OPEN', 0, [`question number ${i} about shipping`]);
    browser = await launchBrowser();
    agent = await agentInbox(browser, `http://localhost:${server.port}`, 'sam@support.test');
  });
  after(async () => {
    await agent?.ctx.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('finds an old conversation by a word from it, marks the word, and opens it', async () => {
    const { page, watch } = agent;
    await page.getByTestId('conversation-item').first().waitFor({ timeout: LONG });
    assert.equal(await page.locator(`[data-testid="conversation-item"][data-conversation-id="${old}"]`).count(), 0,
      'the resolved conversation is not in the Open list');
    await page.locator('#search-input').fill('bicycle');
    const result = page.locator(`[data-testid="search-result"][data-conversation-id="${old}"]`).first();
    await result.waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('conversation-list').isVisible(), false, 'results replace the list');
    const marks = await result.locator('mark').allTextContents();
    assert.ok(marks.includes('bicycle'), `marked: ${marks}`);
    // The visitor's "<img …>" is text in the snippet, never an element.
    const first = page.locator(`[data-testid="search-result"][data-conversation-id="${old}"]`).last();
    assert.equal(await first.locator('img').count(), 0);
    assert.match(await first.getByTestId('search-snippet').innerText(), /<img src=x onerror/);
    await screenshot(page, 'search-results-desktop');

    await result.click();
    await page.getByTestId('conversation-title').filter({ hasText: 'Winifred Oldcastle' }).waitFor({ timeout: LONG });
    await page.getByTestId('messages').getByText('tandem bicycle').waitFor({ timeout: LONG });

    await page.locator('#search-input').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('conversation-list').waitFor({ state: 'visible', timeout: LONG });
    assert.equal(await page.locator('#search-input').inputValue(), '');
    assert.equal(await page.getByTestId('search-results').isVisible(), false);
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(watch.dialogs, []);
  });

  it('says when nothing matches, and when the search failed (with a retry)', async () => {
    const { page } = agent;
    await page.locator('#search-input').fill('xylophonist');
    await page.getByTestId('search-empty').waitFor({ state: 'visible', timeout: LONG });
    await screenshot(page, 'search-empty-desktop');

    // The message table held locked: the search runs into its statement timeout (503).
    const lock = await psqlSession(server.databaseUrl);
    try {
      await lock.run('BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE;');
      await page.locator('#search-input').fill('warranty');
      await page.getByTestId('search-error').waitFor({ state: 'visible', timeout: LONG });
      assert.match(await page.getByTestId('search-error').innerText(), /took too long/);
      await screenshot(page, 'search-error-desktop');
      await lock.run('COMMIT;');
    } finally {
      await lock.end();
    }
    await page.getByTestId('search-error').getByRole('button', { name: 'Try again' }).click();
    await page.locator(`[data-testid="search-result"][data-conversation-id="${old}"]`).waitFor({ timeout: LONG });
  });

  it('fits a 375 px screen: filters, results and a long snippet wrapping between words', async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 } });
    try {
      const page = await ctx.newPage();
      await page.goto(`http://localhost:${server.port}/inbox/`);
      await page.getByTestId('login-email').fill('sam@support.test');
      await page.getByTestId('login-password').fill(PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.locator('#search-input').waitFor({ state: 'visible', timeout: LONG });
      await page.getByTestId('search-filters-toggle').click();
      await page.getByTestId('search-status').selectOption('RESOLVED');
      await page.locator('#search-input').fill('warranty');
      const result = page.locator(`[data-testid="search-result"][data-conversation-id="${old}"]`).first();
      await result.waitFor({ timeout: LONG });
      const box = await result.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `the result fits: ${JSON.stringify(box)}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(overflow <= 375, `no sideways scrolling (${overflow} px)`);
      await screenshot(page, 'search-results-375');
    } finally {
      await ctx.close();
    }
  });
});
