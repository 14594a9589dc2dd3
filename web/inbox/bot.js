// The FAQ bot in the inbox (docs/BOT.md): its state on a conversation, its turn in the thread.
// Conversation documents carry `bot` (null | pending | waiting | resolved | handed | quiet);
// the bot's message carries `articles` ([{slug, title, url, snippet}]).

import { h } from './dom.js';

// While the bot holds a conversation the team is not alerted (the visitor may not need anyone),
// unless a person has taken it meanwhile.
export const botHolds = (c) => (c?.bot === 'pending' || c?.bot === 'waiting') && !c.assignedTo;

// A label that replaces the status chip when the bot's part says more than the status.
export function botStatusLabel(c) {
  if (!c) return '';
  if (c.status === 'RESOLVED' && c.bot === 'resolved') return 'Resolved by bot';
  if (c.status !== 'RESOLVED' && c.bot === 'waiting') return 'Bot answered';
  return '';
}

const CHOICE = {
  pending: 'The bot is looking for articles…',
  waiting: 'Waiting for the visitor: “That answered my question” or “Talk to a person”.',
  resolved: 'The visitor chose “That answered my question”: resolved by the bot.',
  handed: 'The visitor asked for a person (or wrote again).',
};

// The bot's articles and what the visitor made of them, under the bot's message.
export function botTurn(m, c) {
  if (!Array.isArray(m.articles)) return null;
  const list = h('ul', { class: 'bot-articles', 'data-testid': 'bot-articles' },
    m.articles.slice(0, 3).map((a) => h('li', null,
      h('a', { href: `/help/articles/${encodeURIComponent(String(a.slug || ''))}`, target: '_blank', rel: 'noopener' },
        String(a.title || a.slug || 'Article')))));
  const choice = CHOICE[c?.bot] || '';
  return h('div', { class: 'bot-turn' }, list,
    choice ? h('p', { class: `bot-choice bot-${c.bot}`, 'data-testid': 'bot-choice' }, choice) : null);
}
