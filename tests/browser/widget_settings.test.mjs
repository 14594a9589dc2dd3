// The inbox's Widget section and keyboard shortcuts in headless Chromium against the real
// binary (docs/INBOX.md, docs/EMBED.md): an admin changes the colour, position and team name
// with a live preview and validation; the demo page's launcher and chat header follow on its
// next load; a page's own init options still win; an agent sees the settings read-only.
// Shortcuts: j/k and the arrows move through the list, a assigns, e resolves and reopens, r
// focuses the reply box (typing there triggers nothing), ? lists them in a modal dialog.
// Screenshots (desktop and 375 px) go to /tmp/shots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { LONG, VIEWPORT, agentHelpers, screenshot, chatFrame, customerSite, syncPage, conversationWith } from './lib.mjs';
import { keepWidgetShadowRoot } from './observers.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'widget-settings-browser-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

/** The launcher as the page shows it: its colour and which side it is on. */
async function launcher(page) {
  await page.waitForFunction(() => window.__parleyShadow?.getElementById('b'), null, { timeout: LONG });
  return page.evaluate(() => {
    const b = window.__parleyShadow.getElementById('b');
    const r = b.getBoundingClientRect();
    return { color: getComputedStyle(b).backgroundColor, side: r.left < innerWidth / 2 ? 'left' : 'right' };
  });
}

/** The chat frame's header once the frame has its init: title and colour. */
async function chatHeader(page, base, title) {
  await page.evaluate(() => window.SupportChat.open());
  const frame = await chatFrame(page, base);
  await frame.locator('h1', { hasText: title }).waitFor({ timeout: LONG });
  return frame.evaluate(() => ({
    title: document.querySelector('h1').textContent,
    badge: document.querySelector('.avatar').textContent,
    color: getComputedStyle(document.querySelector('header')).backgroundColor,
  }));
}

