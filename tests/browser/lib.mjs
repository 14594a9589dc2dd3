// Helpers shared by the browser tests (not a test file itself): a "customer site" on another
// origin, the embed snippets, and ways to reach the chat frame, which lives inside the widget's
// closed shadow root (CSS locators cannot pierce it, so the frame is found through
// page.frames() and the launcher is clicked where a human clicks it).
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { randomBytes, createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { waitFor } from '../support/http.mjs';
import { runParley, startParley } from '../support/parley.mjs';
import { launchBrowser } from '../support/browser.mjs';

/**
 * What a widget test file needs: one Parley, the customer's site on another origin and a
 * browser. `prepare(server)` runs before the site and the browser start (to add agents).
 * Returns { server, parley, site, browser, visitorPage(viewport, config), close() }:
 * visitorPage opens a new visitor's page on the customer's site (the sync snippet with
 * `config`) with the chat open, and returns { ctx, page, frame, watch }.
 */
export async function widgetWorld(prepare = async () => {}) {
  const server = await startParley();
  const parley = `http://localhost:${server.port}`; // = the default public URL (agents' Origin)
  await prepare(server);
  const site = await customerSite();
  const browser = await launchBrowser();
  return {
    server,
    parley,
    site,
    browser,
    async visitorPage(viewport = VIEWPORT, config = { title: 'Acme help' }) {
      const ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      const watch = watchPage(page);
      await page.goto(site.add(syncPage(parley, config)));
      const frame = await openChat(page, parley);
      return { ctx, page, frame, watch };
    },
    async close() {
      await browser.close();
      await site.close();
      await server.stop();
    },
  };
}

export const LONG = 30000; // generous auto-wait for UI expectations (only stops a hung test)
export const SHOTS = '/tmp/shots';
export const VIEWPORT = { width: 1280, height: 800 };

/** An HTML page server on 127.0.0.1:0 — a different origin from Parley's http://localhost:PORT. */
export async function customerSite() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const html = pages.get(path);
    if (html === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    /** Serves `html` at a new path; returns its full URL. */
    add(html, name = randomBytes(4).toString('hex')) {
      const path = `/${name}`;
      pages.set(path, html);
      return origin + path;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/** JSON for an inline <script>: nothing in it can close the script element. */
export const inlineJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028|\u2029/g, '');

/** A customer page with the original (synchronous) snippet plus a button of its own. */
export function syncPage(parleyUrl, config, { extraHead = '', twice = false } = {}) {
  const tag = `<script src="${parleyUrl}/widget.js"></script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Customer</title>${extraHead}</head>
<body style="margin:0;font:16px sans-serif">
<h1>Customer app</h1>
<button id="own" data-testid="own-button" style="position:fixed;right:60px;bottom:260px;width:160px;height:40px"
  onclick="this.dataset.clicks=(+this.dataset.clicks||0)+1;this.textContent='clicked '+this.dataset.clicks">Page button</button>
${tag}
${twice ? tag : ''}
<script>SupportChat.init(${inlineJson(config)});
window.__events=[];['ready','open','close','message','unread'].forEach(function(e){SupportChat.on(e,function(v){window.__events.push(e)})});</script>
</body></html>`;
}

/** A customer page with the async stub of docs/EMBED.md: calls are queued before the loader arrives. */
export function asyncPage(parleyUrl, config) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Customer (async)</title></head>
<body style="margin:0;font:16px sans-serif">
<h1>Customer app (async embed)</h1>
<button id="own" data-testid="own-button" style="position:fixed;right:60px;bottom:260px;width:160px;height:40px"
  onclick="this.dataset.clicks=(+this.dataset.clicks||0)+1;this.textContent='clicked '+this.dataset.clicks">Page button</button>
<script>
  !function(w,n){var s=w[n]=w[n]||{q:[]};'init identify open close toggle shutdown on'.split(' ')
  .forEach(function(m){s[m]=s[m]||function(){s.q.push([m,arguments])}})}(window,'SupportChat');
  window.__events=[];
  SupportChat.init(${inlineJson(config)});
  SupportChat.on('ready',function(){window.__events.push('ready')});
  SupportChat.on('open',function(){window.__events.push('open')});
  SupportChat.open();
</script>
<script async src="${parleyUrl}/widget.js"></script>
</body></html>`;
}

export const userHash = (secret, id) => createHmac('sha256', secret).update(String(id)).digest('hex');

/** The chat frame (`${parleyUrl}/chat/`) of a page, once the loader has created it. */
export async function chatFrame(page, parleyUrl, deadline = LONG) {
  const want = `${parleyUrl}/chat/`;
  return waitFor(() => page.frames().find((f) => f.url() === want), { deadline, what: `chat frame ${want}` });
}

/** Clicks the launcher (56 px round button 20 px from the bottom-right corner) like a person. */
export async function clickLauncher(page) {
  const vp = page.viewportSize() || VIEWPORT;
  await page.mouse.click(vp.width - 20 - 28, vp.height - 20 - 28);
}

/** Opens the chat by clicking the launcher and waits until the frame is shown and connected. */
export async function openChat(page, parleyUrl) {
  await waitFor(() => page.evaluate(() => document.querySelectorAll('parley-chat').length === 1), {
    deadline: LONG, what: 'the launcher on the page',
  });
  await clickLauncher(page);
  const frame = await chatFrame(page, parleyUrl);
  await waitFor(async () => (await frame.frameElement()).isVisible(), { deadline: LONG, what: 'chat window visible' });
  await frame.locator('#input').waitFor({ state: 'visible', timeout: LONG });
  return frame;
}

/** Types and sends a message in the chat frame (Enter, as a visitor does). */
export async function visitorSend(frame, text) {
  const input = frame.locator('#input');
  await input.click();
  await input.pressSequentially(text, { delay: 5 });
  await input.press('Enter');
}

/** The visitor's own bubble with exactly `text`. */
export const ownBubble = (frame, text) =>
  frame.locator('#live .msg.me, #outq .msg.me').filter({ has: frame.locator('.body', { hasText: exactText(text) }) });

export const exactText = (s) => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** Collects page errors, dialogs and console warnings of a page. */
export function watchPage(page) {
  const w = { errors: [], dialogs: [], console: [] };
  page.on('pageerror', (e) => w.errors.push(String(e && e.message ? e.message : e)));
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => w.console.push(`${m.type()}: ${m.text()}`));
  return w;
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = `${SHOTS}/${name}.png`;
  await page.screenshot({ path: file });
  return file;
}

/**
 * Waits until the visitor's bubble `text` is acknowledged (class `sent`); on time-out the error
 * carries what the chat frame shows and the server's log tail, to tell a client from a server fault.
 */
export async function waitSent(frame, text, server, timeout = LONG) {
  try {
    await ownBubble(frame, text).and(frame.locator('.sent')).waitFor({ timeout });
  } catch (e) {
    const log = await frame.locator('#log').innerHTML().catch((x) => `(frame unreadable: ${x.message})`);
    const status = await frame.locator('#statusText').innerText().catch(() => '?');
    throw new Error(`"${text}" not acknowledged: ${e.message}\nframe status: ${status}\nframe log: ${log}\n` +
      `server log tail:\n${server ? server.logs().slice(-3000) : '(none)'}`);
  }
}

/**
 * Agent helpers bound to one password (each test file uses its own):
 * addAgent creates an account with the real CLI; agentInbox logs it into /inbox at `base`
 * in a browser context of its own and switches it Online; `setup(ctx)`, if given, runs on that
 * context before the inbox is opened (to grant permissions or add init scripts).
 */
export function agentHelpers(password) {
  async function addAgent(databaseUrl, email, name, role = 'agent') {
    const r = await runParley(['agent', 'add', '--email', email, '--name', name, '--role', role], {
      env: { DATABASE_URL: databaseUrl },
      input: `${password}\n`,
    });
    assert.equal(r.code, 0, `agent add ${email}: ${r.stderr}`);
  }
  async function agentInbox(browser, base, email, setup = async () => {}) {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await setup(ctx);
    const page = await ctx.newPage();
    const watch = watchPage(page);
    await page.goto(`${base}/inbox/`);
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('conversation-list').waitFor({ state: 'attached', timeout: LONG });
    await page.getByTestId('me-name').filter({ hasText: /\S/ }).waitFor({ timeout: LONG });
    const toggle = page.getByTestId('presence-toggle');
    if ((await toggle.getAttribute('data-status')) !== 'online') await toggle.click();
    await page.locator('[data-testid="presence-toggle"][data-status="online"]').waitFor({ timeout: LONG });
    return { ctx, page, watch };
  }
  return { addAgent, agentInbox };
}

/** A conversation in the inbox list, by id or by text it shows. */
export const conversationById = (page, id) =>
  page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
export const conversationWith = (page, text) => page.getByTestId('conversation-item').filter({ hasText: text });
