// Running the team from the inbox in headless Chromium against the real binary (docs/INBOX.md,
// "Team and profile"): without email configured an admin invites an agent and gets the one-time
// link to pass on; the agent opens it in another browser, chooses a password and signs in; a
// reused link shows a clear error; the admin disables the agent and the agent's open tab goes to
// the login screen, where signing in says the account is disabled. Profile: notification
// preferences saved and found again after a reload. Desktop and 375 px screenshots of the team
// list (long names), the invitation form's error, the link page's states and the profile go to
// /tmp/shots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { waitFor } from '../support/http.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { LONG, VIEWPORT, watchPage, agentHelpers, screenshot } from './lib.mjs';

const TEST_OPTS = { timeout: 300000 };
const PASSWORD = 'team-browser-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const PHONE = { width: 375, height: 740 };
const LONG_NAME = 'Maximiliana Theodora Featherstonehaugh-Wolfeschlegelsteinhausen of Support';

describe('Team and profile in the inbox', TEST_OPTS, () => {
  let server, browser, admin, base;
  before(async () => {
    server = await startParley(); // no RESEND_API_KEY: emails are "logged", the admin gets the link
    base = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'ann@acme.test', 'Ann Admin', 'admin');
    browser = await launchBrowser();
    admin = await agentInbox(browser, base, 'ann@acme.test');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function invite(page, email, name, role = 'agent') {
    await page.getByTestId('team-invite-open').click();
    await page.getByTestId('invite-email').fill(email);
    await page.getByTestId('invite-name').fill(name);
    await page.getByTestId('invite-role').selectOption(role);
    await page.getByTestId('invite-submit').click();
  }

  it('an admin invites an agent, who sets a password from the link and signs in; disabled, their tab logs out', TEST_OPTS, async () => {
    const p = admin.page;
    await p.getByTestId('view-team').click();
    await p.locator('[data-testid="team-row"][data-email="ann@acme.test"]').waitFor({ timeout: LONG });
    await invite(p, 'erin@acme.test', 'Erin Example');
    const linkField = p.getByTestId('team-link');
    await linkField.waitFor({ timeout: LONG });
    const link = await linkField.inputValue();
    assert.match(link, /\/inbox\/invite\.html#t=[A-Za-z0-9_-]{43}$/);
    // A "logged" email: the log says it was not sent, and never holds the link's token.
    await waitFor(() => /kind=agent_invite[^\n]*\n\(body withheld/.test(server.logs() + server.stdout()), { what: 'the "email not sent" line' });
    assert.ok(!(server.logs() + server.stdout()).includes(link.split('#t=')[1]), 'the token is not in the log');
    await p.locator('[data-testid="team-row"][data-email="erin@acme.test"][data-status="invited"]').waitFor({ timeout: LONG });
    await invite(p, LONG_NAME.toLowerCase().replace(/[^a-z]+/g, '.').slice(0, 60) + '@acme.test', LONG_NAME, 'admin');
    await p.locator('[data-testid="team-row"]').filter({ hasText: 'Featherstonehaugh' }).waitFor({ timeout: LONG });
    await screenshot(p, 'team-list');
    // The same email twice: the form says so and stays open.
    await invite(p, 'erin@acme.test', 'Erin Again');
    await p.getByTestId('invite-error').filter({ hasText: 'already exists' }).waitFor({ timeout: LONG });
    await screenshot(p, 'team-invite-error');
    await p.setViewportSize(PHONE);
    await screenshot(p, 'team-invite-error-375');
    await p.getByRole('button', { name: 'Cancel' }).click();
    await screenshot(p, 'team-list-375');
    await p.setViewportSize(VIEWPORT);

    // Erin, in another browser: the page takes the token out of the address bar.
    const erinCtx = await browser.newContext({ viewport: PHONE });
    const e = await erinCtx.newPage();
    const erinWatch = watchPage(e);
    const path = link.slice(link.indexOf('/inbox/'));
    await e.goto(base + path);
    await e.getByTestId('invite-password-form').waitFor({ timeout: LONG });
    assert.ok(!e.url().includes('#t='), `the token left the address bar: ${e.url()}`);
    await e.getByTestId('invite-who').filter({ hasText: 'erin@acme.test' }).waitFor({ timeout: LONG });
    await screenshot(e, 'team-invite-page-375');
    await e.getByTestId('invite-password').fill('erin-password-1');
    await e.getByTestId('invite-confirm').fill('erin-password-2');
    await e.getByTestId('invite-submit').click();
    await e.getByTestId('invite-error').filter({ hasText: 'differ' }).waitFor({ timeout: LONG });
    await e.getByTestId('invite-confirm').fill('erin-password-1');
    await e.keyboard.press('Enter');
    await e.getByTestId('invite-done').waitFor({ timeout: LONG });
    await screenshot(e, 'team-invite-done-375');
    await e.getByTestId('invite-signin').click();
    await e.getByTestId('login-email').fill('erin@acme.test');
    await e.getByTestId('login-password').fill('erin-password-1');
    await e.getByTestId('login-submit').click();
    await e.getByTestId('me-name').filter({ hasText: 'Erin Example' }).waitFor({ timeout: LONG });
    assert.ok(await e.getByTestId('view-team').isHidden(), 'an agent has no team link');

    // The link again (another tab): used once, the page says so.
    const again = await erinCtx.newPage();
    await again.setViewportSize(VIEWPORT);
    await again.goto(base + path);
    await again.locator('[data-testid="invite-problem"][data-code="link_used"]').waitFor({ timeout: LONG });
    await screenshot(again, 'team-invite-used');
    await again.close();

    // An agent opening #/team gets the server's refusal, not a broken page.
    await e.evaluate(() => { location.hash = '#/team'; });
    await e.getByTestId('team-error').filter({ hasText: 'Only an admin' }).waitFor({ timeout: LONG });
    await screenshot(e, 'team-forbidden-375');
    await e.evaluate(() => { location.hash = '#/open'; });

    // Disabled by the admin: Erin's tab shows the login screen, and signing in says why not.
    await p.getByTestId('view-open').click(); // back to the team page: the list is read afresh
    await p.getByTestId('view-team').click();
    await p.locator('[data-testid="team-row"][data-email="erin@acme.test"][data-status="active"]').waitFor({ timeout: LONG });
    const disable = p.locator('[data-testid="team-row"][data-email="erin@acme.test"] [data-testid="team-disable"]');
    await disable.click();
    await disable.click(); // the confirmation
    await p.locator('[data-testid="team-row"][data-email="erin@acme.test"][data-status="disabled"]').waitFor({ timeout: LONG });
    await e.getByTestId('login-form').waitFor({ timeout: LONG });
    await e.getByTestId('login-email').fill('erin@acme.test');
    await e.getByTestId('login-password').fill('erin-password-1');
    await e.getByTestId('login-submit').click();
    await e.getByTestId('login-error').filter({ hasText: 'disabled' }).waitFor({ timeout: LONG });
    await screenshot(e, 'team-login-disabled-375');
    await screenshot(p, 'team-after-disable');
    assert.deepEqual(erinWatch.errors, []);
    assert.deepEqual(admin.watch.errors, []);
    await erinCtx.close();
  });

  it('the Team page follows what another admin does, without a reload', TEST_OPTS, async () => {
    await addAgent(server.databaseUrl, 'cleo@acme.test', 'Cleo Colleague', 'admin');
    const other = await agentInbox(browser, base, 'cleo@acme.test');
    try {
      const p = admin.page;
      await p.getByTestId('view-team').click();
      await p.getByTestId('team-list').waitFor({ timeout: LONG });
      // Cleo invites someone from her own inbox; Ann's open page lists them as Invited.
      await other.page.getByTestId('view-team').click();
      await other.page.getByTestId('team-list').waitFor({ timeout: LONG });
      await invite(other.page, 'newbie@acme.test', 'Nell Newbie');
      await other.page.getByTestId('team-link').waitFor({ timeout: LONG });
      await p.locator('[data-testid="team-row"][data-email="newbie@acme.test"][data-status="invited"]').waitFor({ timeout: LONG });
    } finally {
      await other.ctx.close();
    }
  });

  it('the profile keeps notification preferences on the server', TEST_OPTS, async () => {
    const p = admin.page;
    await p.getByTestId('view-profile').click();
    await p.getByTestId('prefs-form').waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('pref-sound').isChecked(), true);
    await p.getByTestId('pref-sound').uncheck();
    await p.getByTestId('pref-mentions').uncheck();
    await p.getByTestId('prefs-save').click();
    await p.getByTestId('prefs-status').filter({ hasText: 'Saved' }).waitFor({ timeout: LONG });
    await screenshot(p, 'team-profile');
    await p.reload();
    await p.getByTestId('prefs-form').waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('pref-sound').isChecked(), false);
    assert.equal(await p.getByTestId('pref-mentions').isChecked(), false);
    assert.equal(await p.getByTestId('pref-desktop').isChecked(), true);
    await p.setViewportSize(PHONE);
    await screenshot(p, 'team-profile-375');
    await p.setViewportSize(VIEWPORT);
    assert.deepEqual(admin.watch.errors, []);
  });
});
