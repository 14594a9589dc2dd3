// The Articles section (#/articles, #/articles/new, #/articles/:id): the help center's articles,
// listed with their status, and an editor with a live preview. The preview is the server's
// HTML (libcmark in safe mode: raw HTML and javascript: links dropped), shown in a sandboxed
// frame without scripts as a second fence. API: docs/HELP_CENTER.md.

import { request } from './api.js';
import { h, clear, formatTime, toast } from './dom.js';
import { sectionHeader as header, sectionState } from './section_parts.js';

const PREVIEW_DELAY = 300;
let shown = null; // what the section shows now: 'list' | 'new' | id, so a late answer is dropped

const STATUS = { draft: 'Draft', published: 'Published' };

export function showArticles(root, sub) {
  shown = sub ?? 'list';
  if (sub === null) return showList(root);
  return showEditor(root, sub === 'new' ? null : Number(sub));
}

async function showList(root) {
  clear(root);
  const me = shown;
  const body = h('div', { class: 'section-body' }, sectionState('Loading articles…'));
  root.append(header('Articles', h('a', { class: 'btn btn-primary btn-sm', href: '#/articles/new', 'data-testid': 'article-new' },
    'New article')), body);
  let data;
  try {
    data = await request('GET', '/api/articles');
  } catch (e) {
    if (me !== shown) return;
    clear(body);
    return body.append(sectionState(`Could not load the articles: ${e.message}`, { error: true, retry: () => showList(root) }));
  }
  if (me !== shown) return;
  clear(body);
  const articles = Array.isArray(data?.articles) ? data.articles : [];
  if (!articles.length) {
    return body.append(h('div', { class: 'empty', 'data-testid': 'articles-empty' },
      h('p', null, 'No articles yet.'),
      h('p', { class: 'muted' }, 'Published articles are suggested in the chat widget while visitors type, and the bot answers with them.')));
  }
  body.append(h('ul', { class: 'article-list', 'data-testid': 'article-list' }, articles.map((a) =>
    h('li', null, h('a', { class: 'article-item', href: `#/articles/${a.id}`, 'data-testid': 'article-item', 'data-slug': a.slug },
      h('span', { class: 'article-title' }, a.title || '(untitled)'),
      h('span', { class: 'article-meta' },
        h('span', { class: `chip chip-${a.status === 'published' ? 'resolved' : 'assigned'}`, 'data-testid': 'article-status' },
          STATUS[a.status] || a.status),
        a.collection ? h('span', { class: 'muted' }, a.collection) : null,
        h('span', { class: 'muted' }, `Updated ${formatTime(a.updatedAt, { relative: true })}`)))))));
}

