// The embed API of docs/EMBED.md as a customer page uses it, in headless Chromium against the
// real binary and PostgreSQL: the unread badge with `on('unread')` and `on('message')`,
// `identify()` switching the user mid-page, and `shutdown()` on a shared computer. The
// launcher lives in a closed shadow root; an init script keeps a reference to it when the
// loader attaches it (observing the real page code, replacing nothing). No timing assertions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { query, stallWrites } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';
import {
  LONG, VIEWPORT, widgetWorld, syncPage, openChat, visitorSend, ownBubble, waitSent, watchPage,
  agentHelpers, conversationWith, screenshot, chatFrame,
} from './lib.mjs';
import { agentReply, replyInChat } from './flows.mjs';
import { keepWidgetShadowRoot } from './observers.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'widget-api-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const sqlText = (s) => `'${s.replace(/'/g, "''")}'`;

/** What the launcher's badge shows: its text when displayed, '' when hidden. */
const badge = (page) => page.evaluate(() => {
  const n = window.__parleyShadow?.getElementById('n');
  return n && getComputedStyle(n).display !== 'none' ? n.textContent : '';
});

/** Subscribes the page to `unread` and `message`, recording their arguments. */
const recordEvents = (page) => page.evaluate(() => {
  window.__unread = [];
  window.__messages = [];
  SupportChat.on('unread', (n) => window.__unread.push(n));
  SupportChat.on('message', (m) => window.__messages.push(m));
});

async function storedState(page, parleyUrl) {
  return page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), `parley.visitor@${new URL(parleyUrl).origin}`);
}

