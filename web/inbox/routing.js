// #/routing: automatic assignment (docs/INBOX.md "Routing"). Everyone sees the queue and each
// agent's load; admins choose the mode, the away release and each agent's capacity. The queue
// count beside the list's title is kept here too: it is refreshed (debounced) whenever a
// conversation changes, since any change may queue or assign one.

import { request } from './api.js';
import { $, h, clear, toast } from './dom.js';
import { state } from './state.js';

const MODES = [
  ['manual', 'Manual', 'Agents assign conversations themselves.'],
  ['round_robin', 'Round robin', 'Each new conversation goes to the next online agent with room, in turn.'],
  ['balanced', 'Balanced', 'Each new conversation goes to the online agent with the fewest open ones.'],
];
const REFRESH_MS = 800;

let root = null; // the section's element while #/routing is shown
let asked = 0;
let timer = 0;

const isAdmin = () => state.me?.role === 'admin';

export async function showRouting(view) {
  root = view;
  const n = ++asked;
  clear(view);
  const body = h('div', { class: 'section-body', 'data-testid': 'routing' }, h('p', { class: 'section-state muted', role: 'status' }, 'Loading…'));
  view.append(h('header', { class: 'section-head' }, h('h1', { class: 'list-title' }, 'Routing')), body);
  let data;
  try {
    data = await request('GET', '/api/routing');
  } catch (e) {
    if (n !== asked) return;
    clear(body);
    return body.append(h('div', { class: 'section-state', role: 'alert' }, h('p', { class: 'form-error' }, `Could not load routing: ${e.message}`),
      h('button', { type: 'button', class: 'btn btn-sm', onclick: () => showRouting(view) }, 'Retry')));
  }
  if (n !== asked) return;
  render(body, data);
}

function render(body, data) {
  clear(body);
  showQueue(data.queue);
  const mode = MODES.find((m) => m[0] === data.mode) || MODES[0];
  body.append(h('div', { class: 'stats' },
    stat('Waiting in the queue', String(data.queue?.length ?? 0), 'routing-queue'),
    stat('Longest wait', waited(data.queue), 'routing-oldest'),
    stat('Assignment', mode[1], 'routing-mode')));
  if (isAdmin()) body.append(settingsForm(data));
  else body.append(h('p', { class: 'routing-note muted' }, `${mode[2]} Only an admin can change this.`));
  body.append(agentsTable(data.agents || []));
}

const stat = (label, value, testid) => h('div', { class: 'stat', 'data-testid': testid },
  h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));

function waited(queue) {
  const s = queue?.length ? queue.oldestWaitingSeconds || 0 : 0;
  if (!queue?.length) return '—';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function settingsForm(data) {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'routing-error' });
  const radios = MODES.map(([value, label, help]) => h('label', { class: 'routing-mode' },
    h('input', { type: 'radio', name: 'routing-mode', value, checked: data.mode === value, 'data-testid': `routing-mode-${value}` }),
    h('span', null, h('strong', null, label), h('span', { class: 'muted' }, help))));
  const away = h('input', {
    type: 'number', id: 'routing-away', min: 1, max: 1440, inputMode: 'numeric', placeholder: 'Off',
    value: data.awayReleaseMinutes ?? '', 'data-testid': 'routing-away',
  });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'routing-save' }, 'Save');
  return h('form', {
    class: 'routing-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      const mode = e.target.querySelector('input[name="routing-mode"]:checked')?.value || 'manual';
      const minutes = away.value.trim() === '' ? null : Number(away.value);
      save.disabled = true;
      try {
        const next = await request('POST', '/api/routing', { mode, awayReleaseMinutes: minutes });
        toast('Routing saved.', 'info', 3000);
        if (root) render(root.querySelector('.section-body'), next);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      } finally {
        save.disabled = false;
      }
    },
  },
  h('fieldset', { class: 'routing-modes' }, h('legend', null, 'Assign new conversations'), radios),
  h('div', { class: 'field routing-away' },
    h('label', { for: 'routing-away' }, 'Give an agent’s open conversations back to the queue after they are away for (minutes)'),
    away, h('span', { class: 'muted routing-hint' }, 'Leave empty to keep them assigned.')),
  error, h('div', { class: 'section-actions' }, save));
}

