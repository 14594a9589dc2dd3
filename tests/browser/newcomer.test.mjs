// What a newcomer meets first (issue 16, items 5-9), end to end in headless Chromium against the
// real binary and PostgreSQL: the landing page and favicon, an agent renaming themself, the inbox
// on a 375 px phone, times and the closed-chat preview in the widget, a visitor's email in place
// of "Visitor #n", and no replies on a resolved conversation. No timing assertions: waits are
// auto-waiting locators whose deadlines only stop a hung test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { request, waitFor } from '../support/http.mjs';
import { agentReply, replyInChat } from './flows.mjs';
import {
  LONG, VIEWPORT, customerSite, syncPage, openChat, clickLauncher, visitorSend, waitSent, ownBubble,
  watchPage, screenshot, agentHelpers, conversationWith as item,
} from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'newcomer test password 5';
const PHONE = { width: 375, height: 740 };
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

/** Boxes of two elements do not overlap and leave at least `gap` px between them horizontally. */
function apart(a, b, gap = 4) {
  const [l, r] = a.x <= b.x ? [a, b] : [b, a];
  return l.x + l.width + gap <= r.x;
}

describe('what a newcomer sees first', TEST_OPTS, () => {
  let server;
  let parley;
  let browser;
  let site;
  const contexts = [];

  before(async () => {
    server = await startParley();
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'alice@newcomer.test', 'Admin', 'admin');
    await addAgent(server.databaseUrl, 'bob@newcomer.test', 'Bob Agent');
    browser = await launchBrowser();
    site = await customerSite();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.stop();
  });

  async function newPage(viewport = VIEWPORT) {
    const ctx = await browser.newContext({ viewport });
    contexts.push(ctx);
    const page = await ctx.newPage();
    return { ctx, page, watch: watchPage(page) };
  }

  it('/ is a landing page linking the inbox and the demo; every page has the SVG favicon', TEST_OPTS, async () => {
    const icon = await request(`${parley}/favicon.svg`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers['content-type'], /^image\/svg\+xml/);
    for (const viewport of [VIEWPORT, PHONE]) {
      const { page, watch } = await newPage(viewport);
      await page.goto(`${parley}/`);
      assert.equal(await page.title(), 'Parley');
      assert.match(await page.locator('pre').innerText(), new RegExp(`${parley.replace(/[.:/]/g, '\\$&')}/widget\\.js`),
        'the snippet names this server');
      await screenshot(page, `newcomer-landing-${viewport.width}`);
      await page.getByTestId('home-inbox').click();
      await page.getByTestId('login-form').waitFor({ timeout: LONG });
      assert.equal(new URL(page.url()).pathname, '/inbox/');
      await page.goBack();
      // Keyboard: Tab reaches the demo link, Enter follows it.
      await page.getByTestId('home-inbox').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${parley}/demo`, { timeout: LONG });
      await page.waitForFunction(() => document.querySelectorAll('parley-chat').length === 1, null, { timeout: LONG });
      assert.deepEqual(watch.errors, [], `page errors: ${watch.errors.join('\n')}`);
    }
    const { page } = await newPage();
    for (const path of ['/', '/inbox/', '/demo']) {
      await page.goto(parley + path);
      assert.equal(await page.locator('link[rel="icon"]').getAttribute('href'), '/favicon.svg', `favicon on ${path}`);
    }
  });

  it('a visitor who left an email is listed by it (one line, full address in the tooltip); a resolved conversation takes no reply until reopened', TEST_OPTS, async () => {
    const EMAIL = 'maximilian.alexander.longname@subdomain.example-company.test';
    const A = await agentInbox(browser, parley, 'alice@newcomer.test');
    contexts.push(A.ctx);
    // The team goes away: the widget asks the visitor for an email.
    await A.page.getByTestId('presence-toggle').click();
    await A.page.locator('[data-testid="presence-toggle"][data-status="away"]').waitFor({ timeout: LONG });

    const V = await newPage();
    await V.page.goto(site.add(syncPage(parley, {})));
    const frame = await openChat(V.page, parley);
    await frame.locator('#status.away').waitFor({ timeout: LONG });
    const question = 'Can someone email me about invoices?';
    await visitorSend(frame, question);
    await waitSent(frame, question, server);
    await frame.locator('#email').fill(EMAIL);
    await frame.locator('#emailForm button').click();
    await frame.locator('#emailOk').waitFor({ timeout: LONG });

    await A.page.reload(); // the email reaches the inbox with the next load of the list
    const row = item(A.page, question);
    await row.waitFor({ timeout: LONG });
    assert.equal(await row.getByTestId('conversation-name').textContent(), EMAIL, 'listed by email, not "Visitor #n"');
    await row.click();
    await A.page.getByTestId('conversation-title').filter({ hasText: EMAIL }).waitFor({ timeout: LONG });
    assert.equal(await A.page.getByTestId('visitor-name').textContent(), '—', 'no name was given');
    const email = A.page.getByTestId('visitor-email');
    assert.equal(await email.textContent(), EMAIL);
    assert.equal(await email.getAttribute('title'), EMAIL, 'the tooltip shows the whole address');
    const shape = await email.evaluate((el) => ({
      ws: getComputedStyle(el).whiteSpace, overflow: getComputedStyle(el).textOverflow,
      lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight || '18')),
      clipped: el.scrollWidth > el.clientWidth,
    }));
    assert.equal(shape.ws, 'nowrap', 'one line, never broken mid-word');
    assert.equal(shape.overflow, 'ellipsis');
    assert.ok(shape.clipped, 'this long address is shortened with an ellipsis');
    await screenshot(A.page, 'newcomer-visitor-email');

    // Resolved: the reply box is disabled and says why; reopened: it takes replies again.
    await A.page.getByTestId('resolve').click();
    await A.page.getByTestId('reply-closed').filter({ hasText: 'Reopen to reply' }).waitFor({ timeout: LONG });
    assert.ok(await A.page.getByTestId('reply-input').isDisabled(), 'reply box disabled when resolved');
    assert.ok(await A.page.getByTestId('reply-send').isDisabled(), 'send disabled when resolved');
    await screenshot(A.page, 'newcomer-resolved-reply-disabled');
    await A.page.getByTestId('reopen').click();
    await A.page.getByTestId('reply-closed').waitFor({ state: 'hidden', timeout: LONG });
    assert.ok(await A.page.getByTestId('reply-input').isEnabled(), 'reply box enabled again after reopening');
    await agentReply(A.page, 'We will write to you shortly.');
    await A.page.getByTestId('message').filter({ hasText: 'We will write to you shortly.' })
      .getByTestId('message-status').filter({ hasText: 'Sent' }).waitFor({ timeout: LONG });
    await A.page.getByTestId('resolve').click(); // leave nothing open for the next tests
    await A.page.getByTestId('reply-closed').waitFor({ timeout: LONG });
    for (const w of [A.watch, V.watch]) assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
    await A.ctx.close();
  });

  it('an agent renames themself in the inbox: the team sees it live, the visitor sees it on the next reply; widget times and the closed-chat preview', TEST_OPTS, async () => {
    const A = await agentInbox(browser, parley, 'alice@newcomer.test');
    const B = await agentInbox(browser, parley, 'bob@newcomer.test');
    contexts.push(A.ctx, B.ctx);
    await B.page.getByTestId('team-member').filter({ hasText: 'Admin' }).waitFor({ timeout: LONG });

    const V = await newPage();
    await V.page.goto(site.add(syncPage(parley, { title: 'Acme Support' })));
    const frame = await openChat(V.page, parley);
    assert.equal(await frame.locator('h1').textContent(), 'Acme Support', 'the title option names the team');
    assert.equal(await frame.locator('.avatar').textContent(), 'A');
    await frame.locator('#status.online').waitFor({ timeout: LONG });
    const question = 'Who am I talking to?';
    await visitorSend(frame, question);
    await waitSent(frame, question, server);
    // Each message shows a small time, in the visitor's locale.
    const ownTime = ownBubble(frame, question).locator('time.tm');
    await ownTime.filter({ hasText: /\d/ }).waitFor({ timeout: LONG });
    assert.ok(await ownTime.getAttribute('datetime'), 'machine-readable time');

    await item(A.page, question).click();
    await agentReply(A.page, 'Hello from the team.');
    const first = replyInChat(frame, 'Hello from the team.');
    await first.waitFor({ timeout: LONG });
    assert.equal(await first.locator('.who').textContent(), 'Admin');
    await first.locator('time.tm').filter({ hasText: /\d/ }).waitFor({ timeout: LONG });

    // The profile control: errors first (keyboard only), then the new name.
    await A.page.getByTestId('me-name').focus();
    await A.page.keyboard.press('Enter');
    const dialog = A.page.getByTestId('profile-dialog');
    await dialog.waitFor({ timeout: LONG });
    await A.page.getByTestId('profile-name').fill('   ');
    await A.page.keyboard.press('Enter');
    await A.page.getByTestId('profile-error').filter({ hasText: /name/i }).waitFor({ timeout: LONG });
    await screenshot(A.page, 'newcomer-profile-error');
    await A.page.getByTestId('profile-name').fill('  Alice Martin  ');
    await A.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden', timeout: LONG });
    await A.page.getByTestId('me-name').filter({ hasText: /^Alice Martin$/ }).waitFor({ timeout: LONG });
    await B.page.getByTestId('team-member').filter({ hasText: 'Alice Martin' }).waitFor({ timeout: LONG });

    // The server validates too: trimmed, 1-80 characters, no control characters.
    const patch = (name) => A.page.evaluate(async (n) => {
      const r = await fetch('/api/me', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: n }) });
      return { status: r.status, body: await r.json().catch(() => null) };
    }, name);
    for (const bad of ['', '   ', 'x'.repeat(81), 'Bell\u0007', 'Line\nbreak', 'C1\u0085']) {
      const r = await patch(bad);
      assert.equal(r.status, 400, `"${JSON.stringify(bad)}" refused`);
      assert.equal(r.body?.error?.code, 'invalid_field');
    }
    assert.equal((await patch('é'.repeat(80))).status, 200, '80 characters (not bytes) are fine');
    const back = await patch(' Alice Martin ');
    assert.equal(back.status, 200);
    assert.equal(back.body.agent.name, 'Alice Martin', 'stored trimmed');

    // The visitor closes the chat; the next reply, signed with the new name, shows as a preview
    // beside the launcher.
    await clickLauncher(V.page);
    await V.page.waitForFunction(() => window.__events.includes('close'), null, { timeout: LONG });
    const answer = 'Alice here, happy to help.';
    await agentReply(A.page, answer);
    await frame.locator('html.pv').waitFor({ state: 'attached', timeout: LONG });
    assert.equal(await frame.locator('#pvText').textContent(), answer);
    assert.equal(await frame.locator('#pvWho').textContent(), 'Alice Martin', 'the new name on a later message');
    const box = await (await frame.frameElement()).boundingBox();
    assert.ok(box && box.height < 120 && box.width <= 300, `a small preview, not the chat window: ${JSON.stringify(box)}`);
    await screenshot(V.page, 'newcomer-widget-preview');
    await frame.locator('#pvOpen').click();
    await frame.locator('#input').waitFor({ state: 'visible', timeout: LONG });
    assert.equal(await frame.locator('html.pv').count(), 0, 'opened: the whole chat');
    const second = replyInChat(frame, answer);
    assert.equal(await second.locator('.who').textContent(), 'Alice Martin', 'the visitor sees the new name');
    await frame.waitForFunction(() => innerWidth > 300, null, { timeout: LONG }); // laid out at full size
    await screenshot(V.page, 'newcomer-widget-times');

    // Dismissed: the preview goes, the chat stays closed.
    await clickLauncher(V.page);
    await agentReply(A.page, 'One more thing.');
    await frame.locator('html.pv').waitFor({ state: 'attached', timeout: LONG });
    await frame.locator('#pvClose').click();
    await frame.locator('html.pv').waitFor({ state: 'detached', timeout: LONG });
    await waitFor(async () => !(await (await frame.frameElement()).isVisible()), {
      deadline: LONG, what: 'dismissed: nothing shown but the launcher',
    });
    for (const w of [A.watch, B.watch, V.watch]) assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);
  });

  it('on a 375 px phone the visitor details fold behind a toggle and the view counts stand apart from their labels', TEST_OPTS, async () => {
    const V = await newPage();
    await V.page.goto(site.add(syncPage(parley, { user: { id: 'phone-1', name: 'Pat Phone', email: 'pat@phone.test', plan: 'pro' } })));
    const frame = await openChat(V.page, parley);
    const question = 'Asking from my phone';
    await visitorSend(frame, question);
    await waitSent(frame, question, server);

    const ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    const watch = watchPage(page);
    await page.goto(`${parley}/inbox/`);
    await page.getByTestId('login-email').fill('bob@newcomer.test');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await item(page, question).waitFor({ timeout: LONG });
    await page.locator('[data-testid="count-open"]').filter({ hasText: /\d/ }).waitFor({ timeout: LONG });
    await screenshot(page, 'newcomer-phone-list');
    for (const view of ['open', 'mine', 'unassigned', 'resolved']) {
      const link = page.getByTestId(`view-${view}`);
      const count = page.getByTestId(`count-${view}`);
      await count.filter({ hasText: /\d/ }).waitFor({ timeout: LONG });
      await link.scrollIntoViewIfNeeded();
      const label = await link.locator('span').first().boundingBox();
      const badge = await count.boundingBox();
      assert.ok(label && badge && apart(label, badge), `${view}: label and count apart: ${JSON.stringify({ label, badge })}`);
    }

    await item(page, question).click();
    await page.getByTestId('messages').getByTestId('message-body').filter({ hasText: question }).waitFor({ timeout: LONG });
    const toggle = page.getByTestId('visitor-toggle');
    await toggle.waitFor({ state: 'visible', timeout: LONG });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.ok(!(await page.getByTestId('visitor-details').isVisible()), 'details folded on a phone');
    const panel = await page.locator('#visitor-panel').boundingBox();
    assert.ok(panel.height < 60, `the folded panel is one line: ${panel.height}px`);
    await screenshot(page, 'newcomer-phone-conversation');
    await toggle.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('visitor-details').waitFor({ state: 'visible', timeout: LONG });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.getByTestId('visitor-email').textContent(), 'pat@phone.test');
    await screenshot(page, 'newcomer-phone-details-open');
    await toggle.click();
    await page.getByTestId('visitor-details').waitFor({ state: 'hidden', timeout: LONG });
    assert.deepEqual(watch.errors, [], `page errors: ${watch.errors.join('\n')}`);
  });
});
