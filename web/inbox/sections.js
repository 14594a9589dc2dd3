// The inbox's other sections, beside the conversations: each takes the list and pane columns
// while shown. A section is one entry below (its name is the hash: #/name or #/name/sub) and
// one `.section-link` with data-section="name" in index.html; show(view, sub) fills the view.

import { $ } from './dom.js';
import { showArticles } from './articles.js';
import { showDeflection } from './deflection.js';
import { showMentions } from './mentions.js';
import { showReplies } from './replies_section.js';
import { showLabelsSection } from './labels_section.js';
import { showTeam } from './team.js';
import { showProfile } from './profile.js';
import { showWidgetSettings } from './widget_settings.js';
import { showRouting } from './routing.js';
import { showHours } from './hours.js';

const SECTIONS = {
  // the help center's articles (#/articles, #/articles/new, #/articles/7)
  articles: (view, sub) => showArticles(view, sub === null || sub === 'new' || /^\d+$/.test(sub) ? sub : null),
  reports: (view) => showDeflection(view), // the bot's deflection
  mentions: (view) => showMentions(view), // notes that @mention me, newest first
  // canned replies (#/replies, #/replies/new, #/replies/7)
  replies: (view, sub) => showReplies(view, sub === null || sub === 'new' || /^\d+$/.test(sub) ? sub : null),
  labels: (view) => showLabelsSection(view), // the team's labels (admins edit them)
  team: (view) => showTeam(view), // admins: invite, disable/enable, roles, password resets
  profile: (view) => showProfile(view), // everyone: display name, notification preferences
  widget: (view) => showWidgetSettings(view), // the chat widget's stored settings (admins edit)
  routing: (view) => showRouting(view), // automatic assignment: mode, capacity, queue
  hours: (view) => showHours(view), // business hours
};

// True when `hash` is a section's: it is shown, and the conversation views are hidden.
export function routeSection(hash) {
  const m = /^#\/([a-z-]+)(?:\/([\w-]+))?$/.exec(hash);
  const show = m && Object.hasOwn(SECTIONS, m[1]) ? SECTIONS[m[1]] : null;
  document.body.classList.toggle('in-section', !!show);
  for (const a of document.querySelectorAll('.section-link')) {
    if (show && a.dataset.section === m[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // The conversation views are not current while a section is (inbox.js marks them again).
  if (show) for (const a of document.querySelectorAll('.view-link[data-view]')) a.removeAttribute('aria-current');
  const view = $('#section-view');
  view.hidden = !show;
  if (!show) return false;
  show(view, m[2] || null);
  return true;
}
