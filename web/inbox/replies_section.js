// The Canned replies section (#/replies, #/replies/new, #/replies/:id): the team's replies and
// the agent's own, with an editor. Team replies are changed by admins only, personal ones by
// their owner only (the server decides; the page hides what would be refused). docs/INBOX.md.

import { request } from './api.js';
import { h, clear, formatTime, toast } from './dom.js';
import { invalidateCanned } from './canned.js';
import { sectionHeader as header, sectionState } from './section_parts.js';

const LIMITS = { shortcut: 32, title: 80, body: 4000 };
const PLACEHOLDERS = ['{{visitor.name|there}}', '{{visitor.first_name|there}}', '{{visitor.email}}', '{{agent.name}}'];
let shown = null; // 'list' | 'new' | id: an answer for a page no longer shown is dropped

export function showReplies(root, sub) {
  shown = sub ?? 'list';
  if (sub === null) return showList(root);
  return showEditor(root, sub === 'new' ? null : Number(sub));
}

function times(n) {
  return n === 1 ? 'once' : `${n} times`;
}

function uses(r) {
  if (r.scope === 'personal') return r.myUses ? `used ${times(r.myUses)}` : 'not used yet';
  if (!r.totalUses) return 'not used yet';
  return `used ${times(r.totalUses)} by the team${r.myUses ? `, ${times(r.myUses)} by you` : ''}`;
}

function replyItem(r) {
  return h('li', null, h('a', { class: 'canned-item', href: `#/replies/${r.id}`, 'data-testid': 'canned-item', 'data-shortcut': r.shortcut },
    h('span', { class: 'canned-item-head' },
      h('span', { class: 'canned-shortcut' }, `/${r.shortcut}`),
      h('span', { class: 'canned-item-title' }, r.title)),
    h('span', { class: 'canned-item-body' }, r.body),
    h('span', { class: 'article-meta muted' }, uses(r),
      r.canManage ? null : h('span', { class: 'chip' }, 'Admins edit'))));
}

function group(title, list, emptyText, testid) {
  return h('section', { class: 'canned-group', 'data-testid': testid },
    h('h2', { class: 'canned-group-title' }, title, h('span', { class: 'count' }, String(list.length))),
    list.length ? h('ul', { class: 'canned-list' }, list.map(replyItem)) : h('p', { class: 'empty canned-group-empty' }, emptyText));
}

async function showList(root) {
  clear(root);
  const me = shown;
  const body = h('div', { class: 'section-body' }, sectionState('Loading canned replies…', { testid: 'canned-list-loading' }));
  root.append(header('Canned replies',
    h('a', { class: 'btn btn-primary btn-sm', href: '#/replies/new', 'data-testid': 'canned-new' }, 'New reply')), body);
  let data;
  try {
    data = await request('GET', '/api/canned-replies');
  } catch (e) {
    if (me !== shown) return;
    clear(body);
    return body.append(sectionState(`Could not load the canned replies: ${e.message}`, { error: true, retry: () => showList(root), testid: 'canned-list-error' }));
  }
  if (me !== shown) return;
  clear(body);
  const replies = Array.isArray(data?.replies) ? data.replies : [];
  const tip = h('p', { class: 'canned-tip muted' }, 'Type / in a reply to insert one. Most used first.');
  if (!replies.length) {
    return body.append(h('div', { class: 'empty', 'data-testid': 'canned-list-empty' },
      h('p', null, 'No canned replies yet.'),
      h('p', { class: 'muted' }, 'Save the answers you give often, then type / and their shortcut in a reply. '
        + 'Placeholders such as {{visitor.name|there}} are filled in for each visitor.')));
  }
  body.append(tip,
    group('Team', replies.filter((r) => r.scope === 'team'),
      data.canManageTeam ? 'No team replies yet.' : 'No team replies yet. Admins add them.', 'canned-team'),
    group('Mine', replies.filter((r) => r.scope === 'personal'), 'You have no replies of your own yet.', 'canned-mine'));
}

