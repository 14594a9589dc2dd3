// #/routing: automatic assignment (docs/INBOX.md "Routing"). Everyone sees the queue and each
// agent's load; admins choose the mode, the away release and each agent's capacity. The queue
// count beside the list's title is kept here too: it is refreshed (debounced) whenever a
// conversation changes, since any change may queue or assign one. Time to assignment (the waits
// of conversations taken from the queue, over 24 h and 7 days) comes from /api/routing/waits.

import { request } from './api.js';
import { $, h, clear, toast } from './dom.js';
import { state } from './state.js';
import { sectionHeader, sectionState } from './section_parts.js';

const MODES = [
  ['manual', 'Manual', 'Agents assign conversations themselves.'],
  ['round_robin', 'Round robin', 'Each new conversation goes to the next online agent with room, in turn.'],
  ['balanced', 'Balanced', 'Each new conversation goes to the online agent with the fewest open ones.'],
];
const REFRESH_MS = 800;

let root = null; // the section's element while #/routing is shown
let asked = 0;
let timer = 0;
let waits = null; // the last /api/routing/waits answer

const isAdmin = () => state.me?.role === 'admin';

export async function showRouting(view) {
  root = view;
  const n = ++asked;
  clear(view);
  const body = h('div', { class: 'section-body', 'data-testid': 'routing' }, sectionState('Loading…'));
  view.append(sectionHeader('Routing'), body);
  let data;
  try {
    [data, waits] = await Promise.all([request('GET', '/api/routing'), request('GET', '/api/routing/waits')]);
  } catch (e) {
    if (n !== asked) return;
    clear(body);
    return body.append(sectionState(`Could not load routing: ${e.message}`, { error: true, retry: () => showRouting(view) }));
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
  body.append(waitsTable());
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

// "12 s", "4 min", "1 h 5 min"; a dash when nothing was assigned.
function duration(s) {
  if (s == null) return '—';
  if (s < 1) return 'under 1 s';
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// Time to assignment: median and 90th percentile of the waits, and how many were assigned from
// the queue (automatic and by hand), over the last 24 hours and 7 days.
function waitsTable() {
  const box = h('section', { class: 'routing-waits', 'data-testid': 'routing-waits', 'aria-labelledby': 'routing-waits-title' },
    h('h2', { id: 'routing-waits-title' }, 'Time to assignment'));
  const day = waits?.day, week = waits?.week;
  if (!week?.assigned) {
    box.append(h('p', { class: 'muted', 'data-testid': 'routing-waits-empty' },
      'No conversation was assigned from the queue in the last 7 days. Once one is, how long conversations waited for a person shows here.'));
    return box;
  }
  const count = (w) => `${w.assigned} (${w.automatic} automatic, ${w.manual} by hand)`;
  const row = (label, testid, f) => h('tr', { 'data-testid': testid }, h('th', { scope: 'row' }, label),
    h('td', { 'data-window': 'day' }, f(day)), h('td', { 'data-window': 'week' }, f(week)));
  box.append(h('table', { class: 'routing-agents' },
    h('thead', null, h('tr', null, h('th', null, h('span', { class: 'visually-hidden' }, 'Figure')), h('th', null, 'Last 24 hours'), h('th', null, 'Last 7 days'))),
    h('tbody', null,
      row('Median wait', 'routing-waits-median', (w) => duration(w.medianSeconds)),
      row('90% waited at most', 'routing-waits-p90', (w) => duration(w.p90Seconds)),
      row('Assigned from the queue', 'routing-waits-assigned', count))));
  return box;
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
  // Shown: the waits too (an assignment may have changed them); the last ones stay on failure.
  try {
    waits = await request('GET', '/api/routing/waits');
  } catch { /* kept */ }
  body.querySelector('[data-testid="routing-waits"]')?.replaceWith(waitsTable());
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
