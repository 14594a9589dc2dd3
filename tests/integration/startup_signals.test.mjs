// `parley serve` waits up to 60 s for a database that is not there yet (PostgreSQL still
// starting under compose or systemd); SIGTERM or SIGINT during that wait stops it at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PARLEY_BIN, cleanEnv } from '../support/parley.mjs';
import { waitFor } from '../support/http.mjs';

describe('parley serve while it waits for the database', () => {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    it(`stops promptly on ${signal}`, async () => {
      // Nothing listens on port 1: every attempt is refused, and Parley retries.
      const proc = spawn(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0'], {
        env: cleanEnv({ DATABASE_URL: 'postgresql://parley@127.0.0.1:1/parley' }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      proc.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve({ code, sig })));
      const guard = setTimeout(() => proc.kill('SIGKILL'), 90000);
      try {
        await waitFor(() => /database not ready/.test(stderr), { deadline: 20000, interval: 50, what: 'a retry' });
        const sent = Date.now();
        proc.kill(signal);
        const { code, sig } = await exited;
        // The old wait ran its 60 s out; a stop takes about a second at most.
        assert.ok(Date.now() - sent < 10000, `exited ${Date.now() - sent} ms after ${signal}`);
        assert.equal(sig, null, stderr);
        assert.equal(code, 1, stderr);
        assert.match(stderr, new RegExp(`received ${signal} while waiting for the database`));
      } finally {
        clearTimeout(guard);
        proc.kill('SIGKILL');
      }
    });
  }
});
