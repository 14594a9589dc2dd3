// `parley --help` is readable (each option's flag, VALUE and variable apart), and the docs agree
// with it: every setting is in the README and docs/OPERATIONS.md, and PARLEY_SUPPORT_EMAIL's
// default (the PARLEY_MAIL_FROM address, src/mail/outbox.cpp support_address) is the same
// everywhere it is described.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { runParley } from '../support/parley.mjs';
import { ROOT } from '../support/pg.mjs';

const doc = (name) => readFileSync(path.join(ROOT, name), 'utf8');

async function helpOptions() {
  const r = await runParley(['--help']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^ {2}--/.test(l));
  assert.ok(lines.length >= 10, r.stdout);
  return lines;
}

describe('parley --help and the docs', () => {
  it('each option line reads "--flag VALUE  VARIABLE: what it does", in one column', async () => {
    const lines = await helpOptions();
    const columns = new Set();
    for (const line of lines) {
      const m = /^ {2}(--[a-z-]+) VALUE( {2,})([A-Z_]+): \S/.exec(line);
      assert.ok(m, `badly formatted: "${line}"`);
      columns.add(line.indexOf(m[3]));
    }
    assert.equal(columns.size, 1, `variables start in one column:\n${lines.join('\n')}`);
  });

  it('every setting is documented in the README and docs/OPERATIONS.md', async () => {
    for (const line of await helpOptions()) {
      const env = /VALUE +([A-Z_]+):/.exec(line)[1];
      for (const file of ['README.md', 'docs/OPERATIONS.md']) {
        assert.match(doc(file), new RegExp('\\| `' + env + '` \\|'), `${env} in ${file}`);
      }
    }
  });

  it("PARLEY_SUPPORT_EMAIL's default is the PARLEY_MAIL_FROM address everywhere", async () => {
    const help = (await helpOptions()).find((l) => l.includes('PARLEY_SUPPORT_EMAIL'));
    assert.match(help, /default: the PARLEY_MAIL_FROM address/);
    for (const file of ['README.md', 'docs/OPERATIONS.md', 'docs/EMAIL.md']) {
      const row = doc(file).split('\n').find((l) => l.startsWith('| `PARLEY_SUPPORT_EMAIL`'));
      assert.ok(row, `${file} has a PARLEY_SUPPORT_EMAIL row`);
      const defaultCell = row.split('|')[3];
      assert.match(defaultCell, /the `PARLEY_MAIL_FROM` address/, `${file}: ${row}`);
    }
  });

  it('the README links the docs a newcomer needs, and they exist', () => {
    const readme = doc('README.md');
    for (const target of ['docs/EMAIL.md', 'docs/BENCHMARKS.md', 'docs/OPERATIONS.md']) {
      assert.ok(readme.includes(`](${target})`), `README links ${target}`);
      assert.ok(existsSync(path.join(ROOT, target)), `${target} exists`);
    }
  });
});