function counter(input, max) {
  const el = h('span', { class: 'canned-counter muted', 'aria-live': 'polite' });
  const update = () => {
    const n = [...input.value].length;
    el.textContent = `${n} / ${max}`;
    el.classList.toggle('is-over', n > max);
  };
  input.addEventListener('input', update);
  update();
  return el;
}

async function showEditor(root, id) {
  clear(root);
  const me = shown;
  const scope = h('select', { id: 'canned-scope', 'data-testid': 'canned-scope' },
    h('option', { value: 'personal' }, 'Mine (only I see it)'), h('option', { value: 'team' }, 'Team (every agent sees it)'));
  const scopeNote = h('p', { class: 'muted canned-note' }, '');
  const shortcut = h('input', { id: 'canned-shortcut', type: 'text', maxLength: LIMITS.shortcut + 1, required: true,
    autocomplete: 'off', spellcheck: false, placeholder: 'e.g. refund', 'data-testid': 'canned-shortcut' });
  const title = h('input', { id: 'canned-title', type: 'text', maxLength: LIMITS.title, required: true,
    placeholder: 'e.g. Refund policy', 'data-testid': 'canned-title' });
  const body = h('textarea', { id: 'canned-body', rows: 8, required: true, 'data-testid': 'canned-body',
    placeholder: 'Hi {{visitor.name|there}}, …' });
  const chips = h('div', { class: 'canned-chips', role: 'group', 'aria-label': 'Insert a placeholder' },
    PLACEHOLDERS.map((p) => h('button', { type: 'button', class: 'btn btn-sm canned-chip', onclick: () => insertAtCaret(body, p) }, p)));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'canned-error' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', 'data-testid': 'canned-save' }, 'Save');
  const del = h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'canned-delete', hidden: id === null }, 'Delete');
  const info = h('p', { class: 'muted article-info', 'data-testid': 'canned-info' }, '');
  let reply = null;

  const form = h('form', { class: 'canned-editor', 'data-testid': 'canned-editor', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'canned-scope' }, 'Who sees it'), scope, scopeNote),
    h('div', { class: 'field' }, h('label', { for: 'canned-shortcut' }, 'Shortcut'),
      h('div', { class: 'canned-shortcut-input' }, h('span', { 'aria-hidden': 'true' }, '/'), shortcut),
      h('span', { class: 'muted canned-note' }, 'Letters a–z, digits, - and _; up to 32.')),
    h('div', { class: 'field' }, h('span', { class: 'canned-label-row' }, h('label', { for: 'canned-title' }, 'Title'), counter(title, LIMITS.title)), title),
    h('div', { class: 'field' }, h('span', { class: 'canned-label-row' }, h('label', { for: 'canned-body' }, 'Text'), counter(body, LIMITS.body)),
      body, chips,
      h('span', { class: 'muted canned-note' }, 'Filled in when inserted; {{name|fallback}} uses the fallback when the visitor has no name. '
        + 'An unknown {{placeholder}} stays as written.')),
    error,
    h('div', { class: 'dialog-actions canned-actions' }, del, save));
  root.append(header(id === null ? 'New canned reply' : 'Edit canned reply',
    h('a', { class: 'btn btn-ghost btn-sm', href: '#/replies' }, '← Canned replies')), info, form);

  const showError = (text) => { error.textContent = text; error.hidden = !text; };
  const setBusy = (on) => { for (const el of [save, del, scope, shortcut, title, body]) el.disabled = on; };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError('');
    const payload = { shortcut: shortcut.value.trim().replace(/^\//, ''), title: title.value.trim(), body: body.value };
    if (!payload.shortcut) { showError('Give the reply a shortcut.'); return shortcut.focus(); }
    if (!/^[a-z0-9_-]+$/i.test(payload.shortcut)) { showError('A shortcut has only letters a–z, digits, - and _.'); return shortcut.focus(); }
    if (!payload.title) { showError('Give the reply a title.'); return title.focus(); }
    if (!payload.body.trim()) { showError('Write the reply’s text.'); return body.focus(); }
    setBusy(true);
    try {
      const data = reply
        ? await request('PUT', `/api/canned-replies/${reply.id}`, payload)
        : await request('POST', '/api/canned-replies', { ...payload, scope: scope.value });
      invalidateCanned();
      toast('Saved.', 'info', 3000);
      if (me === shown) location.hash = '#/replies';
      reply = data.reply;
    } catch (err) {
      showError(err.message);
    } finally {
      setBusy(false);
      if (reply) scope.disabled = true;
    }
  });
  del.addEventListener('click', () => confirmDelete(reply));

  // Only admins add team replies: the choice is offered to them alone.
  let canManageTeam = false;
  if (id === null) {
    info.textContent = 'Not saved yet.';
    setBusy(true);
    try {
      canManageTeam = !!(await request('GET', '/api/canned-replies')).canManageTeam;
    } catch { /* the server refuses a team reply anyway */ }
    if (me !== shown) return;
    setBusy(false);
    scope.querySelector('option[value="team"]').disabled = !canManageTeam;
    scopeNote.textContent = canManageTeam ? '' : 'Only admins add team replies.';
    return shortcut.focus();
  }
  info.textContent = 'Loading…';
  setBusy(true);
  let data;
  try {
    data = await request('GET', '/api/canned-replies');
  } catch (e) {
    if (me !== shown) return;
    info.textContent = '';
    return showError(`Could not load the reply: ${e.message}`);
  }
  if (me !== shown) return;
  reply = (data.replies || []).find((r) => r.id === id) || null;
  if (!reply) {
    info.textContent = '';
    form.hidden = true;
    return showErrorOutside(root, 'This canned reply does not exist (any more).');
  }
  setBusy(false);
  scope.value = reply.scope;
  scope.disabled = true;
  shortcut.value = reply.shortcut;
  title.value = reply.title;
  body.value = reply.body;
  for (const el of [title, body]) el.dispatchEvent(new Event('input'));
  info.textContent = `${reply.scope === 'team' ? 'Team reply' : 'Your reply'} · ${uses(reply)} · updated ${formatTime(reply.updatedAt, { relative: true })}`;
  if (!reply.canManage) {
    for (const el of [save, del, shortcut, title, body]) el.disabled = true;
    chips.hidden = true;
    scopeNote.textContent = 'Only admins change team replies.';
  }
}

