// #/team (admins): every agent with role and status; invite one (an emailed one-time link),
// disable/enable, change a role, send a password-reset link. The server decides what an admin
// may do (and keeps one active admin); this page shows its answers.

import { request } from './api.js';
import { h, clear, toast } from './dom.js';
import { sectionHeader, sectionState } from './section_parts.js';
import { state } from './state.js';

const STATUS_LABELS = { active: 'Active', disabled: 'Disabled', invited: 'Invited' };
const RELOAD_DELAY = 300; // ms: a burst of changes is one reload
let shown = 0;
let reloadTimer = 0;

// A `team` frame: an admin (here or in another tab, browser or process) invited, disabled,
// enabled or changed someone, or an invitation was accepted. The page reloads its list if shown.
export function teamChanged() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    if (location.hash.startsWith('#/team') && showTeam.refresh) showTeam.refresh();
  }, RELOAD_DELAY);
}

export async function showTeam(root) {
  const n = ++shown;
  clear(root);
  const body = h('div', { class: 'section-body team-admin' }, sectionState('Loading…'));
  const inviteBtn = h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-testid': 'team-invite-open' }, 'Invite agent');
  root.append(sectionHeader('Team', inviteBtn), body);
  let data;
  try {
    data = await request('GET', '/api/team');
  } catch (e) {
    if (n !== shown) return;
    clear(body);
    inviteBtn.hidden = true;
    const text = e.status === 403 ? 'Only an admin can manage the team.' : `Could not load the team: ${e.message}`;
    return body.append(sectionState(text, { error: true, retry: e.status === 403 ? null : () => showTeam(root), testid: 'team-error' }));
  }
  if (n !== shown) return;
  clear(body);
  const reveal = h('div', { 'data-testid': 'team-link-slot' });
  const form = inviteForm(data.emailConfigured, (res) => { showIssued(reveal, res); showTeam.refresh(); });
  form.hidden = true;
  inviteBtn.onclick = () => { form.hidden = false; form.querySelector('input').focus(); };
  const list = h('ul', { class: 'team-list', 'data-testid': 'team-list' });
  showTeam.refresh = async () => {
    try {
      const fresh = await request('GET', '/api/team');
      renderRows(list, fresh.agents || [], reveal);
    } catch (e) {
      if (e.status !== 401) toast(`Could not reload the team: ${e.message}`);
    }
  };
  renderRows(list, data.agents || [], reveal);
  body.append(form, reveal, list);
}

function renderRows(list, agents, reveal) {
  clear(list);
  if (!agents.length) {
    list.append(h('li', { class: 'empty', 'data-testid': 'team-empty' }, 'No agents yet. Invite the first one.'));
    return;
  }
  for (const a of agents) list.append(row(a, reveal));
}

function row(a, reveal) {
  const mine = state.me && a.id === state.me.id;
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const act = async (button, method, path, bodyJson, done) => {
    error.hidden = true;
    button.disabled = true;
    try {
      const res = await request(method, path, bodyJson);
      if (done) done(res);
      await showTeam.refresh();
    } catch (ex) {
      if (ex.status !== 401) { error.textContent = ex.message; error.hidden = false; }
      button.disabled = false;
    }
  };
  const role = h('select', { class: 'select-sm', 'aria-label': `Role of ${a.name}`, 'data-testid': 'team-role',
    disabled: a.status !== 'active' && a.status !== 'invited' },
  h('option', { value: 'agent', selected: a.role === 'agent' }, 'Agent'),
  h('option', { value: 'admin', selected: a.role === 'admin' }, 'Admin'));
  role.addEventListener('change', () => act(role, 'PATCH', `/api/team/${a.id}`, { role: role.value }));

  const actions = [];
  if (a.status === 'active') {
    actions.push(confirmButton('Disable', `Disable ${a.name}? Their sessions end now.`, 'team-disable',
      (b) => act(b, 'POST', `/api/team/${a.id}/disable`)));
    actions.push(h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'team-reset',
      onclick: (e) => act(e.currentTarget, 'POST', `/api/team/${a.id}/link`, undefined, (res) => showIssued(reveal, res)) }, 'Reset password'));
  } else if (a.status === 'invited') {
    actions.push(h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'team-reinvite',
      onclick: (e) => act(e.currentTarget, 'POST', `/api/team/${a.id}/link`, undefined, (res) => showIssued(reveal, res)) }, 'Send a new invitation'));
    actions.push(confirmButton('Revoke', `Revoke the invitation of ${a.name}?`, 'team-revoke',
      (b) => act(b, 'POST', `/api/team/${a.id}/disable`)));
  } else {
    actions.push(h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'team-enable',
      onclick: (e) => act(e.currentTarget, 'POST', `/api/team/${a.id}/enable`) }, 'Enable'));
  }
  const statusText = a.status === 'invited'
    ? (a.linkExpiresAt ? `Invited · link valid until ${when(a.linkExpiresAt)}` : 'Invited · link expired')
    : STATUS_LABELS[a.status] || a.status;
  return h('li', { class: `team-row is-${a.status}`, 'data-testid': 'team-row', 'data-email': a.email, 'data-status': a.status },
    h('div', { class: 'team-who' },
      h('span', { class: 'team-row-name' }, a.name, mine ? h('span', { class: 'muted' }, ' (you)') : null),
      h('span', { class: 'team-row-email muted' }, a.email)),
    h('span', { class: `chip chip-${a.status}`, 'data-testid': 'team-status' }, statusText),
    h('div', { class: 'team-row-actions' }, role, actions),
    error);
}

