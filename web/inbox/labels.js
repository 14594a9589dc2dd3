// Labels in the inbox (docs/INBOX.md "Labels", API in docs/PROTOCOL.md): the team's labels,
// the chips on list rows and in the conversation header, the add/remove menu, the list's
// label filter, and the live frames that keep all of it current in every tab.

import { request } from './api.js';
import { $, h, clear, toast } from './dom.js';
import { state } from './state.js';

export const labels = {
  byId: new Map(), // id → {id, name, colour, conversations?}
  loaded: false,
  filter: null,    // the list shows only conversations with this label id (null: all)
};

const listeners = new Set();
// Called after the team's labels changed (loaded, created, renamed, deleted): the Labels
// section and the filter re-render.
export function onLabelsChanged(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function changed() {
  renderLabelFilter();
  for (const fn of listeners) fn();
}

export const labelApi = {
  list: () => request('GET', '/api/labels'),
  create: (name, colour) => request('POST', '/api/labels', { name, colour }),
  update: (id, edit) => request('PATCH', `/api/labels/${encodeURIComponent(id)}`, edit),
  remove: (id) => request('DELETE', `/api/labels/${encodeURIComponent(id)}`),
  put: (conversationId, labelId) =>
    request('PUT', `/api/inbox/${encodeURIComponent(conversationId)}/labels/${encodeURIComponent(labelId)}`),
  takeOff: (conversationId, labelId) =>
    request('DELETE', `/api/inbox/${encodeURIComponent(conversationId)}/labels/${encodeURIComponent(labelId)}`),
};

export async function loadLabels() {
  try {
    const data = await labelApi.list();
    labels.byId = new Map((Array.isArray(data?.labels) ? data.labels : []).map((l) => [l.id, l]));
    labels.loaded = true;
    if (labels.filter !== null && !labels.byId.has(labels.filter)) labels.filter = null;
    changed();
  } catch (e) {
    if (e.status !== 401) toast(`Could not load labels: ${e.message}`);
  }
}

// ---------------------------------------------------------------- colour

// WCAG relative luminance of #rrggbb.
function luminance(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

// Black or white, whichever reads better on `hex`: the better of the two is always at least
// 4.5:1 (WCAG AA for small text), whatever colour an admin chose.
export function chipTextColour(hex) {
  if (!/^#[0-9a-f]{6}$/i.test(hex || '')) return '#1f2328';
  const l = luminance(hex);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#1f2328' : '#ffffff';
}

export function labelChip(label, extra = null) {
  const colour = /^#[0-9a-f]{6}$/i.test(label.colour || '') ? label.colour : '#e1e4e8';
  const chip = h('span', { class: 'label-chip', 'data-testid': 'label-chip', 'data-label-id': label.id },
    h('span', { class: 'label-chip-name' }, label.name), extra);
  // Set through the CSSOM: the inbox's CSP (style-src 'self') refuses style attributes.
  chip.style.backgroundColor = colour;
  chip.style.color = chipTextColour(colour);
  return chip;
}

// ---------------------------------------------------------------- live frames

// Applies a `label`, `labelDeleted` or `conversationLabels` frame. Returns the conversation
// whose labels changed (conversationLabels), true for a change of the team's labels, or null.
export function applyLabelFrame(f) {
  if (f.type === 'conversationLabels') {
    const c = state.convs.get(f.conversationId);
    if (!c || !Array.isArray(f.labels)) return null;
    c.labels = f.labels;
    return c;
  }
  if (f.type === 'label' && f.label && Number.isFinite(f.label.id)) {
    const l = f.label;
    labels.byId.set(l.id, { ...labels.byId.get(l.id), ...l });
    for (const c of state.convs.values()) {
      if (Array.isArray(c.labels) && c.labels.some((x) => x.id === l.id)) {
        c.labels = c.labels.map((x) => (x.id === l.id ? { id: l.id, name: l.name, colour: l.colour } : x))
          .sort(byName);
      }
    }
    changed();
    return true;
  }
  if (f.type === 'labelDeleted' && Number.isFinite(f.labelId)) {
    labels.byId.delete(f.labelId);
    for (const c of state.convs.values()) {
      if (Array.isArray(c.labels)) c.labels = c.labels.filter((x) => x.id !== f.labelId);
    }
    changed();
    return true;
  }
  return null;
}

function byName(a, b) {
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id - b.id;
}

// ---------------------------------------------------------------- list filter and rows

// Added to GET /api/inbox's parameters (the counts respect it too).
export function labelQuery() {
  return labels.filter !== null ? { label: labels.filter } : {};
}

export function matchesLabelFilter(c) {
  return labels.filter === null || (Array.isArray(c.labels) && c.labels.some((l) => l.id === labels.filter));
}

let onFilter = null;
// `fn` reloads the list when the agent picks another label in the filter.
export function initLabelFilter(fn) {
  onFilter = fn;
  renderLabelFilter();
}

function renderLabelFilter() {
  const root = $('#label-filter');
  if (!root) return;
  let select = root.querySelector('select');
  if (!select) {
    select = h('select', { id: 'label-filter-select', class: 'select-sm', 'data-testid': 'label-filter' });
    select.addEventListener('change', () => {
      labels.filter = select.value ? Number(select.value) : null;
      if (onFilter) onFilter();
    });
    root.append(h('label', { for: 'label-filter-select', class: 'label-filter-text' }, 'Label'), select);
  }
  const sorted = [...labels.byId.values()].sort(byName);
  clear(select);
  select.append(h('option', { value: '' }, 'All labels'), ...sorted.map((l) => h('option', { value: String(l.id) }, l.name)));
  select.value = labels.filter !== null ? String(labels.filter) : '';
  root.hidden = !labels.loaded || (sorted.length === 0 && labels.filter === null);
  root.classList.toggle('is-filtering', labels.filter !== null);
}

// Called when the filtered label was deleted: the list shows everything again.
export function filterIsGone() {
  if (labels.filter === null || labels.byId.has(labels.filter)) return false;
  labels.filter = null;
  renderLabelFilter();
  return true;
}

// The chips of a list row (no controls: the row is a link).
export function renderRowLabels(el, c) {
  const list = Array.isArray(c.labels) ? c.labels : [];
  const key = list.map((l) => `${l.id}:${l.name}:${l.colour}`).join('|');
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren(...list.map((l) => labelChip(l)));
  el.hidden = list.length === 0;
}

// ---------------------------------------------------------------- conversation header

// The labels of the open conversation: chips with a remove button, and "Label" which opens a
// small menu (search box + list; ↑/↓ to move, Enter to put on or take off, Esc to close).
export function renderConversationLabels(c) {
  const root = $('#conv-labels');
  if (!root) return;
  if (menu && (!c || menu.conversationId !== c.id)) closeMenu();
  if (!root.refs) {
    // Built once: the chips are redrawn on changes, the button and its open menu stay (and
    // keep the focus) while labels are put on and taken off.
    const chips = h('span', { class: 'conv-label-chips', 'data-testid': 'conversation-labels' });
    const add = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm label-add', 'data-testid': 'label-add',
      'aria-haspopup': 'listbox', 'aria-expanded': 'false',
      onclick: () => (menu ? closeMenu() : openMenu(root.conversationId, add)),
    }, '+ Label');
    const wrap = h('span', { class: 'label-add-wrap' }, add);
    root.append(chips, wrap);
    root.refs = { chips, add, wrap };
  }
  root.hidden = !c;
  if (!c) return;
  root.conversationId = c.id;
  const list = Array.isArray(c.labels) ? c.labels : [];
  const key = `${c.id}|${list.map((l) => `${l.id}:${l.name}:${l.colour}`).join('|')}`;
  if (root.dataset.key !== key) {
    root.dataset.key = key;
    root.refs.chips.replaceChildren(...list.map((l) => labelChip(l, h('button', {
      type: 'button', class: 'label-chip-remove', 'aria-label': `Remove label ${l.name}`,
      'data-testid': 'label-remove', title: `Remove ${l.name}`,
      onclick: async () => {
        await toggle(c.id, l.id, false);
        // The chip (and its button) is gone: the focus goes to "+ Label", not to the page.
        if (!root.contains(document.activeElement)) root.refs.add.focus();
      },
    }, '×'))));
  }
  if (menu && menu.conversationId === c.id) renderMenuOptions();
}

let menu = null; // {conversationId, el, input, list, active, button}

let conversationRenderer = null;
// `fn(conversation)` shows a conversation whose labels changed (its row, the header).
export function onConversationLabels(fn) {
  conversationRenderer = fn;
}

async function toggle(conversationId, labelId, putOn) {
  try {
    const data = putOn ? await labelApi.put(conversationId, labelId) : await labelApi.takeOff(conversationId, labelId);
    // The event does the same a moment later; the answer is applied at once for this tab.
    const c = applyLabelFrame({ type: 'conversationLabels', conversationId, labels: data?.labels });
    if (c && conversationRenderer) conversationRenderer(c);
  } catch (e) {
    if (e.status !== 401) toast(`Could not change the labels: ${e.message}`);
  }
}

function openMenu(conversationId, button) {
  closeMenu();
  const input = h('input', {
    type: 'search', class: 'label-menu-search', placeholder: 'Find a label…', 'aria-label': 'Find a label',
    role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'label-menu-list', 'aria-autocomplete': 'list',
    'data-testid': 'label-menu-search', autocomplete: 'off', maxLength: 40,
  });
  const list = h('ul', { id: 'label-menu-list', class: 'label-menu-list', role: 'listbox', 'aria-label': 'Labels',
    'aria-multiselectable': 'true' });
  const el = h('div', { class: 'label-menu', 'data-testid': 'label-menu' }, input, list);
  menu = { conversationId, el, input, list, active: 0, button };
  button.setAttribute('aria-expanded', 'true');
  button.after(el);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeMenu({ focusButton: true });
    }
  });
  input.addEventListener('input', () => { menu.active = 0; renderMenuOptions(); });
  input.addEventListener('keydown', onMenuKey);
  el.addEventListener('focusout', (e) => {
    if (menu && !el.contains(e.relatedTarget) && e.relatedTarget !== menu.button) closeMenu();
  });
  renderMenuOptions();
  input.focus();
}

