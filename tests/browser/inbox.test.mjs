// The agent inbox, end to end in headless Chromium: two agents (made with `parley agent add`)
// in two browser contexts on /inbox, a visitor in a third, all against the real binary and
// PostgreSQL. No timing assertions: waits are auto-waiting locators or polled conditions whose
// deadlines only stop a hung test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley, restartParley } from '../support/parley.mjs';
import { query, stallWrites } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { waitFor } from '../support/http.mjs';
import { seenUnassigned, assignSeenByOther, typeThenReply, resolveSeenByAll, agentReply } from './flows.mjs';
import {
  LONG, VIEWPORT, customerSite, syncPage, openChat, visitorSend, waitSent, exactText, watchPage, screenshot, agentHelpers, conversationById, conversationWith } from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'inbox test password 9';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

const byId = conversationById;
const item = conversationWith;

describe('agent inbox: two agents and a visitor, live', TEST_OPTS, () => {
  let server;
  let parley;
  let browser;
  let site;
  const contexts = [];

  before(async () => {
    server = await startParley();
    parley = `http://localhost:${server.port}`; // = the default public URL (agents' Origin)
    await addAgent(server.databaseUrl, 'alice@support.test', 'Alice Agent', 'admin');
    await addAgent(server.databaseUrl, 'bob@support.test', 'Bob Agent');
    browser = await launchBrowser();
    site = await customerSite();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.stop();
  });

  it('the visitor writes, both agents see it; A assigns (B sees it), types, replies, resolves', TEST_OPTS, async () => {
    const A = await agentInbox(browser, parley, 'alice@support.test');
    const B = await agentInbox(browser, parley, 'bob@support.test');
    contexts.push(A.ctx, B.ctx);
    // Each sees the other in the Team list.
    await A.page.getByTestId('team-member').filter({ hasText: 'Bob Agent' }).waitFor({ timeout: LONG });

    const vctx = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(vctx);
    const visitor = await vctx.newPage();
    const vw = watchPage(visitor);
    await visitor.goto(`${parley}/demo`);
    const frame = await openChat(visitor, parley);
    await frame.locator('#status.online').waitFor({ timeout: LONG }); // an agent is online
    const question = 'Hi, how do I export my dashboard to PDF?';
    await visitorSend(frame, question);
    await waitSent(frame, question, server);

    await seenUnassigned([A, B], question);
    await screenshot(visitor, 'demo-chat-open');

    const convId = await item(A.page, question).getAttribute('data-conversation-id');
    assert.match(convId, /^\d+$/);
    await assignSeenByOther(A, B, question, 'Alice Agent');
    // A types: the visitor sees the typing indicator before the reply arrives. B, watching the
    // same conversation, sees the reply too.
    const answer = await typeThenReply(A, frame, ['Open the dashboard, then', ' Share → Export as PDF.'], 'Alice Agent');
    await B.page.getByTestId('message-body').filter({ hasText: exactText(answer) }).waitFor({ timeout: LONG });
    await screenshot(A.page, 'inbox-conversation-open');

    await resolveSeenByAll(A, B, frame, convId);

    for (const w of [A.watch, B.watch, vw]) {
      assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
      assert.deepEqual(w.dialogs, [], `dialogs: ${w.dialogs.join('\n')}`);
    }
  });

  it('a hostile visitor name and message are shown as literal text and nothing runs', TEST_OPTS, async () => {
    const NAME = '<img src=x onerror=alert(1)>';
    const BODY = '<script>window.__pwned=1</script>';
    const PLAN = '<b onmouseover=alert(2)>pro</b>';
    const A = await agentInbox(browser, parley, 'alice@support.test');
    contexts.push(A.ctx);

    const vctx = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(vctx);
    const visitor = await vctx.newPage();
    const vw = watchPage(visitor);
    await visitor.goto(site.add(syncPage(parley, { user: { id: 'evil-1', name: NAME, email: 'evil@x.test', plan: PLAN } })));
    const frame = await openChat(visitor, parley);
    await visitorSend(frame, BODY);
    await waitSent(frame, BODY, server);

    const row = item(A.page, BODY);
    await row.waitFor({ timeout: LONG });
    // The view counts follow: the first test's conversation is resolved, this one is open.
    await A.page.locator('[data-testid="count-open"]', { hasText: exactText('1') }).waitFor({ timeout: LONG });
    await A.page.locator('[data-testid="count-unassigned"]', { hasText: exactText('1') }).waitFor({ timeout: LONG });
    assert.equal(await row.getByTestId('conversation-name').textContent(), NAME, 'list: the name as literal text');
    assert.equal(await row.getByTestId('conversation-preview').textContent(), BODY, 'list: the message as literal text');
    await row.click();
    const body = A.page.getByTestId('messages').getByTestId('message-body');
    await body.filter({ hasText: BODY }).waitFor({ timeout: LONG });
    assert.equal(await body.filter({ hasText: BODY }).textContent(), BODY, 'conversation: the message as literal text');
    assert.equal(await A.page.getByTestId('conversation-title').textContent(), NAME);
    assert.equal(await A.page.getByTestId('messages').getByTestId('message-author').first().textContent(), NAME);
    assert.equal(await A.page.getByTestId('visitor-name').textContent(), NAME, 'visitor panel: the name');
    await A.page.getByTestId('visitor-metadata').locator('dd', { hasText: PLAN }).waitFor({ timeout: LONG });
    assert.equal(await A.page.getByTestId('visitor-metadata').locator('dd[data-key="plan"]').textContent(), PLAN);
    assert.equal(await A.page.getByTestId('visitor-verified').getAttribute('data-verified'), 'false', 'marked unverified');

    // Nothing became markup, nothing ran.
    const injected = await A.page.evaluate(() => document.querySelectorAll(
      '#conv-list img, #conv-list script, #conv-list b, #messages img, #messages script, .visitor img, .visitor b, .conv-head img').length);
    assert.equal(injected, 0, 'elements injected by visitor data');
    await A.page.waitForLoadState('load');
    assert.equal(await A.page.evaluate(() => typeof window.__pwned), 'undefined');
    assert.equal(await frame.evaluate(() => typeof window.__pwned), 'undefined');
    assert.equal(await frame.locator('.msg.me .body script').count(), 0);
    for (const w of [A.watch, vw]) {
      assert.deepEqual(w.dialogs, [], `dialogs: ${w.dialogs.join('\n')}`);
      assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
    }
    await screenshot(A.page, 'inbox-hostile-visitor');
  });

  it('Team: both connected agents are shown online to each other, and a switch to Away shows live', TEST_OPTS, async () => {
    const A = await agentInbox(browser, parley, 'alice@support.test');
    const B = await agentInbox(browser, parley, 'bob@support.test');
    contexts.push(A.ctx, B.ctx);
    const member = (ag, name, presence) =>
      ag.page.locator(`[data-testid="team-member"][data-presence="${presence}"]`, { hasText: name });
    const expectPresence = async (ag, name, presence) => {
      try {
        await member(ag, name, presence).waitFor({ timeout: LONG });
      } catch (e) {
        const who = await ag.page.getByTestId('me-name').innerText();
        const team = await ag.page.getByTestId('team').innerText();
        throw new Error(`${who}'s Team list does not show ${name} ${presence}: ${JSON.stringify(team)}\n${e.message}`);
      }
    };
    for (const ag of [A, B]) {
      for (const name of ['Alice Agent', 'Bob Agent']) await expectPresence(ag, name, 'online');
    }
    await B.page.getByTestId('presence-toggle').click();
    await B.page.locator('[data-testid="presence-toggle"][data-status="away"]').waitFor({ timeout: LONG });
    await expectPresence(A, 'Bob Agent', 'away');
  });
});

