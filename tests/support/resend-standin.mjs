// A stand-in for Resend's API (POST /emails) on loopback: a real HTTP server in the test
// process that behaves like Resend where Parley depends on it (shared/specs/resend-openapi.yaml).
//  - checks `Authorization: Bearer <key>` (401 missing_api_key / 403 invalid_api_key) and a
//    User-Agent (403 without one, as Resend does);
//  - honours Idempotency-Key: the same key and body → the first answer again, nothing sent
//    twice; the same key with another body → 409 invalid_idempotent_request; the same key
//    while its first request is still in progress → 409 concurrent_idempotent_requests;
//  - answers from a script, one step per request that would send: {status:429, retryAfter:1},
//    {status:500}, {status:422}, {hang:true} (never answers, sends nothing),
//    {acceptThenHang:true} (sends, then never answers); an empty script means 200.
//  - records what it accepted (`accepted`) and every request (`requests`).
import http from 'node:http';
import { randomUUID, createHash } from 'node:crypto';
import { waitFor } from './http.mjs';

const ERROR_NAMES = {
  400: 'validation_error',
  401: 'missing_api_key',
  403: 'invalid_api_key',
  409: 'concurrent_idempotent_requests',
  422: 'validation_error',
  429: 'rate_limit_exceeded',
  500: 'application_error',
};

export async function startResendStandin({ apiKey = 're_test_key' } = {}) {
  const script = [];
  const accepted = []; // {id, key, body, headers, at}
  const requests = []; // {key, body, headers, at, answer}
  const idempotent = new Map(); // key → {hash, status, body} | {hash, inProgress: true}
  const hanging = new Set();

  function reply(res, status, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
  const error = (res, status, message, name = ERROR_NAMES[status], headers) =>
    reply(res, status, { statusCode: status, message, name }, headers);

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const key = req.headers['idempotency-key'] ?? null;
      const entry = { key, raw, headers: req.headers, at: Date.now(), answer: null };
      requests.push(entry);
      const answer = (status, body, headers) => {
        entry.answer = status;
        reply(res, status, body, headers);
      };

      if (req.method !== 'POST' || new URL(req.url, 'http://x').pathname !== '/emails') {
        entry.answer = 404;
        return error(res, 404, 'Not found', 'not_found');
      }
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ')) return (entry.answer = 401), error(res, 401, 'Missing API key in the authorization header.');
      if (auth.slice(7) !== apiKey) return (entry.answer = 403), error(res, 403, 'API key is invalid.', 'invalid_api_key');
      if (!req.headers['user-agent']) {
        entry.answer = 403;
        return error(res, 403, 'A User-Agent header is required.', 'validation_error');
      }
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        entry.answer = 400;
        return error(res, 400, 'Invalid JSON body.', 'validation_error');
      }
      entry.body = body;
      for (const field of ['from', 'to', 'subject']) {
        if (!body[field]) return (entry.answer = 422), error(res, 422, `Missing \`${field}\` field.`, 'missing_required_field');
      }
      if (key !== null && (key.length === 0 || key.length > 256)) {
        entry.answer = 400;
        return error(res, 400, 'Idempotency key must be 1-256 characters.', 'invalid_idempotency_key');
      }

      const hash = createHash('sha256').update(raw).digest('hex');
      const seen = key !== null ? idempotent.get(key) : undefined;
      if (seen) {
        if (seen.hash !== hash) {
          entry.answer = 409;
          return error(res, 409, 'Same idempotency key used with a different request payload.', 'invalid_idempotent_request');
        }
        if (seen.inProgress) {
          entry.answer = 409;
          return error(res, 409, 'Same idempotency key used while the original request is still in progress.');
        }
        entry.replayed = true;
        return answer(seen.status, seen.body);
      }

      const step = script.shift() ?? { status: 200 };
      if (step.hang) {
        entry.answer = 'hang';
        hanging.add(res);
        return;
      }
      const status = step.status ?? 200;
      if (status >= 200 && status < 300) {
        const id = randomUUID();
        accepted.push({ id, key, body, headers: req.headers, at: Date.now() });
        if (key !== null) idempotent.set(key, { hash, status, body: { id } });
        if (step.acceptThenHang) {
          entry.answer = 'accepted-then-hang';
          hanging.add(res);
          return;
        }
        return answer(status, { id });
      }
      // Errors are not remembered: a retry with the same key is processed afresh.
      const headers = step.retryAfter !== undefined ? { 'retry-after': String(step.retryAfter) } : {};
      entry.answer = status;
      return error(res, status, step.message ?? `Scripted ${status}`, step.name ?? ERROR_NAMES[status] ?? 'application_error', headers);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    apiKey,
    accepted,
    requests,
    /** Queues answers for the next requests that are not idempotent replays. */
    script(steps) {
      script.push(...steps);
    },
    /** The next request hangs: no answer, nothing sent. */
    hang() {
      script.push({ hang: true });
    },
    /** Requests carrying `key`, in arrival order. */
    requestsFor(key) {
      return requests.filter((r) => r.key === key);
    },
    /** Accepted emails to `to`. */
    acceptedTo(to) {
      return accepted.filter((a) => [].concat(a.body.to).includes(to));
    },
    waitForAccepted(n, opts = {}) {
      return waitFor(() => accepted.length >= n && accepted, { what: `${n} accepted email(s)`, ...opts });
    },
    waitForRequests(n, opts = {}) {
      return waitFor(() => requests.length >= n && requests, { what: `${n} request(s)`, ...opts });
    },
    /** Forgets everything (between tests). */
    reset() {
      script.length = 0;
      accepted.length = 0;
      requests.length = 0;
      idempotent.clear();
    },
    close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
