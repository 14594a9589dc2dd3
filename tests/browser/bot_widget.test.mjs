// The FAQ bot and article suggestions in the widget, and the bot's turn in the inbox, in
// headless Chromium against the real binary and PostgreSQL (docs/BOT.md): the visitor types
// "how do I reset my password" → a suggestion appears → opens in the widget → "Still need
// help?" returns with the text kept; the bot answers a first message; "That answered my
// question" resolves it and the inbox shows it resolved by the bot; "Talk to a person" reaches
// an agent live. Screenshots (desktop and 375 px) go to /tmp/shots. No timing assertions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../support/http.mjs';
import {
  LONG, VIEWPORT, widgetWorld, visitorSend, agentHelpers, conversationWith, screenshot,
} from './lib.mjs';
import { agentReply, replyInChat } from './flows.mjs';

const TEST_OPTS = { timeout: 300000 };
const PASSWORD = 'bot-widget-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const QUESTION = 'how do I reset my password';

const ARTICLES = [
  { title: 'How to reset your password', collection: 'Account',
    body: 'Open **Settings → Security** and choose *Reset password*. We email you a link that works for one hour.\n\n' +
      'If the email does not come, look in your spam folder.' },
  { title: 'Changing the email address of your account', collection: 'Account', body: 'Open Settings and type the new address.' },
  { title: 'Refunds and cancellations', collection: 'Billing', body: 'Cancel any time; refunds reach the card within five days.' },
];

