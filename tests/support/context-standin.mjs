// A stand-in for a customer's product-context endpoint (docs/CONTEXT.md) on loopback: a real
// HTTP server in the test process that counts its calls per user id and answers by the user
// id it is asked about, so one Parley can meet every kind of endpoint:
//   slow-*     never answers (Parley's time-out must end it)
//   big-*      streams megabytes of JSON (Parley must abort past its answer limit)
//   html-*     answers 200 with an HTML page (not JSON)
//   shape-*    answers JSON cards of the wrong shape
//   links-*    answers cards whose urls are javascript:, data: and https:
//   fail-*     answers 500
//   long-*     answers a card whose title, values and link are long (wrapping on screen)
//   anything else: two good cards naming the user id and email.
// Every request is recorded with its headers and raw body; `closedEarly` counts the answers
// Parley stopped reading before they were complete.
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT } from './pg.mjs';

/** The example endpoint docs/CONTEXT.md shows: the tests run this very file. */
export const EXAMPLE = path.join(ROOT, 'docs/examples/context-endpoint.mjs');

/** Runs the documented example endpoint with `secret` on a free port; resolves {url, stop()}. */
export async function startExampleEndpoint(secret) {
  const proc = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, PARLEY_CONTEXT_SECRET: secret, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`the example exited (${code}): ${err}`)));
  });
  return { url, stop: () => proc.kill('SIGTERM') };
}

export function goodCards(userId, email) {
  return [
    { title: 'Subscription', fields: [
      { label: 'Plan', value: `Pro for ${userId}` },
      { label: 'MRR', value: '$1,200' },
      { label: 'Last invoice', value: '#1042 paid', url: 'https://billing.example.com/invoices/1042' },
    ] },
    { title: 'Contact', fields: [{ label: 'Email', value: email ?? 'none' }] },
  ];
}

export async function startContextStandin() {
  const requests = []; // {userId, body, headers}
  const openSlow = new Set();
  let closedEarly = 0;
  let slowClosed = 0;

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let userId = '';
      let email = null;
      try { ({ userId, email } = JSON.parse(body)); } catch { /* recorded as is */ }
      requests.push({ userId, body, headers: req.headers });
      if (userId.startsWith('slow-')) {
        openSlow.add(res);
        res.on('close', () => { openSlow.delete(res); slowClosed++; });
        return; // never answers
      }
      if (userId.startsWith('big-')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.on('close', () => { if (!res.writableFinished) closedEarly++; });
        const piece = `"${'x'.repeat(64 * 1024)}",`;
        let left = 64; // 4 MiB
        res.write('{"cards":[],"padding":[');
        const more = () => {
          while (left > 0) {
            left--;
            if (!res.write(piece)) return res.once('drain', more);
          }
          res.end('""]}');
        };
        res.on('error', () => {});
        return more();
      }
      if (userId.startsWith('html-')) {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        return res.end('<html><body>Service temporarily unavailable</body></html>');
      }
      if (userId.startsWith('fail-')) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        return res.end('{"error":"boom"}');
      }
      let answer = { cards: goodCards(userId, email) };
      if (userId.startsWith('shape-')) answer = { cards: [{ title: 'Plan', fields: [{ label: 'Plan', value: 42 }] }] };
      if (userId.startsWith('links-')) {
        answer = { cards: [{ title: 'Links', fields: [
          { label: 'Script', value: 'click me', url: 'javascript:alert(document.cookie)' },
          { label: 'Data', value: 'data link', url: 'data:text/html,<script>alert(1)</script>' },
          { label: 'Billing', value: 'open billing', url: 'https://billing.example.com/u/1' },
        ] }] };
      }
      if (userId.startsWith('long-')) {
        answer = { cards: [{ title: 'Enterprise subscription with a very long descriptive name for this account', fields: [
          { label: 'Notes', value: 'Customer asked twice about SAML single sign-on; escalated to the solutions team.\nRenewal negotiation in progress with procurement.' },
          { label: 'Workspace', value: 'https://app.example.com/workspaces/acme-international-holdings-limited-emea-division', url: 'https://app.example.com/workspaces/acme-international-holdings-limited-emea-division' },
          { label: 'Identifier', value: 'cus_' + 'Q'.repeat(70) },
        ] }, ...goodCards(userId, email)] };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/parley/context`,
    requests,
    callsFor: (userId) => requests.filter((r) => r.userId === userId).length,
    get closedEarly() { return closedEarly; },
    get slowOpen() { return openSlow.size; },
    get slowClosed() { return slowClosed; },
    async close() {
      for (const res of openSlow) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
