// The chat frame's outbox, in headless Chromium against the real binary and PostgreSQL: a burst
// split by refusals is stored in typing order, and two tabs of one browser lose nothing of what
// either typed. No timing assertions: every wait is an auto-waiting locator or a polled
// condition whose deadline only stops a hung test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { query, stallWrites } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, VIEWPORT, widgetWorld, syncPage, openChat, ownBubble, visitorSend, waitSent, watchPage } from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };

async function storedOutbox(page, parleyUrl) {
  return page.evaluate((k) => (JSON.parse(localStorage.getItem(k) || 'null') || {}).outbox || [], `parley.visitor@${new URL(parleyUrl).origin}`);
}

/**
 * Makes the server refuse new messages as `overloaded`: another visitor's message waits in the
 * writer for the event-order lock (held from psql), and past the writer's 2 s bound what comes
 * next is refused. Returns release() (idempotent), which lets everything through again.
 */
async function refuseWrites(server) {
  const plug = await visitorSocket(server, (await identify(server)).visitorToken);
  const stall = await stallWrites(server.databaseUrl);
  let released;
  const release = () => released || (released = stall.release().then(() => plug.close()));
  try {
    plug.send({ type: 'send', clientId: 'plug', body: 'Plugging the writer' });
    await stall.blocked();
    await new Promise((r) => setTimeout(r, 2500));
  } catch (e) {
    await release();
    throw e;
  }
  return release;
}

describe('the chat frame\'s outbox', TEST_OPTS, () => {
  let world, server, parley, site, browser;

  before(async () => {
    world = await widgetWorld();
    ({ server, parley, site, browser } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('messages typed around a refusal (the database stalled: overloaded) are stored in typing order', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    let release;
    try {
      const page = await ctx.newPage();
      const w = watchPage(page);
      let refused = 0;
      page.on('websocket', (ws) => ws.on('framereceived', (f) => { if (/"overloaded"/.test(String(f.payload))) refused++; }));
      await page.goto(site.add(syncPage(parley, { user: { id: 'order-1' } })));
      const frame = await openChat(page, parley);
      const first = 'Before the stall'; // the conversation exists: what follows are plain messages
      await visitorSend(frame, first);
      await waitSent(frame, first, server);

      release = await refuseWrites(server);
      const typed = ['Order one', 'Order two', 'Order three', 'Order four', 'Order five'];
      await visitorSend(frame, typed[0]);
      await ownBubble(frame, typed[0]).and(frame.locator('.retrying')).waitFor({ timeout: LONG });
      await visitorSend(frame, typed[1]);
      await visitorSend(frame, typed[2]);
      await release();
      await visitorSend(frame, typed[3]);
      await visitorSend(frame, typed[4]);
      for (const t of typed) await waitSent(frame, t, server, 90000);
      const stored = query(server.databaseUrl, `SELECT m.body FROM message m JOIN conversation c ON c.id = m.conversation_id
        JOIN visitor v ON v.id = c.visitor_id WHERE v.user_id = 'order-1' ORDER BY m.id`).map((r) => r[0]);
      assert.deepEqual(stored, [first, ...typed], 'stored once each, in typing order');
      assert.ok(refused > 0, 'the server did refuse');
      assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
    } finally {
      await release?.();
      await ctx.close();
    }
  });

  it('two tabs: a message typed in one while refused survives the other tab writing and a reload', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    let release;
    try {
      const url = site.add(syncPage(parley, { user: { id: 'tabs-1' } }));
      const A = await ctx.newPage();
      const wA = watchPage(A);
      await A.goto(url);
      const frameA = await openChat(A, parley);
      const first = 'First, from tab A';
      await visitorSend(frameA, first);
      await waitSent(frameA, first, server);
      const B = await ctx.newPage(); // the same browser: one stored state for both tabs
      const wB = watchPage(B);
      await B.goto(url);
      const frameB = await openChat(B, parley);
      await ownBubble(frameB, first).waitFor({ timeout: LONG });

      release = await refuseWrites(server);
      const fromA = 'Typed in tab A while refused';
      const fromB = 'Typed in tab B while refused';
      await visitorSend(frameA, fromA);
      await ownBubble(frameA, fromA).and(frameA.locator('.retrying')).waitFor({ timeout: LONG });
      await visitorSend(frameB, fromB);
      await ownBubble(frameB, fromB).and(frameB.locator('.retrying')).waitFor({ timeout: LONG });
      assert.deepEqual((await storedOutbox(A, parley)).map((i) => i.body).sort(), [fromA, fromB].sort(),
        'both tabs\' unsent messages are kept');

      await A.reload(); // before it could send: the new page has only what is stored
      const again = await openChat(A, parley);
      await ownBubble(again, fromA).waitFor({ timeout: LONG });
      await release();
      for (const [frame, text] of [[again, fromA], [again, fromB], [frameB, fromB]]) await waitSent(frame, text, server, 90000);
      const stored = query(server.databaseUrl, `SELECT m.body FROM message m JOIN conversation c ON c.id = m.conversation_id
        JOIN visitor v ON v.id = c.visitor_id WHERE v.user_id = 'tabs-1' ORDER BY m.id`).map((r) => r[0]);
      assert.deepEqual(stored.slice().sort(), [first, fromA, fromB].sort(), 'each stored once');
      await waitFor(async () => (await storedOutbox(B, parley)).length === 0, { deadline: LONG, what: 'the stored outbox emptied' });
      assert.deepEqual([...wA.errors, ...wB.errors], [], 'page errors');
    } finally {
      await release?.();
      await ctx.close();
    }
  });
});
