// The chat frame's outbox, in headless Chromium against the real binary and PostgreSQL: a burst
// split by refusals is stored in typing order, and two tabs of one browser lose nothing of what
// either typed. No timing assertions: every wait is an auto-waiting locator or a polled
// condition whose deadline only stops a hung test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { query, stallWrites } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, VIEWPORT, customerSite, syncPage, openChat, ownBubble, visitorSend, waitSent, watchPage } from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };

describe('the chat frame\'s outbox', TEST_OPTS, () => {
  let server, parley, site, browser;

  before(async () => {
    server = await startParley();
    parley = `http://localhost:${server.port}`;
    site = await customerSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await server?.stop();
  });

  it('messages typed around a refusal (the database stalled: overloaded) are stored in typing order', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    let stall, plug, released;
    const release = () => released || (released = stall?.release());
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

      // Another visitor's message waits in the writer for the event-order lock; past the
      // writer's 2 s bound, what comes next is refused as overloaded.
      plug = await visitorSocket(server, (await identify(server)).visitorToken);
      stall = await stallWrites(server.databaseUrl);
      plug.send({ type: 'send', clientId: 'plug', body: 'Plugging the writer' });
      await stall.blocked();
      await new Promise((r) => setTimeout(r, 2500));
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
      await release();
      await plug?.close();
      await ctx.close();
    }
  });
});
