// Read receipts in the browser (issue 18; docs/PROTOCOL.md, "Read receipts"): the agent's
// *Seen* appears when the visitor opens the widget and looks at it — not while the window is
// closed, not while the page is hidden — and an agent's unread markers agree in two tabs on
// two devices (separate browser contexts: nothing shared but the server). Real binary,
// PostgreSQL and headless Chromium; no timing assertions.
//
// Visibility: a headless page is always visible, so an init script (in every frame, the chat
// frame included) makes document.visibilityState / document.hidden answer what the test sets,
// and fires `visibilitychange` as a browser does. It also records each WebSocket frame a page
// sends (observing; the real send still runs), which proves a `read` was never sent rather than
// only "not yet".
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { query } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import {
  LONG, VIEWPORT, widgetWorld, syncPage, openChat, visitorSend, waitSent, agentHelpers, conversationWith,
  conversationById, screenshot,
} from './lib.mjs';
import { agentReply, replyInChat } from './flows.mjs';
import { controlVisibility, recordSocketFrames } from './observers.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'read-receipts-browser-password';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const sqlText = (s) => `'${s.replace(/'/g, "''")}'`;

// In every frame (the chat frame included): visibility the test sets, and the frames sent.
const observe = async (ctx) => {
  await ctx.addInitScript(controlVisibility);
  await ctx.addInitScript(recordSocketFrames);
};
const readsSent = (target) => target.evaluate(() => window.__sent.filter((f) => f.type === 'read'));
const seenMark = (page) => page.getByTestId('messages').getByTestId('seen');
const badgeOf = (page, id) => conversationById(page, id).getByTestId('unread-dot');
const messageId = (db, body) => Number(query(db, `SELECT id FROM message WHERE body = ${sqlText(body)}`)[0][0]);

describe('read receipts', TEST_OPTS, () => {
  let world, server, parley, site, browser;

  before(async () => {
    world = await widgetWorld((srv) => addAgent(srv.databaseUrl, 'rita@support.test', 'Rita Reader'));
    ({ server, parley, site, browser } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('Seen appears when the visitor opens the widget on a visible page — not while closed, not while hidden', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await observe(ctx);
    const page = await ctx.newPage();
    const A = await agentInbox(browser, parley, 'rita@support.test');
    try {
      await page.goto(site.add(syncPage(parley, { user: { id: 'seen-1', name: 'Sam Seen' } })));
      const frame = await openChat(page, parley);
      const question = 'Will you tell me when you read this?';
      await visitorSend(frame, question);
      await waitSent(frame, question, server);
      await page.evaluate(() => SupportChat.close());
      await waitFor(async () => !(await (await frame.frameElement()).isVisible()), { deadline: LONG, what: 'chat window hidden' });

      await conversationWith(A.page, question).click();
      const answer = 'I read it — did you read mine?';
      await agentReply(A.page, answer);
      const answerId = await waitFor(() => query(server.databaseUrl, `SELECT count(*) FROM message WHERE body = ${sqlText(answer)}`)[0][0] === '1'
        && messageId(server.databaseUrl, answer), { deadline: LONG, what: 'the reply stored' });
      // The reply reaches the closed window (it is in the DOM, shown as a preview only).
      await replyInChat(frame, answer).waitFor({ state: 'attached', timeout: LONG });
      const upToAnswer = (f) => f.upTo >= answerId;
      assert.equal((await readsSent(frame)).filter(upToAnswer).length, 0, 'a read was sent while the window was closed');
      assert.equal(await seenMark(A.page).count(), 0, 'Seen shown before the visitor opened the chat');

      // Open, but on a hidden page: still nothing.
      await frame.evaluate(() => window.__setHidden(true));
      await page.evaluate(() => SupportChat.open());
      await waitFor(async () => (await frame.frameElement()).isVisible(), { deadline: LONG, what: 'chat window open' });
      assert.equal((await readsSent(frame)).filter(upToAnswer).length, 0, 'a read was sent while the page was hidden');
      assert.equal(await seenMark(A.page).count(), 0);

      // The page becomes visible: the read goes out and the agent sees Seen under the reply.
      await frame.evaluate(() => window.__setHidden(false));
      await waitFor(async () => (await readsSent(frame)).some(upToAnswer), { deadline: LONG, what: 'the read sent' });
      const mine = A.page.getByTestId('messages').locator(`li[data-message-id="${answerId}"]`);
      await mine.getByTestId('seen').waitFor({ timeout: LONG });
      assert.equal(await seenMark(A.page).count(), 1, 'Seen shown once');
      await screenshot(A.page, 'read-receipts-seen-desktop');

      // A second reply, read at once (the window is open and visible): Seen moves down to it.
      const second = 'Here is one more thing.';
      await agentReply(A.page, second);
      await replyInChat(frame, second).waitFor({ timeout: LONG });
      const secondId = messageId(server.databaseUrl, second);
      await A.page.getByTestId('messages').locator(`li[data-message-id="${secondId}"]`).getByTestId('seen').waitFor({ timeout: LONG });
      assert.equal(await seenMark(A.page).count(), 1, 'Seen moved, not duplicated');

      await A.page.setViewportSize({ width: 375, height: 740 });
      await seenMark(A.page).scrollIntoViewIfNeeded();
      await screenshot(A.page, 'read-receipts-seen-375');
      await page.setViewportSize({ width: 375, height: 740 });
      await screenshot(page, 'read-receipts-widget-375');
      assert.deepEqual(A.watch.errors, [], `inbox errors: ${A.watch.errors.join('\n')}`);
    } finally {
      await A.ctx.close();
      await ctx.close();
    }
  });

  it('unread markers come from the server: two devices of one agent agree, and a hidden tab does not read', TEST_OPTS, async () => {
    const one = await agentInbox(browser, parley, 'rita@support.test', observe);
    const two = await agentInbox(browser, parley, 'rita@support.test', observe);
    const v = await identify(server);
    const ws = await visitorSocket(server, v.visitorToken);
    try {
      const say = async (body) => {
        const clientId = `c-${Math.random().toString(36).slice(2)}`;
        ws.send({ type: 'send', clientId, body });
        const ack = await ws.nextMessage((m) => m && m.type === 'ack' && m.clientId === clientId, LONG);
        return ack.message;
      };
      const first = await say('Unread one');
      const id = first.conversationId;
      for (const t of [one, two]) await waitFor(async () => (await badgeOf(t.page, id).getAttribute('data-count')) === '1', { deadline: LONG, what: 'badge 1' });
      await say('Unread two');
      for (const t of [one, two]) {
        await waitFor(async () => (await badgeOf(t.page, id).getAttribute('data-count')) === '2', { deadline: LONG, what: 'badge 2' });
        assert.equal(await badgeOf(t.page, id).isVisible(), true);
      }
      await screenshot(one.page, 'read-receipts-unread-desktop');

      // Device two opens the conversation while its tab is hidden: nothing is read.
      await two.page.evaluate(() => window.__setHidden(true));
      await conversationById(two.page, id).click();
      await two.page.getByTestId('messages').getByTestId('message-body').filter({ hasText: 'Unread two' }).waitFor({ timeout: LONG });
      assert.equal((await readsSent(two.page)).length, 0, 'a hidden tab sent a read');
      assert.equal(await badgeOf(one.page, id).getAttribute('data-count'), '2');

      // It becomes visible: read; both devices clear the marker (device one through the server).
      await two.page.evaluate(() => window.__setHidden(false));
      for (const t of [one, two]) {
        await badgeOf(t.page, id).waitFor({ state: 'hidden', timeout: LONG });
      }
      assert.equal((await readsSent(one.page)).length, 0, 'device one read what it did not show');

      // A new visitor message: unread again on device one; device two shows it, so reads it.
      await say('Unread three');
      await two.page.getByTestId('messages').getByTestId('message-body').filter({ hasText: 'Unread three' }).waitFor({ timeout: LONG });
      await badgeOf(one.page, id).waitFor({ state: 'hidden', timeout: LONG });
      // And after a reload, device one still agrees (the count is the server's, not the tab's).
      await one.page.reload();
      await conversationById(one.page, id).waitFor({ timeout: LONG });
      assert.equal(await badgeOf(one.page, id).isVisible(), false);

      // Read on device two up to "four"; then two is hidden and "five" stays unread everywhere.
      await one.page.setViewportSize({ width: 375, height: 740 });
      const four = await say('Unread four');
      await waitFor(() => Number(query(server.databaseUrl, `SELECT coalesce(max(message_id), 0) FROM agent_read WHERE conversation_id = ${id}`)[0][0]) === four.id,
        { deadline: LONG, what: 'device two read "four"' });
      await badgeOf(one.page, id).waitFor({ state: 'hidden', timeout: LONG });
      await two.page.evaluate(() => window.__setHidden(true));
      await say('Unread five');
      for (const t of [one, two]) {
        await waitFor(async () => (await badgeOf(t.page, id).getAttribute('data-count')) === '1' && badgeOf(t.page, id).isVisible(),
          { deadline: LONG, what: 'badge 1 on both devices' });
      }
      await screenshot(one.page, 'read-receipts-unread-375');
      assert.deepEqual([...one.watch.errors, ...two.watch.errors], []);
    } finally {
      ws.terminate();
      await one.ctx.close();
      await two.ctx.close();
    }
  });
});
