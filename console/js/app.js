// @ts-check
import { onUnauthorized, session } from './api.js';
import { h, messageOf } from './dom.js';
import { can, identity, signInWith, signOut } from './identity.js';
import { renderDocuments } from './documents.js';
import { renderSearch } from './search.js';
import { renderChat } from './chat.js';
import { renderAdmin } from './admin.js';

/**
 * A view draws itself into `root` and may return what stops its work when the user leaves it
 * (timers, open streams).
 * @typedef {{ render: (root: HTMLElement) => (() => void) | void, allowed: () => boolean }} Page
 */

// Each view, and whether the signed-in principal may use it. A user token sees only what its
// operations allow; key management and metrics stay with API keys.
/** @type {Record<string, Page>} */
const pages = {
  documents: {
    render: renderDocuments,
    allowed: () => can('documents:read') || can('documents:upload'),
  },
  search: { render: renderSearch, allowed: () => can('search') },
  chat: { render: renderChat, allowed: () => can('chat') },
  admin: { render: renderAdmin, allowed: () => identity()?.kind === 'key' },
};
/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const main = () => byId('main');
/** @type {(() => void) | null} */
let cleanup = null;

/** @param {string} [notice] */
function signIn(notice) {
  byId('nav').hidden = true;
  byId('who').textContent = '';
  const error = h('p', { class: 'error', role: 'alert' }, notice ?? '');
  const input = h('input', {
    id: 'api-key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    size: 60,
  });
  const form = h(
    'form',
    {
      onsubmit: /** @param {SubmitEvent} e */ async (e) => {
        e.preventDefault();
        try {
          await signInWith(input.value.trim());
          location.hash = '#/' + (firstAllowed() ?? 'documents');
          route();
        } catch (err) {
          signOut();
          error.textContent = `Sign-in failed: ${messageOf(err)}`;
        }
      },
    },
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'api-key' }, 'API key or user token', input),
      h('button', { type: 'submit' }, 'Sign in'),
    ),
    error,
  );
  main().replaceChildren(
    h('h1', {}, 'Sign in'),
    h(
      'p',
      { class: 'muted' },
      'Paste an API key (vk_…) or a user token (vut1.…) your application minted for you. ' +
        'It is kept in this tab only (sessionStorage).',
    ),
    form,
  );
  input.focus();
}

const firstAllowed = () => Object.keys(pages).find((name) => pages[name]?.allowed());

/** @param {import('./identity.js').Identity} who */
function describe(who) {
  if (who.kind === 'key') return `API key · ${who.role}`;
  return `user ${who.userId} · until ${new Date(who.expiresAt).toLocaleTimeString()}`;
}

function route() {
  cleanup?.();
  cleanup = null;
  const who = identity();
  if (!session.get() || !who) return signIn();
  const nav = byId('nav');
  nav.hidden = false;
  byId('who').textContent = describe(who);
  document.body.dataset.principal = who.kind;
  /** @type {string | undefined} */
  let name = location.hash.replace(/^#\//, '').split('/')[0] || 'documents';
  if (!pages[name]?.allowed()) name = firstAllowed();
  for (const link of nav.querySelectorAll('a[href^="#/"]')) {
    if (!(link instanceof HTMLElement)) continue;
    const target = (link.getAttribute('href') ?? '').slice(2);
    link.hidden = !pages[target]?.allowed();
    if (target === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const root = h('div');
  main().replaceChildren(root);
  const page = name ? pages[name] : undefined;
  if (!page) {
    root.append(h('p', { class: 'muted' }, 'This token allows none of the console’s views.'));
    return;
  }
  cleanup = page.render(root) ?? null;
}

// An expired token or revoked key ends the session with a reason, not a page of errors.
onUnauthorized((error) => {
  if (!identity()) return;
  signOut();
  cleanup?.();
  cleanup = null;
  location.hash = '';
  signIn(`Signed out: ${error.message}`);
});

window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', () => {
  byId('sign-out').addEventListener('click', () => {
    signOut();
    location.hash = '';
    route();
  });
  route();
});
