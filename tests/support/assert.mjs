// Assertions shared by the integration tests.
import assert from 'node:assert/strict';

/** Asserts the one error shape of docs/PROTOCOL.md: {"error":{"code","message"}}. */
export function assertError(res, status, code, what = '') {
  const where = what ? `${what}: ` : '';
  assert.equal(res.status, status, `${where}expected HTTP ${status}, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/i, `${where}error bodies are JSON`);
  const body = res.json();
  assert.equal(typeof body.error, 'object', `${where}no "error" object in ${res.text}`);
  assert.equal(typeof body.error.message, 'string', `${where}no error.message in ${res.text}`);
  if (code) assert.equal(body.error.code, code, `${where}error.code in ${res.text}`);
  else assert.equal(typeof body.error.code, 'string', `${where}no error.code in ${res.text}`);
}
