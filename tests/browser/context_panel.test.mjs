// The inbox's "Account" panel (web/inbox/context_panel.js) in headless Chromium, against the
// real binary, PostgreSQL and a stand-in product-context endpoint on loopback: the stand-in's
// cards for a verified visitor, the unavailable, not-verified and loading states, the thread
// never waiting for the panel, and the 375 px layout. Screenshots go to /tmp/shots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { request, waitFor } from '../support/http.mjs';
import { visitorSocket } from '../support/visitor.mjs';
import { startContextStandin, startExampleEndpoint } from '../support/context-standin.mjs';
import { LONG, VIEWPORT, agentHelpers, conversationById, conversationWith, screenshot, openChat, visitorSend, userHash } from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'context panel password 3';
const IDENTITY_SECRET = 'identity secret for the panel';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

async function conversationOf(server, userId, text, { verified = true } = {}) {
  const body = verified
    ? { id: userId, email: `${userId}@customer.test`, name: `User ${userId}`, userHash: createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex') }
    : {};
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body });
  assert.equal(res.status, 200, res.text);
  const ws = await visitorSocket(server, res.json().visitorToken);
  const clientId = `c-${randomBytes(4).toString('hex')}`;
  ws.send({ type: 'send', clientId, body: text });
  const ack = await ws.nextMessage((m) => m && m.clientId === clientId && (m.type === 'ack' || m.type === 'error'));
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await ws.close();
  return ack.message.conversationId;
}

