// #/hours: the team's business hours (docs/INBOX.md, Hours) — a weekly schedule in a time
// zone with dated exceptions. Everyone sees it and whether the team is open now; admins edit it.
// Outside the hours the chat window tells visitors when the team is back (docs/EMBED.md).

import { request } from './api.js';
import { h, clear, toast } from './dom.js';
import { sectionHeader, sectionState } from './section_parts.js';
import { state } from './state.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'],
  ['sat', 'Saturday'], ['sun', 'Sunday']];
let asked = 0;

const hhmm = (m) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minutes = (v) => { const [a, b] = v.split(':').map(Number); return a * 60 + b; };

// "Open now · closes 17:00" / "Closed · opens Monday 9:00", in the schedule's zone.
export function stateText(s, zone) {
  if (!s) return '';
  const at = (iso) => {
    const d = new Date(iso);
    const o = { timeZone: zone };
    const same = (x) => x.toLocaleDateString('en-CA', o);
    const day = same(d) === same(new Date()) ? '' : `${d.toLocaleDateString('en', { ...o, weekday: 'long' })} `;
    return day + d.toLocaleTimeString('en-GB', { ...o, hour: 'numeric', minute: '2-digit' });
  };
  if (s.open) return s.closesAt ? `Open now · closes ${at(s.closesAt)}` : 'Open now';
  return s.nextOpening ? `Closed · opens ${at(s.nextOpening)}` : 'Closed · no opening ahead';
}

// One day's (or exception's) intervals: a list of from–to rows, "Closed" when empty.
function intervalList(label, intervals, editable) {
  const list = h('div', { class: 'hours-intervals' });
  const empty = h('span', { class: 'muted hours-closed' }, 'Closed');
  const sync = () => { empty.hidden = list.querySelector('.hours-interval') !== null; };
  const add = (iv) => {
    const from = h('input', { type: 'time', value: hhmm(iv.start), required: true, disabled: !editable, 'aria-label': `${label} from` });
    const to = h('input', { type: 'time', value: hhmm(iv.end), required: true, disabled: !editable, 'aria-label': `${label} to` });
    const row = h('div', { class: 'hours-interval' }, from, h('span', { 'aria-hidden': 'true' }, '–'), to,
      editable ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': `Remove ${label} interval`,
        onclick: () => { row.remove(); sync(); } }, '×') : null);
    row.value = () => ({ start: minutes(from.value), end: minutes(to.value) || 1440 }); // 00:00 as an end is midnight
    list.insertBefore(row, empty);
    sync();
  };
  list.append(empty);
  for (const iv of intervals) add(iv);
  const wrap = h('div', { class: 'hours-day-body' }, list,
    editable ? h('button', { type: 'button', class: 'btn btn-sm', onclick: () => add({ start: 540, end: 1020 }) }, '+ Hours') : null);
  wrap.value = () => [...list.querySelectorAll('.hours-interval')].map((r) => r.value());
  return wrap;
}

export async function showHours(root) {
  const n = ++asked;
  clear(root);
  const body = h('div', { class: 'section-body' }, sectionState('Loading…'));
  const status = h('span', { class: 'chip', 'data-testid': 'hours-state' }, '');
  root.append(sectionHeader('Business hours', status), body);
  let data, zones;
  try {
    [data, { zones }] = await Promise.all([request('GET', '/api/hours'), request('GET', '/api/hours/zones')]);
  } catch (e) {
    if (n !== asked) return;
    clear(body);
    return body.append(sectionState(`Could not load the hours: ${e.message}`, { error: true, retry: () => showHours(root) }));
  }
  if (n !== asked) return;
  clear(body);
  const admin = state.me?.role === 'admin';
  const sched = data.hours || { zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', week: {}, exceptions: [] };
  const showState = (d) => {
    status.textContent = d.hours ? stateText(d.state, d.hours.zone) : 'Always open · no hours set';
    status.className = `chip ${d.state.open ? 'chip-open' : 'chip-closed'}`;
  };
  showState(data);

  if (!zones.includes(sched.zone)) zones.unshift(sched.zone); // a browser's zone the server does not list
  const zone = h('select', { id: 'hours-zone', disabled: !admin, 'data-testid': 'hours-zone' },
    zones.map((z) => h('option', { value: z, selected: z === sched.zone }, z.replaceAll('_', ' '))));
  zone.value = sched.zone;
  const days = DAYS.map(([key, name]) => [key, intervalList(name, sched.week?.[key] || [], admin)]);
  const exList = h('div', { class: 'hours-exceptions', 'data-testid': 'hours-exceptions' });
  const addException = (ex) => {
    const date = h('input', { type: 'date', value: ex.date || '', required: true, disabled: !admin, 'aria-label': 'Exception date' });
    const ivs = intervalList(`Exception ${ex.date || ''}`.trim(), ex.intervals || [], admin);
    const row = h('div', { class: 'hours-day' }, h('div', { class: 'hours-day-name' }, date), ivs,
      admin ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => row.remove() }, 'Remove') : null);
    row.value = () => ({ date: date.value, intervals: ivs.value() });
    exList.append(row);
  };
  for (const ex of sched.exceptions || []) addException(ex);

  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'hours-error' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'hours-save' }, 'Save hours');
  const remove = h('button', { type: 'button', class: 'btn btn-sm', hidden: !data.hours, 'data-testid': 'hours-clear' }, 'Always open');
  const send = async (method, payload) => {
    error.hidden = true;
    save.disabled = remove.disabled = true;
    try {
      const d = await request(method, '/api/hours', payload);
      showState(d);
      remove.hidden = !d.hours;
      toast(d.hours ? 'Hours saved.' : 'No hours: always open.', 'info', 3000);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      save.disabled = remove.disabled = false;
    }
  };
  const form = h('form', { class: 'hours-form', 'data-testid': 'hours-form', novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      const bad = form.querySelector('input:invalid');
      if (bad) { error.textContent = 'Fill in every time and date (or remove the row).'; error.hidden = false; return bad.focus(); }
      send('PUT', { zone: zone.value, week: Object.fromEntries(days.map(([k, l]) => [k, l.value()])),
        exceptions: [...exList.children].map((r) => r.value()) });
    } },
    h('div', { class: 'field hours-zone' }, h('label', { for: 'hours-zone' }, 'Time zone'), zone),
    h('h2', { class: 'hours-sub' }, 'Every week'),
    days.map(([key, list]) => h('div', { class: 'hours-day', 'data-day': key },
      h('div', { class: 'hours-day-name' }, DAYS.find((d) => d[0] === key)[1]), list)),
    h('h2', { class: 'hours-sub' }, 'Exceptions'),
    h('p', { class: 'muted hours-hint' }, 'Holidays and special days: their hours replace the weekday’s; none means closed all day.'),
    exList,
    admin ? h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'hours-add-exception',
      onclick: () => addException({ date: '', intervals: [] }) }, '+ Exception') : null,
    error,
    admin ? h('div', { class: 'section-actions hours-actions' }, save, remove)
      : h('p', { class: 'notice' }, 'Only admins can change the hours.'));
  remove.addEventListener('click', () => send('DELETE'));
  body.append(form);
}