async function showEditor(root, id) {
  clear(root);
  const me = shown;
  const title = h('input', { id: 'article-title', type: 'text', maxLength: 200, required: true, 'data-testid': 'article-title' });
  const collection = h('input', { id: 'article-collection', type: 'text', maxLength: 80, 'data-testid': 'article-collection',
    placeholder: 'e.g. Account' });
  const bodyInput = h('textarea', { id: 'article-body', rows: 16, 'data-testid': 'article-body',
    placeholder: 'Write in Markdown: # headings, **bold**, [links](https://…), lists…' });
  const preview = h('iframe', { class: 'article-preview', title: 'Preview', sandbox: '', 'data-testid': 'article-preview' });
  const previewState = h('p', { class: 'muted preview-state', 'aria-live': 'polite' }, '');
  const info = h('p', { class: 'muted article-info', 'data-testid': 'article-info' }, '');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'article-error' });
  const save = h('button', { type: 'submit', class: 'btn btn-sm', 'data-testid': 'article-save' }, 'Save draft');
  const publish = h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-testid': 'article-publish' }, 'Publish');
  const del = h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'article-delete', hidden: id === null }, 'Delete');
  let article = null;

  const form = h('form', { class: 'article-editor', 'data-testid': 'article-editor', novalidate: true },
    h('div', { class: 'article-fields' },
      h('div', { class: 'field' }, h('label', { for: 'article-title' }, 'Title'), title),
      h('div', { class: 'field' }, h('label', { for: 'article-collection' }, 'Collection (optional)'), collection),
      h('div', { class: 'field field-grow' }, h('label', { for: 'article-body' }, 'Body (Markdown)'), bodyInput)),
    h('div', { class: 'article-side' }, h('div', { class: 'preview-head' }, h('strong', null, 'Preview'), previewState), preview));
  root.append(header(id === null ? 'New article' : 'Edit article',
    h('a', { class: 'btn btn-ghost btn-sm', href: '#/articles' }, '← Articles'), del, save, publish), info, error, form);

  const render = () => {
    info.textContent = article
      ? `${STATUS[article.status] || article.status} · updated ${formatTime(article.updatedAt, { relative: true })}`
        + (article.status === 'published' ? ` · /help/articles/${article.slug}` : '')
      : 'Not saved yet.';
    publish.textContent = article?.status === 'published' ? 'Unpublish' : 'Publish';
  };
  const showError = (text) => { error.textContent = text; error.hidden = !text; };

  let timer = 0, asked = 0;
  const refreshPreview = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const n = ++asked;
      previewState.textContent = 'Updating…';
      try {
        const { html } = await request('POST', '/api/articles/preview', { body: bodyInput.value });
        if (n !== asked) return;
        // A document of its own, no scripts (sandbox=""): whatever the HTML holds stays inert.
        preview.srcdoc = `<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/inbox/preview.css">${String(html || '')}`;
        previewState.textContent = '';
      } catch (e) {
        if (n === asked) previewState.textContent = `Preview unavailable: ${e.message}`;
      }
    }, PREVIEW_DELAY);
  };
  bodyInput.addEventListener('input', refreshPreview);

  const store = async (status) => {
    showError('');
    if (!title.value.trim()) { showError('Give the article a title.'); return title.focus(); }
    const payload = { title: title.value.trim(), collection: collection.value.trim(), body: bodyInput.value, status };
    for (const b of [save, publish, del]) b.disabled = true;
    try {
      const data = article
        ? await request('PUT', `/api/articles/${article.id}`, payload)
        : await request('POST', '/api/articles', payload);
      article = data.article;
      render();
      toast(status === 'published' ? 'Published.' : 'Saved.', 'info', 3000);
      if (id === null && me === shown) location.hash = `#/articles/${article.id}`;
    } catch (e) {
      showError(e.message);
    } finally {
      for (const b of [save, publish, del]) b.disabled = false;
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); store(article?.status === 'published' ? 'published' : 'draft'); });
  save.addEventListener('click', (e) => { e.preventDefault(); store(article?.status === 'published' ? 'published' : 'draft'); });
  publish.addEventListener('click', () => store(article?.status === 'published' ? 'draft' : 'published'));
  del.addEventListener('click', () => confirmDelete(article));

  if (id === null) {
    render();
    refreshPreview();
    return title.focus();
  }
  info.textContent = 'Loading…';
  for (const b of [save, publish, del]) b.disabled = true;
  try {
    article = (await request('GET', `/api/articles/${id}`)).article;
  } catch (e) {
    if (me !== shown) return;
    info.textContent = '';
    return showError(e.status === 404 ? 'This article does not exist (any more).' : `Could not load the article: ${e.message}`);
  }
  if (me !== shown) return;
  for (const b of [save, publish, del]) b.disabled = false;
  title.value = article.title || '';
  collection.value = article.collection || '';
  bodyInput.value = article.body || '';
  render();
  refreshPreview();
}

function confirmDelete(article) {
  if (!article) return;
  const dialog = document.getElementById('article-delete-dialog');
  dialog.querySelector('[data-title]').textContent = `“${article.title}” will be removed from the help center. This cannot be undone.`;
  dialog.returnValue = '';
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'delete') return;
    try {
      await request('DELETE', `/api/articles/${article.id}`);
      toast('Article deleted.', 'info', 3000);
      location.hash = '#/articles';
    } catch (e) {
      toast(`Could not delete: ${e.message}`);
    }
  };
  dialog.showModal();
}
