// The inbox's other sections, beside the conversations: #/articles (the help center's articles)
// and #/reports (the bot's deflection). Each takes the list and pane columns while shown.

import { $ } from './dom.js';
import { showArticles } from './articles.js';
import { showDeflection } from './deflection.js';

// True when `hash` is a section's: it is shown, and the conversation views are hidden.
export function routeSection(hash) {
  const m = /^#\/(articles|reports)(?:\/(new|\d+))?$/.exec(hash);
  document.body.classList.toggle('in-section', !!m);
  for (const a of document.querySelectorAll('.section-link')) {
    if (m && a.dataset.section === m[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // The conversation views are not current while a section is (inbox.js marks them again).
  if (m) for (const a of document.querySelectorAll('.view-link[data-view]')) a.removeAttribute('aria-current');
  const view = $('#section-view');
  view.hidden = !m;
  if (!m) return false;
  if (m[1] === 'articles') showArticles(view, m[2] || null);
  else showDeflection(view);
  return true;
}