/**
 * For a describe: a fresh server with one agent (`email`, `name`), a browser, and the contexts a
 * test adds to `contexts`, all closed after the suite. Fields are set in `before`.
 */
function suiteWithAgent(email, name) {
  const s = { server: null, parley: '', browser: null, contexts: [] };
  before(async () => {
    s.server = await startParley();
    s.parley = `http://localhost:${s.server.port}`;
    await addAgent(s.server.databaseUrl, email, name);
    s.browser = await launchBrowser();
  });
  after(async () => {
    for (const c of s.contexts) await c.close().catch(() => {});
    await s.browser?.close();
    await s.server?.stop();
  });
  return s;
}

describe('agent inbox: reconnecting and retrying', TEST_OPTS, () => {
  const s = suiteWithAgent('carol@support.test', 'Carol Agent');

  it('a visitor message committed just before the agent\'s reply is not skipped by the sync after a reconnect', TEST_OPTS, async () => {
    // The ack of the agent's reply can overtake the push of a visitor message committed just
    // before it. If the socket drops in between, the inbox must still fetch that message: its
    // cursor comes from pushes, syncs and fetches, never from acks (docs/PROTOCOL.md).
    const C = await agentInbox(s.browser, s.parley, 'carol@support.test');
    s.contexts.push(C.ctx);
    const vctx = await s.browser.newContext({ viewport: VIEWPORT });
    s.contexts.push(vctx);
    const visitor = await vctx.newPage();
    await visitor.goto(`${s.parley}/demo`);
    const frame = await openChat(visitor, s.parley);
    const question = 'Can the inbox lose a message on reconnect?';
    await visitorSend(frame, question);
    await waitSent(frame, question, s.server);
    await item(C.page, question).click();
    const bodies = C.page.getByTestId('messages').getByTestId('message-body');
    await bodies.filter({ hasText: exactText(question) }).waitFor({ timeout: LONG });
    const [[convId]] = query(s.server.databaseUrl, `SELECT conversation_id FROM message WHERE body = '${question}'`);

    // The visitor's follow-up, committed with no push: the state of a push still on its way.
    const followUp = 'A follow-up whose push was still on its way';
    query(s.server.databaseUrl, `INSERT INTO message (conversation_id, sender, client_id, body)
      VALUES (${convId}, 'VISITOR', 'pushed-late-2', '${followUp}')`);
    const answer = 'Answered after that follow-up was committed';
    await agentReply(C.page, answer);
    await C.page.getByTestId('message').filter({ hasText: answer }).getByTestId('message-status')
      .filter({ hasText: 'Sent' }).waitFor({ timeout: LONG });
    const order = query(s.server.databaseUrl, `SELECT body FROM message WHERE conversation_id = ${convId} ORDER BY id`).map((r) => r[0]);
    assert.deepEqual(order, [question, followUp, answer], 'the ack of the reply carries an id above the follow-up\'s');
    assert.equal(await bodies.filter({ hasText: exactText(followUp) }).count(), 0, 'the follow-up has not reached the inbox yet');

    s.server = await restartParley(s.server); // the socket drops; the inbox reconnects and syncs
    await bodies.filter({ hasText: exactText(followUp) }).waitFor({ timeout: 90000 });
    for (const text of [question, followUp, answer]) {
      assert.equal(await bodies.filter({ hasText: exactText(text) }).count(), 1, `"${text}" shown once`);
    }
    assert.deepEqual(C.watch.errors, [], `page errors: ${C.watch.errors.join('\n')}`);
  });

  it('a reply refused as overloaded (the database stalled) is retried by itself and sent once', TEST_OPTS, async () => {
    const C = await agentInbox(s.browser, s.parley, 'carol@support.test');
    s.contexts.push(C.ctx);
    const v = await identify(s.server);
    const ws = await visitorSocket(s.server, v.visitorToken);
    ws.send({ type: 'send', clientId: 'stall-q', body: 'Will my answer survive a stall?' });
    const { message } = await ws.nextMessage({ type: 'ack', clientId: 'stall-q' });
    await byId(C.page, message.conversationId).click();
    const shown = (text) => C.page.getByTestId('message').filter({ hasText: text });
    await shown('Will my answer survive a stall?').waitFor({ timeout: LONG });

    // The event-order lock every writer transaction takes first, held from psql: the writer
    // stalls with the first reply, and past 2 s the server refuses the next one (`overloaded`).
    const stall = await stallWrites(s.server.databaseUrl);
    try {
      await agentReply(C.page, 'First, during the stall');
      await stall.blocked(); // the writer waits with it: from now on it only gets older
      await new Promise((r) => setTimeout(r, 2500)); // past the writer's 2 s bound
      await agentReply(C.page, 'Second, refused at first');
      await shown('Second, refused at first').getByTestId('message-status').filter({ hasText: /retrying/i })
        .waitFor({ timeout: LONG });
    } finally {
      await stall.release();
    }
    // No click: both end up Sent, each stored once.
    for (const text of ['First, during the stall', 'Second, refused at first']) {
      await shown(text).getByTestId('message-status').filter({ hasText: 'Sent' }).waitFor({ timeout: 90000 });
      const [[n]] = query(s.server.databaseUrl, `SELECT count(*) FROM message WHERE body = '${text}'`);
      assert.equal(Number(n), 1, `"${text}" stored once`);
    }
    await ws.close();
    assert.deepEqual(C.watch.errors, [], `page errors: ${C.watch.errors.join('\n')}`);
  });

  it('after a reconnect the list is reloaded as far down as the agent had scrolled', TEST_OPTS, async () => {
    // Two pages of open conversations (25 a page).
    for (let i = 0; i < 30; i++) {
      const v = await identify(s.server);
      const ws = await visitorSocket(s.server, v.visitorToken);
      ws.send({ type: 'send', clientId: `page-${i}`, body: `Paging question ${i}` });
      await ws.nextMessage({ type: 'ack', clientId: `page-${i}` });
      await ws.close();
    }
    const db = s.server.databaseUrl;
    const open = () => Number(query(db, "SELECT count(*) FROM conversation WHERE status <> 'RESOLVED'")[0][0]);
    const total = open();
    assert.ok(total > 25, `${total} open conversations: more than a page`);

    const C = await agentInbox(s.browser, s.parley, 'carol@support.test');
    s.contexts.push(C.ctx);
    const items = C.page.getByTestId('conversation-item');
    await items.nth(24).waitFor({ timeout: LONG });
    // Scrolled down as an agent would: the list loads the next page by itself when "Load more"
    // comes into view. (Clicking raced that: scrolling the button into view for the click
    // started the load, which hid the button once the last page came, and the click waited on.)
    await C.page.locator('#list-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await waitFor(async () => (await items.count()) === total, { deadline: LONG, what: `all ${total} conversations listed` });
    // Back at the top, reading: a list cut to its first page would not load more by itself.
    await C.page.locator('#list-scroll').evaluate((el) => { el.scrollTop = 0; });

    // While the server is down the newest conversation is resolved straight in the database: no
    // event tells the inbox, so its leaving the list shows that the list was reloaded.
    const [[newest]] = query(db, "SELECT id FROM conversation WHERE status <> 'RESOLVED' ORDER BY updated_at DESC, id DESC LIMIT 1");
    s.server = await restartParley(s.server, {
      whileDown: async () => query(db, `UPDATE conversation SET status = 'RESOLVED', version = version + 1 WHERE id = ${newest}`),
    });
    await byId(C.page, newest).waitFor({ state: 'detached', timeout: 90000 });
    assert.equal(await items.count(), total - 1, 'every other conversation still listed, not only the first page');
    assert.equal(open(), total - 1);
    assert.deepEqual(C.watch.errors, [], `page errors: ${C.watch.errors.join('\n')}`);
  });
});

describe('agent inbox: counts while conversations keep changing', TEST_OPTS, () => {
  const s = suiteWithAgent('dana@support.test', 'Dana Agent');

  it('the counts move while changes keep coming faster than their refresh delay', TEST_OPTS, async () => {
    // The page's timers run on a clock the test moves: a new conversation every 500 ms of page
    // time, three of them, then the page's time stands still. Counts re-read 800 ms after the
    // first change must have moved; counts that wait for 800 ms without a change never would.
    const ctx = await s.browser.newContext({ viewport: VIEWPORT });
    s.contexts.push(ctx);
    const start = Date.parse('2026-11-26T09:00:00Z');
    await ctx.clock.install({ time: start });
    const page = await ctx.newPage();
    await page.goto(`${s.parley}/inbox/`);
    await page.getByTestId('login-email').fill('dana@support.test');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    const open = page.getByTestId('count-open');
    await open.filter({ hasText: exactText('0') }).waitFor({ timeout: LONG });
    await page.clock.pauseAt(start + 5 * 60000); // from here on, page time moves only by runFor
    const items = page.getByTestId('conversation-item');
    for (let i = 1; i <= 3; i++) {
      const v = await identify(s.server);
      const ws = await visitorSocket(s.server, v.visitorToken);
      ws.send({ type: 'send', clientId: `busy-${i}`, body: `Busy inbox ${i}` });
      await ws.nextMessage({ type: 'ack', clientId: `busy-${i}` });
      await ws.close();
      await waitFor(async () => (await items.count()) === i, { deadline: LONG, what: `${i} conversation(s) listed` });
      if (i < 3) await page.clock.runFor(500);
    }
    await waitFor(async () => Number(await open.textContent()) >= 1, { deadline: LONG, what: 'the Open count moved from 0' });
  });
});