function showErrorOutside(root, text) {
  root.append(sectionState(text, { error: true, testid: 'canned-missing' }));
}

function insertAtCaret(textarea, text) {
  const { selectionStart: s, selectionEnd: e, value } = textarea;
  textarea.value = value.slice(0, s) + text + value.slice(e);
  textarea.focus();
  textarea.setSelectionRange(s + text.length, s + text.length);
  textarea.dispatchEvent(new Event('input'));
}

let dialog = null;

// The confirmation is a <dialog> of this section's own, made on first use.
function confirmDelete(reply) {
  if (!reply) return;
  if (!dialog) {
    dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'canned-delete-title', 'data-testid': 'canned-delete-dialog' },
      h('form', { method: 'dialog', class: 'dialog-form' },
        h('h2', { id: 'canned-delete-title' }, 'Delete this canned reply?'),
        h('p', { 'data-text': '' }),
        h('div', { class: 'dialog-actions' },
          h('button', { value: 'cancel', class: 'btn btn-ghost' }, 'Cancel'),
          h('button', { value: 'delete', class: 'btn btn-danger', 'data-testid': 'canned-delete-confirm' }, 'Delete'))));
    document.body.append(dialog);
  }
  dialog.querySelector('[data-text]').textContent = reply.scope === 'team'
    ? `/${reply.shortcut} will be gone for the whole team. This cannot be undone.`
    : `/${reply.shortcut} will be gone. This cannot be undone.`;
  dialog.returnValue = '';
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'delete') return;
    try {
      await request('DELETE', `/api/canned-replies/${reply.id}`);
      invalidateCanned();
      toast('Canned reply deleted.', 'info', 3000);
      location.hash = '#/replies';
    } catch (e) {
      toast(`Could not delete: ${e.message}`);
    }
  };
  dialog.showModal();
}
