// Offline mode in the browser: with no agent connected, a visitor on the demo page sees that the
// team is away, writes, is asked for an email address and gives it; the visitor row keeps it and
// the email to the support address is written to the log (no RESEND_API_KEY: the development
// default). Headless Chromium from Debian against the real binary and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { query } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, VIEWPORT, openChat, visitorSend, ownBubble, watchPage } from './lib.mjs';

const TEST_OPTS = { timeout: 240000 };
const sqlText = (s) => `'${s.replace(/'/g, "''")}'`;

describe('offline mode in the widget', TEST_OPTS, () => {
  let server;
  let parley;
  let browser;

  before(async () => {
    server = await startParley({ env: { PARLEY_SUPPORT_EMAIL: 'support@acme.test', PARLEY_EMAIL_BATCH_SECONDS: 1 } });
    parley = `http://localhost:${server.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('with no agent online, /demo shows the away state and takes an email address', TEST_OPTS, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await ctx.newPage();
      const w = watchPage(page);
      await page.goto(`${parley}/demo`);
      const frame = await openChat(page, parley);
      await waitFor(async () => /Away/.test(await frame.locator('#statusText').innerText()), {
        deadline: LONG, what: 'the header saying the team is away',
      });

      const text = 'Is anyone there? <script>alert(1)</script>';
      await visitorSend(frame, text);
      await ownBubble(frame, text).and(frame.locator('.sent')).waitFor({ timeout: LONG });
      await frame.locator('#away').waitFor({ state: 'visible', timeout: LONG });
      assert.match(await frame.locator('#away').innerText(), /away.*email/i);
      await frame.locator('#emailForm').waitFor({ state: 'visible', timeout: LONG });

      await frame.locator('#email').fill('ann@acme.test');
      await frame.locator('#emailForm button[type=submit]').click();
      await frame.locator('#emailOk').waitFor({ state: 'visible', timeout: LONG });
      assert.match(await frame.locator('#emailOk').innerText(), /ann@acme\.test/);
      assert.equal(await frame.locator('#emailForm').isVisible(), false, 'the form stays after saving');

      const [[email, conversationId]] = query(server.databaseUrl,
        `SELECT v.email, c.id FROM message m JOIN conversation c ON c.id = m.conversation_id
         JOIN visitor v ON v.id = c.visitor_id WHERE m.body = ${sqlText(text)}`);
      assert.equal(email, 'ann@acme.test', 'the visitor row does not have the address');
      const [[status]] = query(server.databaseUrl,
        `SELECT status FROM email_outbox WHERE conversation_id = ${Number(conversationId)} AND kind = 'support_new'`);
      assert.ok(['pending', 'sending', 'logged'].includes(status), status);
      // The address came after the message: the acknowledgement follows it.
      await waitFor(() => query(server.databaseUrl,
        `SELECT to_address, status FROM email_outbox WHERE conversation_id = ${Number(conversationId)} AND kind = 'visitor_ack'`)
        .some(([to, st]) => to === 'ann@acme.test' && st === 'logged'), { deadline: LONG, what: 'the acknowledgement to ann@acme.test' });
      await waitFor(() => /email not sent \(no RESEND_API_KEY\)/.test(server.logs()), {
        deadline: LONG, what: 'the email that would go out, in the log',
      });
      assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('; ')}`);
    } finally {
      await ctx.close();
    }
  });
});
