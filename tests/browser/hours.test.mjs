// Business hours end to end (docs/INBOX.md, Hours; docs/EMBED.md): an admin sets the hours on
// the inbox's Hours page; outside them a visitor — whose browser is in Asia/Kolkata, UTC+5:30 —
// sees when the team is back in their own time, gets one away reply per closed period and is
// asked for an email, and the support email says the message arrived out of hours; inside them
// the widget shows the expected reply time, live, without a reload. Agents may read the hours,
// only admins change them, and a bad schedule is refused with a clear message.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { query } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, VIEWPORT, agentHelpers, openChat, visitorSend, waitSent, watchPage, screenshot } from './lib.mjs';
import { agentReply } from './flows.mjs';

const TEST_OPTS = { timeout: 240000 };
const { addAgent, agentInbox } = agentHelpers('hours-test-password');
const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ALL_DAY = Object.fromEntries(DAY_KEYS.map((k) => [k, [{ start: 0, end: 1440 }]]));
const VISITOR_ZONE = 'Asia/Kolkata';
// Some ICU versions put a narrow no-break space before AM/PM.
const text = async (loc) => (await loc.innerText()).replace(/[\u202f\u00a0]/g, ' ');

describe('business hours', TEST_OPTS, () => {
  let server, parley, browser, admin, visitorCtx, frame, visitorPage;
  const openDay = new Date(Date.now() + 2 * 86400000); // two UTC days ahead: closed until then
  const openKey = DAY_KEYS[openDay.getUTCDay()];
  const opening = new Date(Date.UTC(openDay.getUTCFullYear(), openDay.getUTCMonth(), openDay.getUTCDate(), 9));

  before(async () => {
    server = await startParley({ env: { PARLEY_SUPPORT_EMAIL: 'support@acme.test', PARLEY_EMAIL_BATCH_SECONDS: 1, PARLEY_PRESENCE_GRACE_SECONDS: 0 } });
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'ada@acme.test', 'Ada', 'admin');
    await addAgent(server.databaseUrl, 'bo@acme.test', 'Bo', 'agent');
    browser = await launchBrowser();
    admin = await agentInbox(browser, parley, 'ada@acme.test');
  });
  after(async () => {
    await visitorCtx?.close();
    await browser?.close();
    await server?.stop();
  });

  it('the admin sets the hours on the Hours page; a bad schedule is refused there', TEST_OPTS, async () => {
    const page = admin.page;
    await page.getByTestId('view-hours').click();
    await waitFor(async () => /Always open/.test(await page.getByTestId('hours-state').innerText()), {
      deadline: LONG, what: 'the state without hours',
    });
    await page.getByTestId('hours-zone').selectOption('UTC');
    const day = page.locator(`[data-day="${openKey}"]`);
    await day.getByRole('button', { name: '+ Hours' }).click();
    await day.getByRole('button', { name: '+ Hours' }).click(); // twice 09:00–17:00: they overlap
    await page.getByTestId('hours-save').click();
    await waitFor(async () => /overlap/.test(await page.getByTestId('hours-error').innerText()), {
      deadline: LONG, what: 'the validation error',
    });
    await screenshot(page, 'hours-error-desktop');
    await day.getByRole('button', { name: /Remove .* interval/ }).first().click();
    await page.getByTestId('hours-add-exception').click();
    await page.getByLabel('Exception date').fill('2030-12-25'); // a holiday: no intervals, closed
    await page.getByTestId('hours-save').click();
    const weekday = opening.toLocaleDateString('en', { weekday: 'long', timeZone: 'UTC' });
    await waitFor(async () => (await page.getByTestId('hours-state').innerText()) === `Closed · opens ${weekday} 9:00`, {
      deadline: LONG, what: `"Closed · opens ${weekday} 9:00"`,
    });
    assert.equal(await page.getByTestId('hours-error').isVisible(), false);
    await screenshot(page, 'hours-desktop');
    await page.setViewportSize({ width: 375, height: 800 });
    await screenshot(page, 'hours-375');
    await page.setViewportSize(VIEWPORT);

    const got = await (await page.request.get(`${parley}/api/hours`)).json();
    assert.deepEqual(got.hours.week[openKey], [{ start: 540, end: 1020 }]);
    assert.deepEqual(got.hours.exceptions, [{ date: '2030-12-25', intervals: [] }]);
    assert.equal(got.state.open, false);
    assert.equal(got.state.nextOpening, opening.toISOString().replace('.000', ''));
  });

  it('agents read the hours; only admins change them; bad input is a 400 that says why', TEST_OPTS, async () => {
    const bo = await browser.newContext();
    try {
      const login = await bo.request.post(`${parley}/api/auth/login`, { data: { email: 'bo@acme.test', password: 'hours-test-password' } });
      assert.equal(login.status(), 200);
      assert.equal((await bo.request.get(`${parley}/api/hours`)).status(), 200);
      const put = await bo.request.put(`${parley}/api/hours`, { data: { zone: 'UTC', week: ALL_DAY } });
      assert.equal(put.status(), 403);
      assert.equal((await bo.request.delete(`${parley}/api/hours`)).status(), 403);
      assert.ok((await (await bo.request.get(`${parley}/api/hours/zones`)).json()).zones.includes('Europe/Berlin'));
      // The page, read-only for an agent (the login above set the session cookie).
      const page = await bo.newPage();
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(`${parley}/inbox/#/hours`);
      await page.getByText('Only admins can change the hours.').waitFor({ timeout: LONG });
      assert.equal(await page.getByTestId('hours-zone').isDisabled(), true);
      assert.equal(await page.getByTestId('hours-save').count(), 0);
      await screenshot(page, 'hours-agent-375');
    } finally {
      await bo.close();
    }
    const req = admin.page.request;
    for (const [body, message] of [
      [{ zone: 'Mars/Olympus' }, /Unknown time zone/],
      [{ zone: 'UTC', week: { mon: [{ start: 600, end: 2000 }] } }, /between 1 and 1440/],
      [{ zone: 'UTC', exceptions: [{ date: '2026-02-30' }] }, /real date/],
    ]) {
      const r = await req.put(`${parley}/api/hours`, { data: body });
      assert.equal(r.status(), 400);
      assert.match((await r.json()).error.message, message);
    }
    assert.equal((await (await req.get(`${parley}/api/hours`)).json()).hours.zone, 'UTC', 'a refused schedule changed nothing');
    assert.equal((await fetch(`${parley}/api/hours`)).status, 401);
  });

  it('outside the hours the visitor sees the next opening in their own zone, one away reply and the email form', TEST_OPTS, async () => {
    visitorCtx = await browser.newContext({ viewport: VIEWPORT, timezoneId: VISITOR_ZONE, locale: 'en-US' });
    visitorPage = await visitorCtx.newPage();
    const w = watchPage(visitorPage);
    await visitorPage.goto(`${parley}/demo`);
    frame = await openChat(visitorPage, parley);
    // 09:00 UTC is 14:30 in Kolkata; "tomorrow" when Kolkata's date is already one day before it.
    const kolkataDay = (t) => Math.floor((t + 5.5 * 3600000) / 86400000);
    const days = kolkataDay(opening.getTime()) - kolkataDay(Date.now());
    const when = days === 1 ? 'tomorrow' : opening.toLocaleDateString('en', { weekday: 'long', timeZone: VISITOR_ZONE });
    const expected = `We're back ${when} at 2:30 PM`;
    await waitFor(async () => (await text(frame.locator('#statusText'))) === expected, {
      deadline: LONG, what: `the header "${expected}" (admin Ada is online, but the team is closed)`,
    });

    await visitorSend(frame, 'Anyone there on the weekend?');
    await waitSent(frame, 'Anyone there on the weekend?', server);
    await frame.locator('#away').waitFor({ state: 'visible', timeout: LONG });
    assert.equal(await text(frame.locator('#awayText')), `${expected}. We'll reply by email.`);
    await frame.locator('#emailForm').waitFor({ state: 'visible', timeout: LONG });
    const away = frame.locator('.msg.them', { hasText: "We're closed right now" });
    await away.waitFor({ timeout: LONG });
    assert.equal(await away.getAttribute('data-who'), 'Support');
    await visitorSend(frame, 'Second question');
    await waitSent(frame, 'Second question', server);
    await screenshot(visitorPage, 'hours-widget-closed-desktop');
    await visitorPage.setViewportSize({ width: 375, height: 700 });
    await screenshot(visitorPage, 'hours-widget-closed-375');
    await visitorPage.setViewportSize(VIEWPORT);

    const [[conv]] = query(server.databaseUrl, `SELECT conversation_id FROM message WHERE body = 'Second question'`);
    const replies = query(server.databaseUrl,
      `SELECT client_id FROM message WHERE conversation_id = ${Number(conv)} AND sender = 'BOT'`);
    assert.deepEqual(replies, [[`hours-away-${opening.getTime() / 1000}`]], 'one away reply for the closed period');
    assert.equal(await away.count(), 1);
    await waitFor(() => /arrived out of hours/.test(server.logs()), { deadline: LONG, what: 'the support email saying "arrived out of hours"' });
    const [[ooh]] = query(server.databaseUrl,
      `SELECT out_of_hours FROM email_outbox WHERE conversation_id = ${Number(conv)} AND kind = 'support_new'`);
    assert.equal(ooh, 't');
    assert.deepEqual(w.errors, []);

    // Ada answers, so there is a first response for the expected reply time.
    await admin.page.goto(`${parley}/inbox/#/open/${conv}`);
    await agentReply(admin.page, 'Here now');
    await frame.locator('.msg.them', { hasText: 'Here now' }).waitFor({ timeout: LONG });
  });

  it('inside the hours the widget shows the expected reply time, live; without hours it is as before', TEST_OPTS, async () => {
    const req = admin.page.request;
    const put = await req.put(`${parley}/api/hours`, { data: { zone: 'Europe/Berlin', week: ALL_DAY } });
    assert.equal(put.status(), 200);
    const body = await put.json();
    assert.equal(body.state.open, true);
    assert.equal(body.replyTime, 'a few minutes');
    await waitFor(async () => (await frame.locator('#statusText').innerText()) === 'Typically replies in a few minutes', {
      deadline: LONG, what: 'the expected reply time in the open widget (no reload)',
    });
    await screenshot(visitorPage, 'hours-widget-open-desktop');
    await visitorPage.reload();
    frame = await openChat(visitorPage, parley);
    await waitFor(async () => (await frame.locator('#statusText').innerText()) === 'Typically replies in a few minutes', {
      deadline: LONG, what: 'the expected reply time after a reload',
    });

    assert.equal((await req.delete(`${parley}/api/hours`)).status(), 200);
    await waitFor(async () => (await frame.locator('#statusText').innerText()) === 'Online — ask us anything', {
      deadline: LONG, what: 'the header as it was before business hours',
    });
  });
});
