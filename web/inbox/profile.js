// #/profile: every agent's own settings — display name and notification preferences. The
// preferences live on the server (GET/PUT /api/me/preferences) so they follow the agent
// between browsers; alerts.js applies them.

import { api, request } from './api.js';
import { h, clear, toast } from './dom.js';
import { sectionHeader, sectionState } from './section_parts.js';
import { alertPrefs, notificationPermission, requestNotificationPermission, setAlertPrefs } from './alerts.js';
import { state } from './state.js';

const EVENTS = [
  ['newConversation', 'New conversations', 'and new messages in unassigned ones'],
  ['newMessageOnMine', 'New messages in my conversations', null],
  ['mentions', 'Mentions of me', 'in colleagues’ notes'],
];

// At sign-in: load the preferences into alerts.js; show admin-only links to admins.
export function initProfile(me) {
  for (const el of document.querySelectorAll('[data-admin-only]')) el.hidden = me?.role !== 'admin';
  request('GET', '/api/me/preferences').then((d) => setAlertPrefs(d?.preferences)).catch(() => {
    /* the defaults (everything on) stay */
  });
}

let shown = 0;

export async function showProfile(root) {
  const n = ++shown;
  clear(root);
  const body = h('div', { class: 'section-body profile' }, sectionState('Loading…'));
  root.append(sectionHeader('Your profile'), body);
  let prefs;
  try {
    prefs = (await request('GET', '/api/me/preferences')).preferences;
  } catch (e) {
    if (n !== shown) return;
    clear(body);
    return body.append(sectionState(`Could not load your profile: ${e.message}`, { error: true, retry: () => showProfile(root), testid: 'profile-error' }));
  }
  if (n !== shown) return;
  setAlertPrefs(prefs);
  clear(body);
  body.append(nameCard(), prefsCard(prefs || alertPrefs()));
}

function nameCard() {
  const me = state.me || {};
  const input = h('input', { id: 'profile-page-name', type: 'text', maxLength: 80, required: true, value: me.name || '',
    autocomplete: 'name', 'data-testid': 'profile-page-name' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'profile-page-save-name' }, 'Save name');
  const fail = (text) => { error.textContent = text; error.hidden = false; input.focus(); };
  return h('form', {
    class: 'card', 'data-testid': 'profile-name-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      const name = input.value.trim();
      if (!name) return fail('Enter a name.');
      if ([...name].length > 80) return fail('At most 80 characters.');
      save.disabled = true;
      try {
        await api.rename(name); // every inbox (this one too) hears the new name by its socket
        toast('Your display name is changed.', 'info', 3000);
      } catch (ex) {
        if (ex.status !== 401) fail(ex.message);
      } finally {
        save.disabled = false;
      }
    },
  },
  h('h2', { class: 'card-title' }, 'Display name'),
  h('p', { class: 'muted' }, 'Visitors and colleagues see this name. ', me.email ? `You sign in as ${me.email}.` : ''),
  h('div', { class: 'field' }, h('label', { for: 'profile-page-name' }, 'Name'), input),
  error,
  h('div', { class: 'card-actions' }, save));
}

function checkbox(id, label, hint, checked) {
  return h('label', { class: 'check', for: id },
    h('input', { id, type: 'checkbox', checked, 'data-testid': `pref-${id.replace(/^pref-/, '')}` }),
    h('span', null, label, hint ? h('span', { class: 'muted' }, ` (${hint})`) : null));
}

function prefsCard(prefs) {
  const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'prefs-status' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'prefs-error' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'prefs-save' }, 'Save notifications');
  const permission = notificationPermission();
  const browserNote = permission === 'granted' || permission === 'unsupported' ? null
    : h('p', { class: 'notice' },
      permission === 'denied'
        ? 'This browser blocks notifications from Parley: allow them in its site settings.'
        : 'This browser has not allowed desktop notifications yet. ',
      permission === 'default' ? h('button', { type: 'button', class: 'btn-link', onclick: async () => {
        await requestNotificationPermission();
        if (notificationPermission() === 'granted') browserNote.hidden = true;
      } }, 'Allow them') : null);
  return h('form', {
    class: 'card', 'data-testid': 'prefs-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      const v = (id) => document.getElementById(id).checked;
      const next = {
        desktop: v('pref-desktop'),
        sound: v('pref-sound'),
        events: Object.fromEntries(EVENTS.map(([key]) => [key, v(`pref-${key}`)])),
      };
      save.disabled = true;
      status.textContent = 'Saving…';
      try {
        const res = await request('PUT', '/api/me/preferences', next);
        setAlertPrefs(res.preferences);
        status.textContent = 'Saved. They apply in every browser you sign in to.';
      } catch (ex) {
        status.textContent = '';
        if (ex.status !== 401) { error.textContent = `Not saved: ${ex.message}`; error.hidden = false; }
      } finally {
        save.disabled = false;
      }
    },
  },
  h('h2', { class: 'card-title' }, 'Notifications'),
  h('p', { class: 'muted' }, 'How the inbox alerts you while its tab is in the background.'),
  browserNote,
  h('fieldset', { class: 'checks' }, h('legend', null, 'Alert me with'),
    checkbox('pref-desktop', 'Desktop notifications', null, prefs.desktop),
    checkbox('pref-sound', 'A sound', null, prefs.sound)),
  h('fieldset', { class: 'checks' }, h('legend', null, 'For'),
    EVENTS.map(([key, label, hint]) => checkbox(`pref-${key}`, label, hint, prefs.events?.[key] !== false))),
  error,
  h('div', { class: 'card-actions' }, save, status));
}
