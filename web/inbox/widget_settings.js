// The Widget section (#/widget): the chat widget's colour, launcher position, team name and
// greeting, stored on the server and read by every embedded widget on its next page load
// (options in the page's SupportChat.init still win). Admins edit them; agents see them.
// A live preview shows the launcher and the chat window's top as visitors will see them.
// API: GET/PUT /api/settings/widget (docs/PROTOCOL.md).

import { request } from './api.js';
import { h, clear, formatTime } from './dom.js';
import { sectionHeader, sectionState } from './section_parts.js';

const LIMITS = { title: 60, greeting: 200 };
const HEX = /^#[0-9a-f]{6}$/i;
let shown = 0; // the latest showWidgetSettings call: a late answer for an earlier one is dropped

// What is wrong with `values`, field by field (the server checks the same).
function problems(v) {
  const out = {};
  if (!HEX.test(v.color)) out.color = 'Write the colour as # and six hex digits, e.g. #2f5bea.';
  for (const [k, label] of [['title', 'The team name'], ['greeting', 'The greeting']]) {
    const n = [...v[k].trim()].length;
    if (!n) out[k] = `${label} cannot be empty.`;
    else if (n > LIMITS[k]) out[k] = `${label} is ${n} characters; at most ${LIMITS[k]}.`;
  }
  return out;
}

export async function showWidgetSettings(root) {
  const me = ++shown;
  clear(root);
  const body = h('div', { class: 'section-body' },
    sectionState('Loading the widget settings…'));
  root.append(sectionHeader('Chat widget'), body);
  let data;
  try {
    data = await request('GET', '/api/settings/widget');
  } catch (e) {
    if (me !== shown) return;
    clear(body);
    return body.append(sectionState(`Could not load the widget settings: ${e.message}`, { error: true, retry: () => showWidgetSettings(root) }));
  }
  if (me !== shown) return;
  clear(root);
  renderForm(root, data.settings);
}

