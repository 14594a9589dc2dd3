// The one-time link page (/inbox/invite.html#t=…): an invited agent chooses their first
// password, or an agent whose password an admin reset chooses a new one. The token is read from
// the fragment, removed from the address bar (and so from history), and sent only in the body
// of POST /api/invitations/check and /accept.

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
history.replaceState(null, '', location.pathname);

async function post(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return { ok: false, code: 'network', message: 'Cannot reach the server. Check your connection and retry.' };
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.ok) return { ok: true, data };
  const err = (data && data.error) || {};
  return { ok: false, status: res.status, code: err.code || `http_${res.status}`, message: err.message || `Request failed (${res.status}).` };
}

function problem(text, code) {
  $('invite-state').textContent = 'This link cannot be used';
  $('invite-problem-text').textContent = text;
  $('invite-problem').dataset.code = code || '';
  $('invite-problem').hidden = false;
  $('invite-form').hidden = true;
}

async function start() {
  if (!token) return problem('This page needs the link from your email. Open the whole link, or ask an administrator for a new one.', 'link_missing');
  const r = await post('/api/invitations/check', { token });
  if (!r.ok) return problem(r.message, r.code);
  const link = r.data.link;
  const invite = link.purpose === 'invite';
  $('invite-state').textContent = invite ? `Welcome to the team, ${link.name}` : `Choose a new password, ${link.name}`;
  $('invite-who').textContent = `${invite ? 'Choose a password' : 'Set a new password'} for ${link.email}.`;
  $('invite-username').value = link.email; // lets a password manager file it under the right account
  $('invite-submit').textContent = invite ? 'Set password and join' : 'Set new password';
  $('invite-form').hidden = false;
  $('invite-password').focus();
}

$('invite-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const password = $('invite-password').value;
  const error = $('invite-error');
  const fail = (text) => { error.textContent = text; error.hidden = false; };
  error.hidden = true;
  if (password.length < 8) return fail('Use at least 8 characters.');
  if (password !== $('invite-confirm').value) return fail('The two passwords differ.');
  $('invite-submit').disabled = true;
  const r = await post('/api/invitations/accept', { token, password });
  $('invite-submit').disabled = false;
  if (r.ok) {
    $('invite-form').hidden = true;
    $('invite-state').textContent = 'All set';
    $('invite-done').hidden = false;
    $('invite-done').querySelector('a').focus();
    return;
  }
  if (r.status === 400 || r.code === 'network' || r.status === 429) return fail(r.message);
  problem(r.message, r.code);
});

start();