// A button that asks once more before acting (no modal: Escape or a moment cancels it).
function confirmButton(label, question, testid, run) {
  const b = h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': testid, title: question }, label);
  let armed = null;
  const disarm = () => { clearTimeout(armed); armed = null; b.textContent = label; b.classList.remove('btn-danger'); };
  b.addEventListener('click', () => {
    if (!armed) {
      b.textContent = `Confirm: ${label.toLowerCase()}`;
      b.classList.add('btn-danger');
      armed = setTimeout(disarm, 5000);
      return;
    }
    disarm();
    run(b);
  });
  b.addEventListener('keydown', (e) => { if (e.key === 'Escape' && armed) disarm(); });
  return b;
}

function inviteForm(emailConfigured, onDone) {
  const email = h('input', { id: 'invite-email', type: 'email', required: true, maxLength: 320, autocomplete: 'off', 'data-testid': 'invite-email' });
  const name = h('input', { id: 'invite-name', type: 'text', required: true, maxLength: 80, autocomplete: 'off', 'data-testid': 'invite-name' });
  const role = h('select', { id: 'invite-role', 'data-testid': 'invite-role' },
    h('option', { value: 'agent' }, 'Agent'), h('option', { value: 'admin' }, 'Admin'));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'invite-error' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'invite-submit' }, 'Send invitation');
  const form = h('form', {
    class: 'card invite-form', 'data-testid': 'invite-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!email.value.trim() || !name.value.trim()) {
        error.textContent = 'Enter an email address and a name.';
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const res = await request('POST', '/api/team/invitations', { email: email.value.trim(), name: name.value.trim(), role: role.value });
        form.reset();
        form.hidden = true;
        onDone(res);
      } catch (ex) {
        if (ex.status !== 401) { error.textContent = ex.message; error.hidden = false; }
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h2', { class: 'card-title' }, 'Invite an agent'),
  h('p', { class: 'muted' }, emailConfigured
    ? 'They get an email with a link to choose their password. The link works once, for 48 hours.'
    : 'Email is not configured: you will get the link to pass on yourself. It works once, for 48 hours.'),
  h('div', { class: 'invite-fields' },
    h('div', { class: 'field' }, h('label', { for: 'invite-email' }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { for: 'invite-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'invite-role' }, 'Role'), role)),
  error,
  h('div', { class: 'card-actions' }, submit,
    h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: () => { form.reset(); form.hidden = true; } }, 'Cancel')));
  return form;
}

// After an invitation or reset: say where the link went. Without email (development), the
// server hands the link over this once; it is shown here to copy and never stored.
function showIssued(slot, res) {
  clear(slot);
  const who = res?.agent?.email || 'the agent';
  const what = res?.purpose === 'reset' ? 'password-reset link' : 'invitation';
  if (!res?.link) {
    slot.append(h('p', { class: 'notice', role: 'status', 'data-testid': 'team-issued' }, `The ${what} is on its way to ${who}.`));
    return;
  }
  const field = h('input', { type: 'text', readOnly: true, value: res.link, 'aria-label': 'One-time link', 'data-testid': 'team-link' });
  const copy = h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'team-link-copy', onclick: async () => {
    field.select();
    try { await navigator.clipboard.writeText(res.link); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select and copy it'; }
  } }, 'Copy');
  slot.append(h('div', { class: 'card link-card', role: 'status', 'data-testid': 'team-issued' },
    h('p', null, `Email is not configured, so send this ${what} to ${who} yourself. It is shown only now, works once, and expires ${when(res.expiresAt)}.`),
    h('div', { class: 'link-row' }, field, copy),
    h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: () => clear(slot) }, 'Done')));
}

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? 'soon' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
