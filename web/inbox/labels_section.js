// The Labels section (#/labels): the team's labels with how many conversations carry each.
// Admins create, rename, recolour and delete them here; other agents see the list. Changes
// made in another tab or by a colleague show at once (the `label` / `labelDeleted` frames).

import { h, clear, toast } from './dom.js';
import { state } from './state.js';
import { labels, labelApi, labelChip, loadLabels, onLabelsChanged } from './labels.js';
import { sectionHeader, sectionState } from './section_parts.js';

const MAX_NAME = 40;
// Distinct hues of similar weight; the chip's text is black or white, whichever reads better.
export const PALETTE = [
  ['#64748b', 'Slate'], ['#dc2626', 'Red'], ['#ea580c', 'Orange'], ['#facc15', 'Yellow'], ['#16a34a', 'Green'],
  ['#0d9488', 'Teal'], ['#2563eb', 'Blue'], ['#7c3aed', 'Violet'], ['#db2777', 'Pink'], ['#92400e', 'Brown'],
];

let root = null;
let shownAt = 0;        // which showing is current: a late answer of an earlier one is dropped
let editing = null;     // the label id whose row is being edited (live updates wait for it)
let unsubscribe = null;

const isAdmin = () => state.me?.role === 'admin';

export async function showLabelsSection(view) {
  root = view;
  editing = null;
  const me = ++shownAt;
  if (!unsubscribe) unsubscribe = onLabelsChanged(() => {
    if (!root || root.hidden || !document.body.contains(root.querySelector('.labels-section'))) return;
    if (editing === null) renderRows(); // else after the edit ends (finishEditing)
  });
  clear(view);
  const body = h('div', { class: 'section-body labels-section', 'data-testid': 'labels-section' },
    sectionState('Loading labels…'));
  view.append(sectionHeader('Labels'), body);
  try {
    await loadLabelsOrThrow();
  } catch (e) {
    if (me !== shownAt) return;
    clear(body);
    return body.append(sectionState(`Could not load the labels: ${e.message}`, { error: true, retry: () => showLabelsSection(view) }));
  }
  if (me !== shownAt) return;
  clear(body);
  body.append(
    isAdmin() ? createForm() : h('p', { class: 'notice labels-note', 'data-testid': 'labels-admin-only' },
      'Only admins create, rename and delete labels. Put labels on a conversation with “+ Label” in its header.'),
    h('ul', { class: 'label-rows', 'data-testid': 'label-rows' }),
    h('div', { class: 'labels-empty-slot' }));
  renderRows();
}

async function loadLabelsOrThrow() {
  const data = await labelApi.list();
  // The same catalogue the inbox uses (labels.js), with the counts of this answer.
  labels.byId = new Map((Array.isArray(data?.labels) ? data.labels : []).map((l) => [l.id, l]));
  labels.loaded = true;
}

// ---------------------------------------------------------------- colour choice

let pickerSeq = 0;
// A radio group of the palette plus a custom colour; returns {el, value()}.
function colourPicker(initial) {
  const name = `label-colour-${++pickerSeq}`;
  const known = PALETTE.some(([hex]) => hex === initial);
  const custom = h('input', { type: 'color', class: 'colour-custom', value: known ? '#0f766e' : initial,
    'aria-label': 'Custom colour', 'data-testid': 'label-colour-custom' });
  const customRadio = h('input', { type: 'radio', name, value: 'custom', class: 'visually-hidden', checked: !known,
    'aria-label': 'Custom colour' });
  custom.addEventListener('input', () => { customRadio.checked = true; });
  const swatches = PALETTE.map(([hex, label]) => h('label', { class: 'swatch', title: label },
    h('input', { type: 'radio', name, value: hex, class: 'visually-hidden', checked: hex === initial,
      'data-testid': 'label-colour', 'aria-label': label }),
    swatchDot(hex)));
  const el = h('fieldset', { class: 'colour-picker' }, h('legend', { class: 'visually-hidden' }, 'Colour'),
    swatches, h('label', { class: 'swatch swatch-custom', title: 'Custom colour' }, customRadio, custom));
  return {
    el,
    value: () => {
      const checked = el.querySelector('input[type="radio"]:checked');
      return !checked ? PALETTE[0][0] : checked.value === 'custom' ? custom.value : checked.value;
    },
  };
}

function swatchDot(hex) {
  const dot = h('span', { class: 'swatch-dot', 'aria-hidden': 'true' });
  dot.style.backgroundColor = hex; // CSSOM: the CSP refuses style attributes
  return dot;
}

// ---------------------------------------------------------------- create

