// CSAT end to end in headless Chromium against the real binary and PostgreSQL: an agent replies
// and resolves; the visitor's widget asks "How did we do?" in the thread; the visitor picks a
// face (with the keyboard) and adds a comment; the inbox shows the rating in the thread, the
// list badge and the CSAT view (with its empty, loading and error states), at desktop size and
// 375 px. No timing assertions: every wait is an auto-waiting locator.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LONG, VIEWPORT, widgetWorld, syncPage, openChat, visitorSend, waitSent, watchPage, agentHelpers, screenshot, conversationWith } from './lib.mjs';
import { agentReply, replyInChat } from './flows.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'csat browser password';
const PHONE = { width: 375, height: 740 };
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

describe('CSAT: resolve → the widget asks → the rating shows in the inbox', TEST_OPTS, () => {
  let world, server, parley, site, browser;

  before(async () => {
    world = await widgetWorld((s) => addAgent(s.databaseUrl, 'ann@acme.test', 'Ann Agent'));
    ({ server, parley, site, browser } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('a rating given in the widget reaches the thread, the list and the report', TEST_OPTS, async () => {
    const A = await agentInbox(browser, parley, 'ann@acme.test');
    const vctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      // The report before any rating: the empty state (and the loading, error states, held by routing).
      await A.page.getByTestId('view-csat').click();
      await A.page.locator('#csat-view[data-state="empty"]').waitFor({ timeout: LONG });
      await A.page.getByTestId('csat-empty').waitFor({ timeout: LONG });
      await screenshot(A.page, 'csat-view-empty-desktop');
      let release;
      const held = new Promise((r) => (release = r));
      await A.page.route('**/api/reports/csat*', async (route) => {
        await held;
        await route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"Internal server error"}}' });
      });
      await A.page.getByTestId('csat-30d').click();
      await A.page.locator('#csat-view[data-state="loading"] .csat-loading').waitFor({ timeout: LONG });
      await screenshot(A.page, 'csat-view-loading-desktop');
      release();
      await A.page.getByTestId('csat-error').waitFor({ timeout: LONG });
      assert.match(await A.page.getByTestId('csat-error').innerText(), /Could not load the report/);
      await screenshot(A.page, 'csat-view-error-desktop');
      await A.page.unroute('**/api/reports/csat*');
      await A.page.getByRole('button', { name: 'Try again' }).click();
      await A.page.locator('#csat-view[data-state="empty"]').waitFor({ timeout: LONG });
      await A.page.getByTestId('view-open').click();

      // A visitor asks; Ann answers and resolves.
      const page = await vctx.newPage();
      const w = watchPage(page);
      await page.goto(site.add(syncPage(parley, { user: { id: 'csat-1', name: 'Cy Customer', email: 'cy@acme.test' } })));
      const frame = await openChat(page, parley);
      const question = 'My invoice shows the wrong company name';
      await visitorSend(frame, question);
      await waitSent(frame, question, server);
      await conversationWith(A.page, question).click();
      const answer = 'Fixed it — the next invoice will be right.';
      await agentReply(A.page, answer);
      await replyInChat(frame, answer).waitFor({ timeout: LONG });
      await A.page.getByTestId('resolve').click();
      await A.page.getByTestId('conversation-csat').filter({ hasText: /no answer yet/ }).waitFor({ timeout: LONG });

      // The widget asks in the thread: five labelled faces.
      const card = frame.locator('.csat');
      await card.waitFor({ timeout: LONG });
      assert.equal(await card.getByRole('button', { name: /of 5\)$/ }).count(), 5);
      await screenshot(page, 'csat-widget-asked-desktop');
      // With the keyboard: focus "Good", press Enter.
      const good = card.getByRole('button', { name: 'Good (4 of 5)' });
      await good.focus();
      await good.press('Enter');
      await card.locator('button[aria-pressed="true"]').filter({ hasText: '😊' }).waitFor({ timeout: LONG });
      await card.locator('.st').filter({ hasText: 'Thanks for your rating!' }).waitFor({ timeout: LONG });
      const comment = 'Quick, friendly, and the invoice is right now. Thank you so much for the help with this!';
      await card.getByRole('textbox', { name: 'Comment' }).fill(comment);
      await card.getByRole('button', { name: 'Send comment' }).click();
      await screenshot(page, 'csat-widget-rated-desktop');

      // The inbox: the thread line, the list badge (Resolved view), and the report.
      const line = A.page.getByTestId('conversation-csat');
      await line.filter({ hasText: 'Rated Good (4/5)' }).filter({ hasText: comment }).waitFor({ timeout: LONG });
      await A.page.getByTestId('view-resolved').click();
      const item = conversationWith(A.page, 'Cy Customer');
      await item.getByTestId('csat-badge').filter({ hasText: '😊 4/5' }).waitFor({ timeout: LONG });
      await conversationWith(A.page, 'Cy Customer').click();
      await line.filter({ hasText: comment }).waitFor({ timeout: LONG });
      await screenshot(A.page, 'csat-inbox-thread-desktop');

      await A.page.getByTestId('view-csat').click();
      await A.page.locator('#csat-view[data-state="ready"]').waitFor({ timeout: LONG });
      assert.equal(await A.page.getByTestId('csat-score').innerText(), '100%');
      await A.page.getByTestId('csat-agent').filter({ hasText: 'Ann Agent' }).waitFor({ timeout: LONG });
      await A.page.getByTestId('csat-rating').filter({ hasText: comment }).waitFor({ timeout: LONG });
      await screenshot(A.page, 'csat-view-desktop');

      // 375 px wide: the report, the thread and the widget stay readable.
      await A.page.setViewportSize(PHONE);
      await screenshot(A.page, 'csat-view-375');
      await A.page.getByTestId('view-resolved').click();
      await conversationWith(A.page, 'Cy Customer').getByTestId('csat-badge').waitFor({ timeout: LONG });
      await screenshot(A.page, 'csat-inbox-list-375');
      await A.page.goto(`${parley}/inbox/#/resolved/${await item.getAttribute('data-conversation-id')}`);
      await line.filter({ hasText: comment }).waitFor({ timeout: LONG });
      await screenshot(A.page, 'csat-inbox-thread-375');
      await page.setViewportSize(PHONE);
      await screenshot(page, 'csat-widget-rated-375');

      // A reload within the 24 hours: the thread comes back from history with the question, the
      // rating given and the comment, still changeable.
      await page.setViewportSize(VIEWPORT);
      await page.reload();
      const again = (await openChat(page, parley)).locator('.csat');
      await again.waitFor({ timeout: LONG });
      await again.locator('button[aria-pressed="true"]').filter({ hasText: '😊' }).waitFor({ timeout: LONG });
      assert.equal(await again.getByRole('textbox', { name: 'Comment' }).inputValue(), comment);
      assert.equal(await again.getByRole('button', { name: 'Very good (5 of 5)' }).isEnabled(), true);
      await screenshot(page, 'csat-widget-after-reload');

      assert.deepEqual(w.errors, [], 'no page errors in the customer page');
      assert.deepEqual(A.watch.errors, [], 'no page errors in the inbox');
    } finally {
      await vctx.close();
      await A.ctx.close();
    }
  });
});
