// Canned replies in headless Chromium against the real binary (docs/INBOX.md): an agent adds a
// reply in the Canned replies section, types `/` in a conversation's reply box, filters, picks
// with the keyboard, sees the visitor's name filled in (and the fallback for a visitor without
// one), edits and sends; the visitor receives the filled text. Empty, list, editor, menu,
// no-match and long-text states are screenshotted at desktop and 375 px to /tmp/shots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { request } from '../support/http.mjs';
import { visitorWrites as writes } from '../support/visitor.mjs';
import { LONG, VIEWPORT, agentHelpers, screenshot, conversationWith } from './lib.mjs';

const TEST_OPTS = { timeout: 300000 };
const PASSWORD = 'canned-browser-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const GREETING = 'Hi {{visitor.name|there}}, this is {{agent.name}} from support. Order {{order.id}}?';
const LONG_BODY = `${'Thanks for waiting while we looked into your account settings and recent invoices. '.repeat(12)}Best wishes.`;

describe('Canned replies in the inbox', TEST_OPTS, () => {
  let server, browser, agent;
  const sockets = [];

  async function cookieOf(email) {
    const res = await request(`${server.url}/api/auth/login`, { method: 'POST', body: { email, password: PASSWORD } });
    assert.equal(res.status, 200, res.text);
    return [].concat(res.headers['set-cookie']).find((c) => c.startsWith('parley_session=')).split(';')[0];
  }

  // A visitor (named or not) who writes `text`: returns their socket.
  async function visitorWrites(user, text) {
    const ws = await writes(server, text, { user });
    sockets.push(ws);
    return ws;
  }

  before(async () => {
    server = await startParley();
    await addAgent(server.databaseUrl, 'boss@canned.test', 'Bea Boss', 'admin');
    await addAgent(server.databaseUrl, 'cara@canned.test', 'Cara Agent');
    browser = await launchBrowser();
    agent = await agentInbox(browser, `http://localhost:${server.port}`, 'cara@canned.test');
  });
  after(async () => {
    for (const ws of sockets) await ws.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('an agent adds a reply, inserts it with / and the keyboard, placeholders filled, then sends', TEST_OPTS, async () => {
    const p = agent.page;

    // The empty section, then a personal reply written in the editor (team replies are not offered).
    await p.getByTestId('view-replies').click();
    await p.getByTestId('canned-list-empty').waitFor({ timeout: LONG });
    await screenshot(p, 'canned-empty');
    await p.getByTestId('canned-new').click();
    // The editor is ready once it knows who may add team replies (its fields are enabled then).
    await p.locator('[data-testid="canned-shortcut"]:not([disabled])').waitFor({ timeout: LONG });
    assert.equal(await p.locator('#canned-scope option[value="team"]').isDisabled(), true, 'only admins add team replies');
    await p.getByTestId('canned-shortcut').fill('greet');
    await p.getByTestId('canned-title').fill('Greeting');
    await p.getByTestId('canned-body').fill(GREETING);
    await screenshot(p, 'canned-editor');
    await p.getByTestId('canned-save').click();
    await p.getByTestId('canned-item').filter({ hasText: '/greet' }).waitFor({ timeout: LONG });

    // A bad shortcut is explained, not sent.
    await p.getByTestId('canned-new').click();
    await p.getByTestId('canned-shortcut').fill('two words');
    await p.getByTestId('canned-title').fill('x');
    await p.getByTestId('canned-body').fill('x');
    await p.getByTestId('canned-save').click();
    await p.getByTestId('canned-error').filter({ hasText: 'shortcut' }).waitFor({ timeout: LONG });
    await p.goBack();

    // The admin's team replies (one long) arrive through the API; the list shows both groups.
    const boss = await cookieOf('boss@canned.test');
    for (const body of [
      { scope: 'team', shortcut: 'refund', title: 'Refund policy', body: 'Refunds take 5 working days, {{visitor.first_name|friend}}.' },
      { scope: 'team', shortcut: 'long-thanks', title: 'A very long thank-you note for customers who waited patiently', body: LONG_BODY },
    ]) {
      const res = await request(`${server.url}/api/canned-replies`, { method: 'POST', headers: { Cookie: boss }, body });
      assert.equal(res.status, 201, res.text);
    }
    await p.getByTestId('view-open').click();
    await p.getByTestId('view-replies').click();
    await p.getByTestId('canned-item').nth(2).waitFor({ timeout: LONG });
    await p.getByTestId('canned-team').getByTestId('canned-item').nth(1).waitFor({ timeout: LONG });
    await screenshot(p, 'canned-list');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'canned-list-375');
    await p.setViewportSize(VIEWPORT);

    // A named visitor writes; the agent opens the conversation and types "/gr".
    const ann = await visitorWrites({ id: 'u-ann', name: 'Ann Lee', email: 'ann@acme.test' }, 'Hello, where is my order?');
    await p.getByTestId('view-open').click();
    await conversationWith(p, 'where is my order').click();
    const input = p.getByTestId('reply-input');
    await input.click();
    await input.pressSequentially('/');
    const menu = p.getByTestId('canned-menu');
    await menu.getByTestId('canned-option').nth(2).waitFor({ timeout: LONG });
    await screenshot(p, 'canned-menu');
    await input.pressSequentially('gr');
    await menu.getByTestId('canned-option').filter({ hasText: '/greet' }).waitFor({ timeout: LONG });
    assert.equal(await menu.getByTestId('canned-option').count(), 1, 'filtered to /greet');
    // Filled preview: the name, the agent, the unknown placeholder kept.
    assert.match(await menu.getByTestId('canned-option').innerText(), /Hi Ann Lee, this is Cara Agent/);
    await input.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: LONG });
    const filled = 'Hi Ann Lee, this is Cara Agent from support. Order {{order.id}}?';
    assert.equal(await input.inputValue(), filled, 'inserted, not sent');
    assert.equal(await p.getByTestId('messages').getByText(filled).count(), 0);

    // The agent edits the unknown placeholder away, then sends; the visitor gets the text.
    await input.press('End');
    for (let i = 0; i < '{{order.id}}?'.length; i++) await input.press('Backspace');
    await input.pressSequentially('4711?');
    const sent = 'Hi Ann Lee, this is Cara Agent from support. Order 4711?';
    await input.press('Enter');
    const got = await ann.nextMessage((m) => m && m.type === 'message' && m.message?.sender === 'AGENT');
    assert.equal(got.message.body, sent);

    // Esc closes the menu and Enter then sends what was typed; a word with / inside opens nothing.
    await input.pressSequentially('and/or /zzz');
    await p.getByTestId('canned-none').waitFor({ timeout: LONG });
    await screenshot(p, 'canned-no-match');
    await input.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    await input.fill('');

    // An anonymous visitor: the fallback; Arrow keys and Tab pick the second option; the mouse works too.
    await visitorWrites({}, 'Can I get my money back?');
    await conversationWith(p, 'money back').click();
    await input.click();
    await input.pressSequentially('/re');
    await menu.getByTestId('canned-option').filter({ hasText: '/refund' }).waitFor({ timeout: LONG });
    await input.press('Tab');
    assert.equal(await input.inputValue(), 'Refunds take 5 working days, friend.');
    await input.fill('');
    await input.pressSequentially('/');
    await menu.getByTestId('canned-option').nth(2).waitFor({ timeout: LONG });
    // Ranked by use: Cara used /refund and /greet once each (/refund last), /long-thanks never.
    const order = await menu.getByTestId('canned-option').evaluateAll((els) => els.map((e) => e.dataset.shortcut));
    assert.deepEqual(order, ['refund', 'greet', 'long-thanks']);
    await input.press('ArrowDown');
    await input.press('ArrowUp');
    await input.press('ArrowDown');
    assert.equal(await menu.locator('[aria-selected="true"]').getAttribute('data-shortcut'), 'greet');
    await input.press('Enter');
    assert.equal(await input.inputValue(), 'Hi there, this is Cara Agent from support. Order {{order.id}}?', 'the fallback');
    await input.fill('Thanks for your patience. ');
    await input.pressSequentially('/long');
    await menu.getByTestId('canned-option').first().waitFor({ timeout: LONG });
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'canned-menu-375');
    await menu.getByTestId('canned-option').first().click();
    assert.equal(await input.inputValue(), `Thanks for your patience. ${LONG_BODY}`);
    await screenshot(p, 'canned-inserted-375');
    await p.setViewportSize(VIEWPORT);
    assert.deepEqual(agent.watch.errors, [], 'no page errors');
  });
});