describe('widget settings and keyboard shortcuts in the inbox', TEST_OPTS, () => {
  let server, base, browser, site, admin;
  before(async () => {
    server = await startParley({ env: { PARLEY_BOT: 'off' } }); // the shortcuts act on plain conversations
    base = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'ada@acme.test', 'Ada Admin', 'admin');
    await addAgent(server.databaseUrl, 'abe@acme.test', 'Abe Agent');
    site = await customerSite();
    browser = await launchBrowser();
    admin = await agentInbox(browser, base, 'ada@acme.test');
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await server?.stop();
  });

  it('an admin changes the colour and team name; the demo widget follows on reload; init options win', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await ctx.addInitScript(keepWidgetShadowRoot);
    const demo = await ctx.newPage();
    await demo.goto(`${base}/demo/`);
    assert.deepEqual(await launcher(demo), { color: 'rgb(47, 91, 234)', side: 'right' }, 'the defaults before any change');

    const p = admin.page;
    await p.getByTestId('view-widget').click();
    await p.getByTestId('wset-form').waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('wset-title').inputValue(), 'Support');
    await p.getByTestId('wset-status').filter({ hasText: 'not changed yet' }).waitFor({ timeout: LONG });
    assert.ok(await p.getByTestId('wset-save').isDisabled(), 'nothing to save yet');

    // A bad colour and an empty name: errors beside the fields, nothing sent.
    await p.getByTestId('wset-color').fill('#12');
    await p.getByTestId('wset-title').fill('  ');
    await p.getByTestId('wset-save').click();
    await p.getByTestId('wset-color-error').filter({ hasText: 'six hex digits' }).waitFor({ timeout: LONG });
    await p.getByTestId('wset-title-error').filter({ hasText: 'cannot be empty' }).waitFor({ timeout: LONG });
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'wset-color', 'the first bad field has the focus');
    await screenshot(p, 'widget-settings-errors');

    // Long texts: the greeting wraps in the preview; a 61st character is refused beside the field.
    await p.getByTestId('wset-title').fill('Customer Success and Onboarding Team for Enterprise Accounts!');
    await p.getByTestId('wset-greeting').fill('Welcome! '.repeat(22).trim());
    await p.getByTestId('wset-title-error').filter({ hasText: 'at most 60' }).waitFor({ timeout: LONG });
    await screenshot(p, 'widget-settings-long');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'widget-settings-long-375');
    await p.setViewportSize(VIEWPORT);

    // The preview follows the values as typed.
    await p.getByTestId('wset-color').fill('#0A7E5C');
    await p.getByTestId('wset-title').fill('Acme Analytics');
    await p.getByTestId('wset-greeting').fill('Questions about your dashboards? Ask us.');
    await p.getByTestId('wset-position-left').check();
    assert.equal(await p.getByTestId('wset-color-error').isHidden(), true);
    await p.getByTestId('wset-preview-title').filter({ hasText: 'Acme Analytics' }).waitFor({ timeout: LONG });
    const pv = await p.getByTestId('wset-preview-launcher').evaluate((el) => ({
      color: getComputedStyle(el).backgroundColor,
      left: el.getBoundingClientRect().left - el.parentElement.getBoundingClientRect().left,
    }));
    assert.equal(pv.color, 'rgb(10, 126, 92)');
    assert.ok(pv.left < 40, `the preview's launcher is on the left (${pv.left} px)`);
    await p.getByTestId('wset-status').filter({ hasText: 'Unsaved changes' }).waitFor({ timeout: LONG });
    await screenshot(p, 'widget-settings-preview');
    await p.getByTestId('wset-save').click();
    await p.getByTestId('wset-status').filter({ hasText: 'Saved · Ada Admin' }).waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('wset-color').inputValue(), '#0a7e5c', 'shown as stored');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'widget-settings-375');
    await p.setViewportSize(VIEWPORT);

    // The demo page, reloaded: its launcher and the chat header use the stored settings.
    await demo.reload();
    assert.deepEqual(await launcher(demo), { color: 'rgb(10, 126, 92)', side: 'left' });
    const header = await chatHeader(demo, base, 'Acme Analytics');
    assert.deepEqual(header, { title: 'Acme Analytics', badge: 'A', color: 'rgb(10, 126, 92)' });
    const frame = await chatFrame(demo, base);
    assert.equal(await frame.locator('#greeting').textContent(), 'Questions about your dashboards? Ask us.');
    await screenshot(demo, 'widget-settings-demo');
    await demo.setViewportSize({ width: 375, height: 740 });
    await screenshot(demo, 'widget-settings-demo-375');
    await ctx.close();

    // A page's own init options win, field by field: colour and title from the page, position stored.
    const own = await browser.newContext({ viewport: VIEWPORT });
    await own.addInitScript(keepWidgetShadowRoot);
    const page = await own.newPage();
    await page.goto(site.add(syncPage(base, { color: '#aa2200', title: 'Page Team' })));
    assert.deepEqual(await launcher(page), { color: 'rgb(170, 34, 0)', side: 'left' });
    const h = await chatHeader(page, base, 'Page Team');
    assert.deepEqual(h, { title: 'Page Team', badge: 'P', color: 'rgb(170, 34, 0)' });
    assert.equal(await (await chatFrame(page, base)).locator('#greeting').textContent(), 'Questions about your dashboards? Ask us.');
    await own.close();
  });

  it('a /widget.json that never answers does not keep the launcher away: the page’s own options after a while', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      await ctx.addInitScript(keepWidgetShadowRoot);
      let asked = false;
      await ctx.route('**/widget.json', () => { asked = true; }); // held: never fulfilled, never failed
      const demo = await ctx.newPage();
      await demo.goto(`${base}/demo/`);
      assert.deepEqual(await launcher(demo), { color: 'rgb(47, 91, 234)', side: 'right' }, 'no launcher without the stored settings');
      assert.ok(asked, 'the loader did not ask for /widget.json');
    } finally {
      await ctx.close();
    }
  });

  it('an agent sees the settings read-only; a failed load offers Retry', TEST_OPTS, async () => {
    const agent = await agentInbox(browser, base, 'abe@acme.test');
    const p = agent.page;
    // The first load answered as a database outage answers it.
    await p.route('**/api/settings/widget', (route) => route.fulfill({ status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'The database is unavailable' } }) }));
    await p.getByTestId('view-widget').click();
    await p.getByText('Could not load the widget settings: The database is unavailable').waitFor({ timeout: LONG });
    await screenshot(p, 'widget-settings-error');
    await p.unroute('**/api/settings/widget');
    await p.getByRole('button', { name: 'Try again' }).click();
    await p.getByTestId('wset-readonly').waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('wset-title').inputValue(), 'Acme Analytics');
    assert.ok(await p.getByTestId('wset-title').isDisabled());
    assert.ok(await p.getByTestId('wset-color').isDisabled());
    assert.ok(await p.getByTestId('wset-save').isHidden());
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'widget-settings-agent-375');
    await agent.ctx.close();
  });

  it('keyboard shortcuts: j/k move, a assigns, e resolves and reopens, r replies, ? lists them', TEST_OPTS, async () => {
    const questions = ['First shortcut question', 'Second shortcut question', 'Third shortcut question'];
    for (const q of questions) {
      const v = await identify(server);
      const ws = await visitorSocket(server, v.visitorToken);
      ws.send({ type: 'send', clientId: `c-${q.length}-${q[0]}`, body: q });
      await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error'));
      ws.close();
    }
    const p = admin.page;
    await p.getByTestId('view-open').click();
    for (const q of questions) await conversationWith(p, q).waitFor({ timeout: LONG });
    const items = p.getByTestId('conversation-item');
    const current = () => p.locator('[data-testid="conversation-item"][aria-current="true"]');
    await p.evaluate(() => document.activeElement?.blur()); // no input has the focus

    await p.keyboard.press('j');
    await current().waitFor({ timeout: LONG });
    const first = await items.nth(0).getAttribute('data-conversation-id');
    assert.equal(await current().getAttribute('data-conversation-id'), first);
    await p.keyboard.press('j');
    await p.waitForFunction((id) => location.hash.endsWith(`/${id}`),
      await items.nth(1).getAttribute('data-conversation-id'), { timeout: LONG });
    await p.keyboard.press('k');
    await p.waitForFunction((id) => location.hash.endsWith(`/${id}`), first, { timeout: LONG });
    await p.keyboard.press('ArrowDown');
    const second = await items.nth(1).getAttribute('data-conversation-id');
    await p.waitForFunction((id) => location.hash.endsWith(`/${id}`), second, { timeout: LONG });
    await p.locator('#assign-me:not([disabled])').waitFor({ timeout: LONG });
    // With a modifier the keys are not ours.
    for (const key of ['Alt+j', 'Shift+ArrowDown', 'Alt+e']) await p.keyboard.press(key);
    assert.ok((await p.evaluate(() => location.hash)).endsWith(`/${second}`), 'a key with a modifier moved the selection');
    assert.ok(await p.locator('#resolve').isVisible(), 'Alt+e resolved');

    // a: assign to me — as the button does.
    await p.keyboard.press('a');
    await p.locator('#assignee', { hasText: 'Ada Admin (you)' }).waitFor({ timeout: LONG });
    // e: resolve, then e again: reopen.
    await p.keyboard.press('e');
    await p.locator('#reopen:visible').waitFor({ timeout: LONG });
    await p.keyboard.press('e');
    await p.locator('#resolve:visible:not([disabled])').waitFor({ timeout: LONG });

    // r: the reply box; typing there is text, not shortcuts.
    await p.keyboard.press('r');
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'reply-input');
    assert.equal(await p.locator('#reply-input').inputValue(), '', 'the r itself is not typed');
    await p.keyboard.type('jake?');
    assert.equal(await p.locator('#reply-input').inputValue(), 'jake?');
    assert.ok((await p.evaluate(() => location.hash)).endsWith(`/${second}`), 'j/k in the reply box moved the selection');
    assert.equal(await p.getByTestId('shortcuts-dialog').count(), 0, '? in the reply box opened the dialog');
    await p.locator('#reply-input').fill('');

    // ?: the list, in a modal dialog; Tab stays inside; Esc closes and gives the focus back.
    await p.locator('#resolve').focus();
    await p.keyboard.press('Shift+?');
    const dialog = p.getByTestId('shortcuts-dialog');
    await dialog.waitFor({ state: 'visible', timeout: LONG });
    assert.equal(await p.getByTestId('shortcut-list').locator('.shortcut').count(), 8);
    await p.keyboard.press('Tab');
    assert.ok(await p.evaluate(() => !!document.activeElement?.closest('#shortcuts-dialog')), 'focus left the dialog');
    await p.keyboard.press('j'); // not acted on behind the dialog
    assert.ok((await p.evaluate(() => location.hash)).endsWith(`/${second}`));
    await screenshot(p, 'shortcuts-dialog');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'shortcuts-dialog-375');
    await p.setViewportSize(VIEWPORT);
    await p.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: LONG });
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'resolve', 'the focus came back');
  });
});
