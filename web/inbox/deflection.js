// #/reports: what the FAQ bot did, per day — conversations it resolved, ones handed to a person
// after its answer, and first messages it had no confident article for (docs/BOT.md).

import { request } from './api.js';
import { h, clear } from './dom.js';
import { sectionHeader, sectionState } from './section_parts.js';

const DAYS = 30;
let asked = 0;

export async function showDeflection(root) {
  const n = ++asked;
  clear(root);
  const body = h('div', { class: 'section-body' }, sectionState('Loading…'));
  root.append(sectionHeader(`Bot: last ${DAYS} days`), body);
  let data;
  try {
    data = await request('GET', `/api/reports/deflection?days=${DAYS}`);
  } catch (e) {
    if (n !== asked) return;
    clear(body);
    return body.append(sectionState(`Could not load the report: ${e.message}`, { error: true, retry: () => showDeflection(root) }));
  }
  if (n !== asked) return;
  clear(body);
  const t = data.totals || {};
  const resolved = t.resolvedByBot || 0, handed = t.handedToPerson || 0, quiet = t.noAnswer || 0;
  const all = resolved + handed + quiet;
  const card = (label, value, testid) => h('div', { class: 'stat', 'data-testid': testid },
    h('span', { class: 'stat-value' }, String(value)), h('span', { class: 'stat-label' }, label));
  if (data.bot === 'off') body.append(h('p', { class: 'notice' }, 'The bot is off (PARLEY_BOT=off).'));
  body.append(
    h('div', { class: 'stats' },
      card('Resolved by the bot', resolved, 'deflection-resolved'),
      card('Handed to a person', handed, 'deflection-handed'),
      card('No confident article', quiet, 'deflection-quiet'),
      card('Deflection rate', all ? `${Math.round((100 * resolved) / all)} %` : '—', 'deflection-rate')));
  const days = (Array.isArray(data.days) ? data.days : []).filter((d) => d.resolvedByBot || d.handedToPerson || d.noAnswer);
  if (!days.length) {
    return body.append(h('p', { class: 'empty', 'data-testid': 'deflection-empty' }, 'No conversation reached the bot in these days.'));
  }
  const max = Math.max(...days.map((d) => d.resolvedByBot + d.handedToPerson + d.noAnswer));
  body.append(h('table', { class: 'deflection', 'data-testid': 'deflection-days' },
    h('thead', null, h('tr', null, h('th', null, 'Day'), h('th', null, 'Resolved'), h('th', null, 'Handed'), h('th', null, 'No answer'), h('th', { 'aria-hidden': 'true' }, ''))),
    h('tbody', null, days.reverse().map((d) => h('tr', null,
      h('td', null, d.day), h('td', null, String(d.resolvedByBot)), h('td', null, String(d.handedToPerson)), h('td', null, String(d.noAnswer)),
      h('td', { class: 'bar-cell', 'aria-hidden': 'true' },
        bar('bar-resolved', d.resolvedByBot / max), bar('bar-handed', (d.handedToPerson + d.noAnswer) / max)))))));
}

// Set through the CSSOM: the inbox's CSP allows no style attributes in markup.
function bar(cls, share) {
  const b = h('span', { class: `bar ${cls}` });
  b.style.width = `${Math.round(100 * share)}%`;
  return b;
}