async function publishArticles(server, parley) {
  const login = await request(`${server.url}/api/auth/login`, { method: 'POST', body: { email: 'kim@support.test', password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  const cookie = [].concat(login.headers['set-cookie'])[0].split(';')[0];
  for (const a of ARTICLES) {
    const res = await request(`${server.url}/api/articles`, {
      method: 'POST', headers: { Cookie: cookie, Origin: parley }, body: { ...a, status: 'published' },
    });
    assert.equal(res.status, 201, res.text);
  }
}

describe('the bot and article suggestions in the widget', TEST_OPTS, () => {
  let world, server, parley, site, browser, agent;

  before(async () => {
    world = await widgetWorld((srv) => addAgent(srv.databaseUrl, 'kim@support.test', 'Kim Agent'));
    ({ server, parley, site, browser } = world);
    await publishArticles(server, parley);
  });
  after(async () => {
    await agent?.ctx.close();
    await world?.close();
  });


  it('a suggestion while typing opens inside the widget; "Still need help?" keeps the text', TEST_OPTS, async () => {
    const { ctx, page, frame, watch } = await world.visitorPage();
    const input = frame.locator('#input');
    await input.click();
    await input.pressSequentially('ho', { delay: 5 });
    await input.pressSequentially('w do I reset my password', { delay: 5 });
    const suggestion = frame.locator('#sug .al').filter({ hasText: 'How to reset your password' });
    await suggestion.waitFor({ timeout: LONG });
    assert.ok((await frame.locator('#sug .al').count()) <= 3);
    await screenshot(page, 'bot-widget-suggestions');
    // Keyboard: the suggestion is a button; Enter opens the article inside the window.
    await suggestion.focus();
    await page.keyboard.press('Enter');
    await frame.locator('#art h2', { hasText: 'How to reset your password' }).waitFor({ timeout: LONG });
    await frame.locator('#art strong', { hasText: 'Settings → Security' }).waitFor({ timeout: LONG });
    await screenshot(page, 'bot-widget-article');
    await frame.locator('#artBack').click();
    await frame.locator('#art').waitFor({ state: 'hidden', timeout: LONG });
    assert.equal(await input.inputValue(), QUESTION, 'the text typed was lost');
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'input', 'focus did not return to the composer');
    assert.deepEqual(watch.errors, []);
    await ctx.close();
  });

  it('the bot answers a first message; "That answered my question" resolves it, resolved by the bot in the inbox', TEST_OPTS, async () => {
    agent = await agentInbox(browser, parley, 'kim@support.test');
    const { ctx, page, frame } = await world.visitorPage();
    await visitorSend(frame, QUESTION);
    const bot = frame.locator('#live .msg.them').filter({ has: frame.locator('.who', { hasText: 'Bot' }) });
    await bot.locator('.al', { hasText: 'How to reset your password' }).waitFor({ timeout: LONG });
    await frame.locator('#ch button', { hasText: 'That answered my question' }).waitFor({ timeout: LONG });
    await screenshot(page, 'bot-widget-answer');
    // The bot's articles open inside the window too.
    await bot.locator('.al').first().click();
    await frame.locator('#art h2').waitFor({ timeout: LONG });
    await frame.locator('#artBack').click();
    await frame.locator('#ch button', { hasText: 'That answered my question' }).click();
    await frame.locator('#live .cn', { hasText: 'Glad that helped!' }).waitFor({ timeout: LONG });
    await frame.locator('#live section.conv.done').waitFor({ timeout: LONG });

    // The inbox: in Resolved, marked as resolved by the bot, with the bot's turn in the thread.
    const p = agent.page;
    await p.getByTestId('view-resolved').click();
    const item = conversationWith(p, 'These articles may answer your question.');
    await item.getByText('Resolved by bot').waitFor({ timeout: LONG });
    await item.click();
    await p.locator('[data-testid="conversation-status"][data-bot="resolved"]', { hasText: 'Resolved by bot' }).waitFor({ timeout: LONG });
    await p.getByTestId('bot-articles').getByText('How to reset your password').waitFor({ timeout: LONG });
    await p.getByTestId('bot-choice').filter({ hasText: 'That answered my question' }).waitFor({ timeout: LONG });
    await screenshot(p, 'bot-inbox-resolved');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'bot-inbox-resolved-375');
    await p.setViewportSize(VIEWPORT);
    await ctx.close();
  });

  it('"Talk to a person" reaches an agent live, and the agent\'s reply reaches the visitor', TEST_OPTS, async () => {
    const p = agent.page;
    await p.goto(`${parley}/inbox/#/open`);
    await p.getByTestId('conversation-list').waitFor({ state: 'attached', timeout: LONG });
    const { ctx, page, frame, watch } = await world.visitorPage({ width: 375, height: 700 });
    await visitorSend(frame, QUESTION);
    const talk = frame.locator('#ch button', { hasText: 'Talk to a person' });
    await talk.waitFor({ timeout: LONG });
    await screenshot(page, 'bot-widget-answer-375');
    await talk.focus();
    await page.keyboard.press('Enter');
    await frame.locator('#live .cn', { hasText: 'Someone from the team will answer here.' }).waitFor({ timeout: LONG });
    const item = conversationWith(p, 'These articles may answer your question.');
    await item.waitFor({ timeout: LONG });
    await item.click();
    await p.getByTestId('bot-choice').filter({ hasText: 'asked for a person' }).waitFor({ timeout: LONG });
    await agentReply(p, 'Hi, Kim here: let me reset it for you.');
    await replyInChat(frame, 'Hi, Kim here: let me reset it for you.').waitFor({ timeout: LONG });
    assert.deepEqual(watch.errors, []);
    await ctx.close();
  });

  it('the Bot report shows what the bot resolved and handed over today', TEST_OPTS, async () => {
    const p = agent.page;
    await p.getByTestId('view-reports').click();
    await p.getByTestId('deflection-resolved').filter({ hasText: '1' }).waitFor({ timeout: LONG });
    await p.getByTestId('deflection-handed').filter({ hasText: '1' }).waitFor({ timeout: LONG });
    await p.getByTestId('deflection-rate').filter({ hasText: '50 %' }).waitFor({ timeout: LONG });
    await p.getByTestId('deflection-days').getByText(new Date().toISOString().slice(0, 10)).waitFor({ timeout: LONG });
    assert.equal(await p.locator('[data-view="open"][aria-current]').count(), 0, 'a conversation view still looks current');
    await screenshot(p, 'bot-report');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'bot-report-375');
    await p.setViewportSize(VIEWPORT);
    await p.getByTestId('view-open').click();
    await p.locator('[data-view="open"][aria-current="page"]').waitFor({ timeout: LONG });
  });
});
