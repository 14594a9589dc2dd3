// The parts every inbox section page (sections.js) is built of: its header with a title and
// actions, and the line that says it is loading, empty, or failed (with a way to try again).

import { h } from './dom.js';

export function sectionHeader(title, ...actions) {
  return h('header', { class: 'section-head' }, h('h1', { class: 'list-title' }, title),
    h('div', { class: 'section-actions' }, actions));
}

// A failure is announced (role alert) and shown as an error; anything else is a quiet status.
export function sectionState(text, { error = false, retry = null, testid = null } = {}) {
  return h('div', { class: error ? 'section-state' : 'section-state muted', role: error ? 'alert' : 'status', 'data-testid': testid },
    h('p', { class: error ? 'form-error' : null }, text),
    retry ? h('button', { type: 'button', class: 'btn btn-sm', onclick: retry }, 'Try again') : null);
}