function agentsTable(agents) {
  if (!agents.length) return h('p', { class: 'empty' }, 'No agents yet.');
  return h('table', { class: 'routing-agents', 'data-testid': 'routing-agents' },
    h('thead', null, h('tr', null, h('th', null, 'Agent'), h('th', null, 'Status'), h('th', null, 'Open'), h('th', null, 'Capacity'))),
    h('tbody', null, agents.map((a) => h('tr', { 'data-agent': a.id },
      h('td', { class: 'routing-name' }, a.name),
      presence(a),
      h('td', { 'data-testid': 'routing-open' }, String(a.open)),
      h('td', null, isAdmin() ? capacityInput(a) : String(a.capacity))))));
}

const presence = (a) => h('td', { class: 'routing-status' },
  h('span', { class: `presence-dot ${a.online ? 'dot-online' : 'dot-offline'}`, 'aria-hidden': 'true' }), ' ', a.online ? 'Online' : 'Not online');

// Saved when changed (Enter or leaving the field): no separate button per row.
function capacityInput(agent) {
  const input = h('input', {
    type: 'number', min: 0, max: 1000, value: agent.capacity, class: 'routing-capacity', inputMode: 'numeric',
    'aria-label': `Capacity of ${agent.name}`, 'data-testid': 'routing-capacity',
  });
  let sent = agent.capacity;
  const save = async () => {
    const capacity = input.value.trim() === '' ? NaN : Number(input.value);
    if (capacity === sent) return; // Enter, then leaving the field: saved once
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 1000) {
      input.value = agent.capacity;
      return toast('Capacity must be a whole number from 0 to 1000.');
    }
    sent = capacity;
    try {
      await request('POST', `/api/routing/agents/${agent.id}`, { capacity });
      agent.capacity = capacity;
      toast(`${agent.name} can now have ${capacity} open conversation${capacity === 1 ? '' : 's'}.`, 'info', 3000);
      routingChanged(); // the figures, in place while the field keeps focus
    } catch (e) {
      input.value = sent = agent.capacity;
      toast(e.message);
    }
  };
  input.addEventListener('change', save);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') save();
  });
  return input;
}

// The count beside the list's title: "3 waiting" (hidden when none wait).
function showQueue(queue) {
  const el = $('#queue-count');
  if (!el || !queue) return;
  const n = queue.length || 0;
  el.textContent = n ? `${n} waiting for an agent` : '';
  el.hidden = !n;
}

// A conversation changed (or the socket reconnected): the queue may have moved.
export function routingChanged() {
  clearTimeout(timer);
  timer = setTimeout(refresh, REFRESH_MS);
}

async function refresh() {
  let data;
  try {
    data = await request('GET', '/api/routing');
  } catch {
    return; // the next change tries again; the last count stays
  }
  showQueue(data.queue);
  const body = root && !root.hidden && location.hash.startsWith('#/routing') ? root.querySelector('.section-body') : null;
  if (!body || !body.querySelector('[data-testid="routing-agents"]')) return;
  // While an admin may be typing in it, the figures change in place: nothing typed is lost.
  if (!body.contains(document.activeElement)) return render(body, data);
  setStat(body, 'routing-queue', String(data.queue?.length ?? 0));
  setStat(body, 'routing-oldest', waited(data.queue));
  for (const a of data.agents || []) {
    const row = body.querySelector(`tr[data-agent="${a.id}"]`);
    if (!row) continue;
    row.querySelector('[data-testid="routing-open"]').textContent = String(a.open);
    row.querySelector('.routing-status').replaceWith(presence(a));
  }
}

function setStat(body, testid, value) {
  const el = body.querySelector(`[data-testid="${testid}"] .stat-value`);
  if (el) el.textContent = value;
}