function createForm() {
  const input = h('input', { id: 'label-new-name', type: 'text', maxLength: MAX_NAME, required: true,
    autocomplete: 'off', placeholder: 'e.g. Billing', 'data-testid': 'label-new-name' });
  const picker = colourPicker(PALETTE[6][0]);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'label-error' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'label-create' }, 'Create label');
  const form = h('form', { class: 'label-create', 'data-testid': 'label-create-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'label-new-name' }, 'New label'), input),
    picker.el, h('div', { class: 'label-create-actions' }, submit), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) return showError(error, 'Give the label a name.');
    submit.disabled = true;
    try {
      const data = await labelApi.create(name, picker.value());
      if (data?.label) labels.byId.set(data.label.id, { conversations: 0, ...data.label });
      // Typed on meanwhile (the next label already): kept.
      if (input.value.trim() === name) input.value = '';
      error.hidden = true;
      renderRows();
      if (!form.contains(document.activeElement)) input.focus();
    } catch (err) {
      showError(error, err.message);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function showError(el, text) {
  el.textContent = text;
  el.hidden = false;
}

// ---------------------------------------------------------------- rows

function sorted() {
  return [...labels.byId.values()].sort((a, b) =>
    a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id - b.id);
}

function renderRows() {
  const ul = root?.querySelector('.label-rows');
  if (!ul) return;
  const all = sorted();
  ul.replaceChildren(...all.map(row));
  const slot = root.querySelector('.labels-empty-slot');
  clear(slot);
  if (!all.length) {
    slot.append(h('div', { class: 'empty', 'data-testid': 'labels-empty' },
      h('p', null, 'No labels yet.'),
      h('p', { class: 'muted' }, isAdmin()
        ? 'Create labels such as “Billing” or “Bug”; agents put them on conversations and filter the inbox by them.'
        : 'An admin creates them; then you can put them on conversations and filter the inbox by them.')));
  }
}

function countText(n) {
  if (!Number.isFinite(n)) return '';
  return n === 1 ? '1 conversation' : `${n} conversations`;
}

function row(l) {
  const li = h('li', { class: 'label-row', 'data-testid': 'label-row', 'data-label-id': l.id },
    h('div', { class: 'label-row-main' }, labelChip(l),
      h('span', { class: 'muted label-count', 'data-testid': 'label-count' }, countText(l.conversations))));
  if (isAdmin()) {
    li.append(h('div', { class: 'label-row-actions' },
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'label-edit', 'aria-label': `Edit ${l.name}`,
        onclick: () => edit(li, l) }, 'Edit'),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'label-delete', 'aria-label': `Delete ${l.name}`,
        onclick: () => confirmDelete(li, l) }, 'Delete')));
  }
  return li;
}

function finishEditing() {
  const id = editing;
  editing = null;
  renderRows(); // with whatever changed meanwhile
  // The focus goes back to the row's Edit button (or, when the row is gone, the form).
  const next = root?.querySelector(`.label-row[data-label-id="${id}"] [data-testid="label-edit"]`) ||
    root?.querySelector('#label-new-name');
  if (next) next.focus();
}

function edit(li, l) {
  editing = l.id;
  const id = `label-name-${l.id}`;
  const input = h('input', { id, type: 'text', maxLength: MAX_NAME, value: l.name, autocomplete: 'off',
    'data-testid': 'label-edit-name' });
  const picker = colourPicker(l.colour);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'label-edit-error' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'label-save' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'btn btn-sm', onclick: finishEditing }, 'Cancel');
  const form = h('form', { class: 'label-edit', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: id }, 'Name'), input), picker.el,
    h('div', { class: 'label-create-actions' }, save, cancel), error);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); finishEditing(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) return showError(error, 'Give the label a name.');
    save.disabled = true;
    try {
      const data = await labelApi.update(l.id, { name, colour: picker.value() });
      if (data?.label) labels.byId.set(l.id, { ...labels.byId.get(l.id), ...data.label });
      finishEditing();
    } catch (err) {
      save.disabled = false;
      showError(error, err.status === 404 ? 'This label was deleted meanwhile.' : err.message);
    }
  });
  li.replaceChildren(form);
  input.focus();
  input.select();
}

function confirmDelete(li, l) {
  editing = l.id;
  const n = l.conversations;
  const text = Number.isFinite(n) && n > 0
    ? `Delete “${l.name}”? It is taken off ${countText(n)}. This cannot be undone.`
    : `Delete “${l.name}”? This cannot be undone.`;
  const del = h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'label-delete-confirm' }, 'Delete');
  const cancel = h('button', { type: 'button', class: 'btn btn-sm', onclick: finishEditing }, 'Cancel');
  del.addEventListener('click', async () => {
    del.disabled = true;
    try {
      await labelApi.remove(l.id);
      labels.byId.delete(l.id);
    } catch (err) {
      if (err.status !== 404) toast(`Could not delete the label: ${err.message}`);
    }
    finishEditing();
    loadLabels(); // the filter and the header menus follow
  });
  li.replaceChildren(h('div', { class: 'label-confirm', role: 'alertdialog', 'aria-label': 'Delete label' },
    h('p', null, text), h('div', { class: 'label-create-actions' }, del, cancel)));
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); finishEditing(); }
  }, { once: true });
  cancel.focus();
}
