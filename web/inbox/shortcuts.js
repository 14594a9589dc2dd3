// Keyboard shortcuts for the inbox (docs/INBOX.md), listed in a dialog by `?`. Each one does
// what its button or link does by clicking or focusing that element, so the rules (a disabled
// button does nothing, a resolved conversation takes no assignment…) stay in one place.
// Never while typing (inputs, text areas, editable text), with Ctrl/Alt/Meta, or while another
// dialog is open.

import { state } from './state.js';
import { $, h } from './dom.js';

const SHORTCUTS = [
  [['j', '↓'], 'Next conversation in the list'],
  [['k', '↑'], 'Previous conversation'],
  [['a'], 'Assign to me'],
  [['e'], 'Resolve, or reopen'],
  [['r'], 'Write a reply'],
  [['n'], 'Switch between reply and private note'],
  [['/'], 'Search'],
  [['?'], 'Show these shortcuts'],
];

const ACTIONS = {
  j: () => move(1),
  ArrowDown: () => move(1),
  k: () => move(-1),
  ArrowUp: () => move(-1),
  a: () => inConversation() && $('#assign-me').click(),
  e: () => inConversation() && ($('#resolve').hidden ? $('#reopen') : $('#resolve')).click(),
  r: () => inConversation() && focusInput($('#reply-input')),
  n: () => inConversation() && $('#reply-note-toggle')?.click(), // notes: when the inbox has them
  '/': () => focusInput($('#search-input')), // search: when the inbox has it
  '?': () => openHelp(),
};

let dialog = null;
let returnFocus = null;

// A conversation is open in the pane (not a section or the CSAT page in front of it).
const conversationsShown = () => !document.body.classList.contains('in-section') && !document.body.classList.contains('show-csat');
const inConversation = () => state.selectedId != null && conversationsShown() && !$('#pane-conv').hidden;

function typingIn(target) {
  return target instanceof Element &&
    (target.isContentEditable || !!target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])'));
}

// Returns whether it focused something (then the key is not typed into it).
function focusInput(input) {
  if (!input || input.disabled || input.hidden || !input.offsetParent) return false;
  input.focus();
  return true;
}

// Opens the next (1) or previous (-1) conversation of the list, as a click on it would.
function move(step) {
  if (!conversationsShown()) return false;
  const items = [...document.querySelectorAll('#conv-list .conv-item[href]')];
  if (!items.length) return false;
  // The open conversation as the address says: a click on an item changes it at once, while the
  // list marks aria-current when it next renders — j, k, ↓ pressed quickly read a stale mark.
  const openId = location.hash.split('/').pop();
  const at = items.findIndex((a) => a.dataset.conversationId === openId);
  const next = at < 0 ? items[step > 0 ? 0 : items.length - 1] : items[at + step];
  if (!next) return false;
  next.click();
  next.focus({ preventScroll: true }); // the list keeps the keyboard's place
  next.scrollIntoView({ block: 'nearest' });
  return true;
}

function onKeyDown(e) {
  if (!state.me || e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
  // Shift makes letters capitals (not ours) and `?` out of `/`; on some layouts `/` needs it too.
  if (e.shiftKey && e.key.startsWith('Arrow')) return; // Shift+arrows select text
  if (typingIn(e.target) || document.querySelector('dialog[open]')) return;
  const action = Object.hasOwn(ACTIONS, e.key) ? ACTIONS[e.key] : null;
  if (!action) return;
  // false: nothing to do here, so the key keeps its usual meaning (e.g. arrows scroll).
  if (action() !== false) e.preventDefault();
}

function buildHelp() {
  const close = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'shortcuts-close' }, 'Close');
  const keys = (list) => list.flatMap((k, i) => [i ? ' or ' : null, h('kbd', null, k)]);
  const d = h('dialog', { class: 'dialog', id: 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-title', 'data-testid': 'shortcuts-dialog' },
    h('div', { class: 'dialog-form' },
      h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
      h('p', { class: 'muted' }, 'Anywhere in the inbox except while typing.'),
      h('dl', { class: 'shortcut-list', 'data-testid': 'shortcut-list' },
        SHORTCUTS.map(([k, what]) => h('div', { class: 'shortcut' }, h('dt', null, keys(k)), h('dd', null, what)))),
      h('div', { class: 'dialog-actions' }, close)));
  close.addEventListener('click', () => d.close());
  // Tab and Shift+Tab go round the dialog's own controls, never out to the browser's.
  d.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const stops = [...d.querySelectorAll('button, [href], input, [tabindex]:not([tabindex="-1"])')];
    const at = stops.indexOf(document.activeElement);
    e.preventDefault();
    stops[(at + (e.shiftKey ? -1 : 1) + stops.length) % stops.length]?.focus();
  });
  // Esc closes a modal dialog by itself; focus goes back to where it was.
  d.addEventListener('close', () => {
    if (returnFocus?.isConnected) returnFocus.focus();
    returnFocus = null;
  });
  document.body.append(d);
  return d;
}

function openHelp() {
  dialog ||= buildHelp();
  if (dialog.open) return;
  returnFocus = document.activeElement;
  dialog.showModal(); // modal: the page behind is inert
  dialog.querySelector('[data-testid="shortcuts-close"]').focus();
}

document.addEventListener('keydown', onKeyDown);