describe('inbox: the product-context panel', TEST_OPTS, () => {
  let standin;
  let server;
  let browser;
  let parley;
  let agent;
  const ids = {};

  before(async () => {
    standin = await startContextStandin();
    server = await startParley({ env: {
      PARLEY_IDENTITY_SECRET: IDENTITY_SECRET,
      PARLEY_CONTEXT_URL: standin.url,
      PARLEY_CONTEXT_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    } });
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'pat@support.test', 'Pat Panel');
    ids.cards = await conversationOf(server, 'long-acme', 'My invoice shows the wrong plan');
    ids.failing = await conversationOf(server, 'fail-beta', 'Where is my export?');
    ids.anonymous = await conversationOf(server, '', 'Just browsing, one question', { verified: false });
    ids.slow = await conversationOf(server, 'slow-gamma', 'Hello from a slow account');
    browser = await launchBrowser();
    agent = await agentInbox(browser, parley, 'pat@support.test');
  });
  after(async () => {
    await agent?.ctx.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    await standin?.close();
  });

  const panel = () => agent.page.getByTestId('context-panel');

  const open = (id) => conversationById(agent.page, id).click();
  const inState = (name) => agent.page.locator(`[data-testid="context-panel"][data-state="${name}"]`).waitFor({ timeout: LONG });

  it("shows the stand-in's cards for a verified visitor, as text, with safe links", TEST_OPTS, async () => {
    const { page } = agent;
    await open(ids.cards);
    await inState('ok');
    const titles = await page.getByTestId('context-card-title').allInnerTexts();
    assert.deepEqual(titles, ['Enterprise subscription with a very long descriptive name for this account', 'Subscription', 'Contact']);
    const values = await page.getByTestId('context-value').allInnerTexts();
    assert.ok(values.includes('Pro for long-acme'), values.join(' | '));
    assert.ok(values.includes('long-acme@customer.test'), values.join(' | '));
    const link = page.getByTestId('context-link').filter({ hasText: '#1042 paid' });
    assert.equal(await link.getAttribute('href'), 'https://billing.example.com/invoices/1042');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(standin.callsFor('long-acme'), 1);
    await screenshot(page, 'context-cards-desktop');

    // Long values wrap inside the panel: nothing sticks out of it.
    const overflow = await page.evaluate(() => {
      const box = document.querySelector('#visitor-panel').getBoundingClientRect();
      return [...document.querySelectorAll('.context-card, .context-card dd, .context-card-title')]
        .filter((el) => el.getBoundingClientRect().right > box.right + 1).length;
    });
    assert.equal(overflow, 0, 'card content wider than the panel');
  });

  it('says "Context unavailable" with the reason when the endpoint fails, and offers to try again', TEST_OPTS, async () => {
    const { page } = agent;
    await open(ids.failing);
    await inState('unavailable');
    assert.match(await panel().innerText(), /Context unavailable/);
    assert.match(await page.getByTestId('context-reason').innerText(), /^The endpoint answered HTTP 500$/);
    await screenshot(page, 'context-unavailable-desktop');
    const before = standin.callsFor('fail-beta');
    // A failure is kept 30 s: "Try again" within them answers from the cache, still unavailable.
    await page.getByTestId('context-retry').click();
    await inState('unavailable');
    assert.ok(standin.callsFor('fail-beta') >= before);
  });

  it('never looks up an unverified visitor, and says why', TEST_OPTS, async () => {
    const { page } = agent;
    const calls = standin.requests.length;
    await open(ids.anonymous);
    await inState('not_verified');
    assert.match(await panel().innerText(), /Not looked up/);
    assert.equal(standin.requests.length, calls);
    await screenshot(page, 'context-not-verified-desktop');
  });

  it('the thread shows while a slow endpoint is still being asked', TEST_OPTS, async () => {
    const { page } = agent;
    await open(ids.slow);
    await waitFor(() => standin.callsFor('slow-gamma') === 1, { what: 'the slow lookup started' });
    await page.getByTestId('message-body').filter({ hasText: 'Hello from a slow account' }).waitFor({ timeout: LONG });
    const shown = await panel().getAttribute('data-state');
    assert.equal(standin.slowOpen, 1, 'the lookup is still waiting while the thread is shown');
    assert.equal(shown, 'loading');
    await screenshot(page, 'context-loading-desktop');
    await inState('unavailable');
    assert.match(await page.getByTestId('context-reason').innerText(), /did not answer within 2 s/);
  });

  it('at 375 px the panel sits behind "Visitor details", above the thread, and wraps long values', TEST_OPTS, async () => {
    const { page } = agent;
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${parley}/inbox/#/open/${ids.cards}`);
    await page.getByTestId('message-body').first().waitFor({ timeout: LONG });
    await screenshot(page, 'context-375-folded');
    const toggle = page.getByTestId('visitor-toggle');
    await toggle.click();
    await inState('ok');
    await page.getByTestId('context-card-title').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'context-375-cards');
    const widest = await page.evaluate(() => Math.max(...[...document.querySelectorAll('.context-card')].map((el) => el.getBoundingClientRect().right)));
    assert.ok(widest <= 375, `a card reaches ${widest}px on a 375px screen`);
    // The keyboard folds it again.
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('says when no product data is connected (no PARLEY_CONTEXT_URL)', TEST_OPTS, async () => {
    const plain = await startParley();
    try {
      await addAgent(plain.databaseUrl, 'pat@support.test', 'Pat Panel');
      const id = await conversationOf(plain, '', 'Any news on my order?', { verified: false });
      const other = await agentInbox(browser, `http://localhost:${plain.port}`, 'pat@support.test');
      try {
        await conversationById(other.page, id).click();
        await other.page.locator('[data-testid="context-panel"][data-state="not_configured"]').waitFor({ timeout: LONG });
        assert.match(await other.page.getByTestId('context-panel').innerText(), /No product data connected/);
        await screenshot(other.page, 'context-not-configured-desktop');
      } finally {
        await other.ctx.close();
      }
    } finally {
      await plain.stop();
    }
  });

  it('the demo page\'s Ann, with the documented example endpoint: its card in the panel', TEST_OPTS, async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const example = await startExampleEndpoint(secret);
    const demo = await startParley({ env: {
      PARLEY_IDENTITY_SECRET: IDENTITY_SECRET, PARLEY_CONTEXT_URL: `${example.url}/`, PARLEY_CONTEXT_SECRET: secret,
    } });
    const base = `http://localhost:${demo.port}`;
    const vctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      await addAgent(demo.databaseUrl, 'pat@support.test', 'Pat Panel');
      // As docs/CONTEXT.md says: "Signed in as Ann" with her userHash, then a message.
      const visitor = await vctx.newPage();
      await visitor.goto(`${base}/demo`);
      await visitor.evaluate((hash) => localStorage.setItem('acme.demo', JSON.stringify({ mode: 'ann', hash })), userHash(IDENTITY_SECRET, '42'));
      await visitor.reload();
      const frame = await openChat(visitor, base);
      await visitorSend(frame, 'Ann here: is my invoice paid?');
      const other = await agentInbox(browser, base, 'pat@support.test');
      try {
        await conversationWith(other.page, 'Ann here: is my invoice paid?').click();
        await other.page.locator('[data-testid="context-panel"][data-state="ok"]').waitFor({ timeout: LONG });
        const values = await other.page.getByTestId('context-value').allInnerTexts();
        assert.ok(values.includes('42') && values.includes('ann@acme.io'), values.join(' | '));
        await screenshot(other.page, 'context-demo-example');
      } finally {
        await other.ctx.close();
      }
    } finally {
      await vctx.close();
      await demo.stop();
      example.stop();
    }
  });
});