describe('the embed API: unread, message, identify, shutdown', TEST_OPTS, () => {
  let world, server, parley, site, browser;

  before(async () => {
    world = await widgetWorld((srv) => addAgent(srv.databaseUrl, 'wanda@support.test', 'Wanda Agent'));
    ({ server, parley, site, browser } = world);
  });
  after(async () => {
    await world?.close();
  });

  async function customerPage(config) {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await ctx.addInitScript(keepWidgetShadowRoot);
    const page = await ctx.newPage();
    const watch = watchPage(page);
    await page.goto(site.add(syncPage(parley, config)));
    await recordEvents(page);
    return { ctx, page, watch };
  }

  it('a reply while the window is closed: badge 1, on(unread) 1 then 0 on opening, on(message) with the reply', TEST_OPTS, async () => {
    const { ctx, page, watch } = await customerPage({ user: { id: 'unread-1', name: 'Una Unread' } });
    const A = await agentInbox(browser, parley, 'wanda@support.test');
    try {
      const frame = await openChat(page, parley);
      const question = 'Does the badge count replies?';
      await visitorSend(frame, question);
      await waitSent(frame, question, server);
      await page.evaluate(() => SupportChat.close());
      await waitFor(async () => !(await (await frame.frameElement()).isVisible()), { deadline: LONG, what: 'chat window hidden' });
      assert.equal(await badge(page), '', 'no badge before a reply');

      await conversationWith(A.page, question).click();
      const answer = 'Yes, and this is one reply';
      await agentReply(A.page, answer);

      await waitFor(async () => (await badge(page)) === '1', { deadline: LONG, what: 'the badge showing 1' });
      await screenshot(page, 'widget-api-badge');
      assert.deepEqual(await page.evaluate(() => window.__unread), [1], 'on(unread) got 1');
      const got = await page.evaluate(() => window.__messages);
      const reply = got.find((m) => m.body === answer);
      assert.ok(reply, `on(message) got the reply: ${JSON.stringify(got)}`);
      assert.equal(reply.sender, 'AGENT');
      assert.equal(reply.agentName, 'Wanda Agent');
      const [[id, convId]] = query(server.databaseUrl, `SELECT id, conversation_id FROM message WHERE body = ${sqlText(answer)}`);
      assert.equal(reply.id, Number(id));
      assert.equal(reply.conversationId, Number(convId));
      assert.equal(got.filter((m) => m.body === answer).length, 1, 'the reply reported once');

      await page.evaluate(() => SupportChat.open());
      await replyInChat(frame, answer).waitFor({ timeout: LONG });
      await waitFor(async () => (await page.evaluate(() => window.__unread.join(','))) === '1,0', {
        deadline: LONG, what: 'on(unread) 0 after opening',
      });
      await page.evaluate(() => SupportChat.close());
      assert.equal(await badge(page), '', 'no badge once read');
      assert.deepEqual(watch.errors, [], `page errors: ${watch.errors.join('\n')}`);
    } finally {
      await A.ctx.close();
      await ctx.close();
    }
  });

  it('identify() with another user mid-page: none of the earlier user\'s messages remain on screen', TEST_OPTS, async () => {
    const { ctx, page, watch } = await customerPage({ user: { id: 'switch-a', name: 'Al First' } });
    try {
      const frame = await openChat(page, parley);
      const first = 'Private words of the first user';
      await visitorSend(frame, first);
      await waitSent(frame, first, server);

      await page.evaluate(() => SupportChat.identify({ id: 'switch-b', name: 'Bea Second' }));
      await ownBubble(frame, first).waitFor({ state: 'detached', timeout: LONG });
      await frame.locator('#status:is(.online,.away)').waitFor({ timeout: LONG });
      const second = 'Words of the second user';
      await visitorSend(frame, second);
      await waitSent(frame, second, server);
      await screenshot(page, 'widget-api-identify');
      assert.equal(await frame.locator('#log').getByText(first).count(), 0, 'the first user\'s message is not shown');
      const rows = query(server.databaseUrl, `SELECT v.user_id, m.body FROM message m JOIN conversation c ON c.id = m.conversation_id
        JOIN visitor v ON v.id = c.visitor_id WHERE m.body IN (${sqlText(first)}, ${sqlText(second)}) ORDER BY m.id`);
      assert.deepEqual(rows, [['switch-a', first], ['switch-b', second]]);

      // And on the next page load as the second user (the customer's page now renders init() with
      // B), still nothing of the first. (Reloading the page that says A in init() and calling
      // identify(B) after it would race: the frame may take A's init first, and the switch back
      // to B then starts B afresh.)
      await page.goto(site.add(syncPage(parley, { user: { id: 'switch-b', name: 'Bea Second' } })));
      const again = await openChat(page, parley);
      await waitSent(again, second, server);
      assert.equal(await again.locator('#log').getByText(first).count(), 0, 'the first user\'s message is not shown after a reload');
      assert.deepEqual(watch.errors, [], `page errors: ${watch.errors.join('\n')}`);
    } finally {
      await ctx.close();
    }
  });

  it('shutdown() on a shared computer clears the token, the unsent messages and the frame', TEST_OPTS, async () => {
    const { ctx, page, watch } = await customerPage({});
    try {
      const frame = await openChat(page, parley);
      const sent = 'Written before signing out';
      await visitorSend(frame, sent);
      await waitSent(frame, sent, server);
      const before = await storedState(page, parley);
      assert.ok(before?.token, 'a token is stored while chatting');

      // A message that cannot be stored yet stays in the outbox.
      const stall = await stallWrites(server.databaseUrl);
      const unsent = 'Unsent when signing out';
      try {
        await visitorSend(frame, unsent);
        await waitFor(async () => ((await storedState(page, parley))?.outbox || []).some((i) => i.body === unsent), {
          deadline: LONG, what: 'the unsent message in the stored outbox',
        });
        await page.evaluate(() => SupportChat.shutdown());
        const after = await storedState(page, parley);
        assert.ok(!after?.token, `no token after shutdown: ${JSON.stringify(after)}`);
        assert.deepEqual(after?.outbox || [], [], 'no outbox after shutdown');
        assert.equal(await page.evaluate(() => window.__parleyShadow.querySelector('iframe')), null, 'the chat frame is gone');
        await waitFor(() => !page.frames().some((f) => f.url() === `${parley}/chat/`), { deadline: LONG, what: 'the chat frame detached' });
      } finally {
        await stall.release();
      }
      assert.equal(await page.evaluate(() => document.querySelectorAll('parley-chat').length), 1, 'the launcher stays');

      // The next person opens the chat: a new anonymous visitor, nothing of the earlier one.
      await page.evaluate(() => SupportChat.open());
      const fresh = await chatFrame(page, parley);
      await fresh.locator('#status:is(.online,.away)').waitFor({ timeout: LONG });
      assert.equal(await fresh.locator('#log .msg.me').count(), 0, 'no earlier message shown');
      const next = 'The next person on this computer';
      await visitorSend(fresh, next);
      await waitSent(fresh, next, server);
      await screenshot(page, 'widget-api-shutdown');
      assert.equal(await fresh.locator('#log').getByText(sent).count(), 0);
      assert.equal(await fresh.locator('#log').getByText(unsent).count(), 0);
      const visitors = query(server.databaseUrl, `SELECT DISTINCT c.visitor_id FROM message m JOIN conversation c ON c.id = m.conversation_id
        WHERE m.body IN (${sqlText(sent)}, ${sqlText(next)})`);
      assert.equal(visitors.length, 2, 'the next chat is another visitor');
      assert.notEqual((await storedState(page, parley))?.token, before.token, 'a new token');
      assert.deepEqual(watch.errors, [], `page errors: ${watch.errors.join('\n')}`);
    } finally {
      await ctx.close();
    }
  });
});
