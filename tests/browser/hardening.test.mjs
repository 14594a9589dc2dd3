// Widget behaviour from issue 15 (hardening), in headless Chromium against the real binary:
// /demo shows the chat with PARLEY_ALLOWED_ORIGINS set (the frame's CSP names Parley's own
// origin), and the chat frame asks again when a `sync` fails (else the visitor misses
// messages until the next reconnect).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, VIEWPORT, openChat, watchPage } from './lib.mjs';

const TEST_OPTS = { timeout: 120000 };

describe('widget hardening', TEST_OPTS, () => {
  let browser;
  const servers = [];
  /** A server, and the URL a browser reaches it by. */
  const start = async (env = {}) => {
    const server = await startParley({ env });
    servers.push(server);
    return `http://localhost:${server.port}`;
  };

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
  });

  it('with PARLEY_ALLOWED_ORIGINS set, /demo still shows the chat frame', TEST_OPTS, async () => {
    const parley = await start({ PARLEY_ALLOWED_ORIGINS: 'https://shop.example' });
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await ctx.newPage();
      const w = watchPage(page);
      await page.goto(`${parley}/demo`);
      const frame = await openChat(page, parley);
      assert.ok(await frame.locator('#input').isVisible());
      assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('; ')}`);
    } finally {
      await ctx.close();
    }
  });

  it('a sync answered with a transient error is asked again', TEST_OPTS, async () => {
    const parley = await start();
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      const syncs = [];
      // The first sync is answered as a database outage would answer it; the rest go through.
      await ctx.routeWebSocket(/\/ws/, (ws) => {
        const toServer = ws.connectToServer();
        ws.onMessage((message) => {
          let frame = null;
          try {
            frame = JSON.parse(String(message));
          } catch {
            /* not ours to judge */
          }
          if (frame?.type === 'sync') {
            syncs.push(frame);
            if (syncs.length === 1) {
              ws.send(JSON.stringify({ type: 'error', code: 'unavailable', message: 'The database is unavailable' }));
              return;
            }
          }
          toServer.send(message);
        });
      });
      const page = await ctx.newPage();
      await page.goto(`${parley}/demo`);
      await openChat(page, parley);
      await waitFor(() => syncs.length >= 2, { deadline: LONG, what: 'a second sync after the failed one' });
    } finally {
      await ctx.close();
    }
  });
});