export function closeMenu({ focusButton = false } = {}) {
  if (!menu) return;
  const { el, button } = menu;
  menu = null;
  el.remove();
  button.setAttribute('aria-expanded', 'false');
  if (focusButton) button.focus();
}

function menuChoices() {
  const q = menu.input.value.trim().toLocaleLowerCase();
  return [...labels.byId.values()].sort(byName).filter((l) => !q || l.name.toLocaleLowerCase().includes(q));
}

function renderMenuOptions() {
  if (!menu) return;
  const c = state.convs.get(menu.conversationId);
  const on = new Set((c?.labels || []).map((l) => l.id));
  const choices = menuChoices();
  menu.active = Math.min(menu.active, Math.max(choices.length - 1, 0));
  if (!choices.length) {
    const text = labels.byId.size ? 'No label matches.' : 'No labels yet. An admin creates them under Labels.';
    menu.list.replaceChildren(h('li', { class: 'label-menu-empty', role: 'presentation' }, text));
    menu.input.removeAttribute('aria-activedescendant');
    return;
  }
  menu.list.replaceChildren(...choices.map((l, i) => h('li', {
    id: `label-option-${l.id}`, role: 'option', class: `label-option${i === menu.active ? ' is-active' : ''}`,
    'aria-selected': on.has(l.id) ? 'true' : 'false', 'data-testid': 'label-option', 'data-label-id': l.id,
    onmousedown: (e) => e.preventDefault(), // keep the focus in the search box
    onclick: () => { menu.active = i; choose(l.id, on.has(l.id)); },
  }, h('span', { class: 'label-option-check', 'aria-hidden': 'true' }, on.has(l.id) ? '✓' : ''), labelChip(l))));
  menu.input.setAttribute('aria-activedescendant', `label-option-${choices[menu.active].id}`);
  menu.list.children[menu.active]?.scrollIntoView({ block: 'nearest' });
}

function choose(labelId, isOn) {
  toggle(menu.conversationId, labelId, !isOn);
}

function onMenuKey(e) {
  const choices = menuChoices();
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (!choices.length) return;
    menu.active = (menu.active + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length;
    renderMenuOptions();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    const l = choices[menu.active];
    if (!l) return;
    const c = state.convs.get(menu.conversationId);
    choose(l.id, (c?.labels || []).some((x) => x.id === l.id));
  } else if (e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation();
    closeMenu({ focusButton: true });
  }
}