function renderForm(root, saved) {
  const editable = saved.editable === true;
  // `input` is the field's text input (described by its hint and error); `control` what is shown.
  const field = (input, label, hint, control = input) => {
    const id = input.id;
    const error = h('p', { class: 'field-error', id: `${id}-error`, 'data-testid': `${id}-error`, hidden: true });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    return { input, error, el: h('div', { class: 'field' }, h('label', { for: id }, label), control,
      h('p', { class: 'field-hint muted', id: `${id}-hint` }, hint), error) };
  };
  const colorText = h('input', { id: 'wset-color', type: 'text', maxLength: 7, autocomplete: 'off',
    'data-testid': 'wset-color', disabled: !editable });
  colorText.spellcheck = false; // h() skips false values
  const colorPick = h('input', { type: 'color', class: 'wset-swatch', 'aria-label': 'Pick the colour',
    'data-testid': 'wset-color-picker', disabled: !editable });
  const title = h('input', { id: 'wset-title', type: 'text', maxLength: LIMITS.title + 20, 'data-testid': 'wset-title', disabled: !editable });
  const greeting = h('input', { id: 'wset-greeting', type: 'text', maxLength: LIMITS.greeting + 20, 'data-testid': 'wset-greeting', disabled: !editable });
  const sides = ['right', 'left'].map((side) => h('input', { type: 'radio', name: 'wset-position', value: side,
    id: `wset-position-${side}`, 'data-testid': `wset-position-${side}`, disabled: !editable }));

  const f = {
    color: field(colorText, 'Colour', 'The launcher, the chat header and the visitor’s messages.',
      h('div', { class: 'wset-color-row' }, colorPick, colorText)),
    title: field(title, 'Team name', `Shown in the chat header, its first letter in the badge. At most ${LIMITS.title} characters.`),
    greeting: field(greeting, 'Greeting', `The first line of the chat window. At most ${LIMITS.greeting} characters.`),
  };

  const position = h('fieldset', { class: 'field wset-position' }, h('legend', null, 'Launcher position'),
    h('div', { class: 'wset-radios' }, sides.map((r, i) => h('label', { for: r.id, class: 'wset-radio' }, r, i ? 'Bottom left' : 'Bottom right'))));

  const status = h('p', { class: 'muted wset-status', role: 'status', 'data-testid': 'wset-status' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'wset-error' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'wset-save', hidden: !editable }, 'Save');
  save.setAttribute('form', 'wset-form'); // in the header, outside the form it submits
  const reset = h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'wset-reset', hidden: !editable }, 'Discard changes');

  // The preview: a launcher and the top of the chat window, drawn with the values as typed.
  const pvAvatar = h('span', { class: 'wpv-avatar', 'aria-hidden': 'true' });
  const pvTitle = h('span', { class: 'wpv-title', 'data-testid': 'wset-preview-title' });
  const pvGreeting = h('p', { class: 'wpv-greeting', 'data-testid': 'wset-preview-greeting' });
  // The launcher's speech bubble, as widget.js draws it (SVG needs its namespace).
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M21 12a8 8 0 0 1-12 7l-5 1 1-5a8 8 0 1 1 16-3z');
  svg.append(path);
  const preview = h('div', { class: 'wpv', 'data-testid': 'wset-preview' },
    h('div', { class: 'wpv-window' }, h('div', { class: 'wpv-head' }, pvAvatar, pvTitle), h('div', { class: 'wpv-body' }, pvGreeting)),
    h('span', { class: 'wpv-launcher', 'data-testid': 'wset-preview-launcher' }, svg));

  const form = h('form', { id: 'wset-form', class: 'wset', novalidate: true, 'data-testid': 'wset-form' },
    h('div', { class: 'wset-fields' },
      editable ? null : h('p', { class: 'notice', 'data-testid': 'wset-readonly' }, 'Only an admin can change the widget settings.'),
      f.color.el, position, f.title.el, f.greeting.el,
      h('p', { class: 'muted wset-note' }, 'Every page with the widget uses these on its next load. Options in a page’s ',
        h('code', null, 'SupportChat.init'), ' (color, position, title, greeting) still win on that page.')),
    h('div', { class: 'wset-side' }, h('strong', { class: 'wset-side-title' }, 'Preview'), preview));
  root.append(sectionHeader('Chat widget', status, reset, save), error, form);

  let stored = saved;
  const values = () => ({
    color: colorText.value.trim(),
    position: sides.find((r) => r.checked)?.value || 'right',
    title: title.value,
    greeting: greeting.value,
  });
  const fill = (s) => {
    colorText.value = s.color;
    colorPick.value = s.color;
    title.value = s.title;
    greeting.value = s.greeting;
    for (const r of sides) r.checked = r.value === s.position;
  };
  const dirty = () => {
    const v = values();
    return v.color.toLowerCase() !== stored.color || v.position !== stored.position ||
      v.title.trim() !== stored.title || v.greeting.trim() !== stored.greeting;
  };
  const savedLine = () => stored.updatedBy
    ? `Saved · ${stored.updatedBy}, ${formatTime(stored.updatedAt, { relative: true })}`
    : 'The defaults; not changed yet.';
  let saving = false;
  const render = ({ showErrors = false } = {}) => {
    const v = values();
    const bad = problems(v);
    for (const k of Object.keys(f)) {
      // An error shows once the field was left or a save was tried, and goes as soon as it is fixed.
      const show = !!bad[k] && (showErrors || f[k].touched);
      f[k].error.textContent = show ? bad[k] : '';
      f[k].error.hidden = !show;
      f[k].input.setAttribute('aria-invalid', show ? 'true' : 'false');
    }
    const color = HEX.test(v.color) ? v.color : stored.color;
    preview.style.setProperty('--wpv-color', color); // CSSOM: the inbox's CSP allows no style attributes
    preview.classList.toggle('wpv-left', v.position === 'left');
    const name = v.title.trim() || stored.title;
    pvTitle.textContent = name;
    pvAvatar.textContent = [...name][0].toUpperCase();
    pvGreeting.textContent = v.greeting.trim() || stored.greeting;
    const changed = editable && dirty();
    status.textContent = saving ? 'Saving…' : changed ? 'Unsaved changes' : savedLine();
    status.classList.toggle('wset-unsaved', changed && !saving);
    save.disabled = saving || !changed;
    reset.disabled = saving || !changed;
    return bad;
  };

  colorPick.addEventListener('input', () => { colorText.value = colorPick.value; render(); });
  colorText.addEventListener('input', () => {
    if (HEX.test(colorText.value.trim())) colorPick.value = colorText.value.trim().toLowerCase();
    render();
  });
  for (const k of Object.keys(f)) {
    f[k].input.addEventListener('input', () => render());
    f[k].input.addEventListener('blur', () => { f[k].touched = true; render(); });
  }
  for (const r of sides) r.addEventListener('change', () => render());
  reset.addEventListener('click', () => {
    fill(stored);
    for (const k of Object.keys(f)) f[k].touched = false;
    error.hidden = true;
    render();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!editable || saving) return;
    error.hidden = true;
    const bad = render({ showErrors: true });
    const first = Object.keys(f).find((k) => bad[k]);
    if (first) return f[first].input.focus();
    saving = true;
    render();
    const v = values();
    try {
      const data = await request('PUT', '/api/settings/widget',
        { color: v.color.toLowerCase(), position: v.position, title: v.title.trim(), greeting: v.greeting.trim() });
      stored = data.settings;
      fill(stored);
    } catch (err) {
      error.textContent = `Not saved: ${err.message}`;
      error.hidden = false;
    } finally {
      saving = false;
      render();
    }
  });

  fill(stored);
  render();
}
