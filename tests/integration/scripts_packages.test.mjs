// scripts/test installs nginx for the reverse-proxy test, and Debian's nginx package starts a
// system nginx on port 80 when it is installed. The install runs under a policy-rc.d that
// forbids service starts (scripts/lib/common.sh without_service_starts), and no system nginx
// is left running.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/pg.mjs';

const COMMON_SH = path.join(ROOT, 'scripts/lib/common.sh');
const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `without_service_starts sh -c SCRIPT` with the policy file at `policy`; returns {status, stdout}. */
function withoutServiceStarts(policy, script) {
  const r = spawnSync('bash', ['-c', 'source "$0"; without_service_starts sh -c "$1"', COMMON_SH, script], {
    env: { ...process.env, PARLEY_POLICY_RC_D: policy },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('installing packages starts no system service', () => {
  it('while the command runs, policy-rc.d refuses every start (101); afterwards it is gone', () => {
    const policy = path.join(dir, 'policy-rc.d');
    const r = withoutServiceStarts(policy, `"${policy}" nginx start; echo "policy says $?"; exit 7`);
    assert.match(r.stdout, /policy says 101/, r.stderr);
    assert.equal(r.status, 7, "the command's exit code is kept");
    assert.equal(existsSync(policy), false);
  });

  it("an administrator's own policy-rc.d is used as it is and kept", () => {
    const policy = path.join(dir, 'own-policy-rc.d');
    writeFileSync(policy, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = withoutServiceStarts(policy, `"${policy}" nginx start; echo "policy says $?"`);
    assert.match(r.stdout, /policy says 0/, r.stderr);
    assert.equal(readFileSync(policy, 'utf8'), '#!/bin/sh\nexit 0\n');
  });

  it('no system nginx runs (only the tests start nginx, each with its own -c config)', () => {
    const masters = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue; // gone
      }
      if (/^nginx: master process/.test(cmd) && !/ -c /.test(cmd)) masters.push(`${pid}: ${cmd}`);
    }
    assert.deepEqual(masters, [], 'a system nginx is running');
  });
});
