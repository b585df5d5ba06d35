import { api, session } from './api.js';
import { h } from './dom.js';
import { renderDocuments } from './documents.js';
import { renderSearch } from './search.js';
import { renderChat } from './chat.js';
import { renderAdmin } from './admin.js';

const pages = {
  documents: renderDocuments,
  search: renderSearch,
  chat: renderChat,
  admin: renderAdmin,
};
const main = () => document.getElementById('main');
let cleanup = null;

function signIn() {
  const nav = document.getElementById('nav');
  nav.hidden = true;
  const error = h('p', { class: 'error', role: 'alert' });
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
      onsubmit: async (e) => {
        e.preventDefault();
        session.set(input.value.trim());
        try {
          await api('GET', '/v1/keys/self');
          location.hash = '#/documents';
          route();
        } catch (err) {
          session.clear();
          error.textContent = `Sign-in failed: ${err.message}`;
        }
      },
    },
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'api-key' }, 'API key', input),
      h('button', { type: 'submit' }, 'Sign in'),
    ),
    error,
  );
  main().replaceChildren(
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Paste an API key. It is kept in this tab only (sessionStorage).'),
    form,
  );
  input.focus();
}

function route() {
  cleanup?.();
  cleanup = null;
  if (!session.get()) return signIn();
  document.getElementById('nav').hidden = false;
  const name = location.hash.replace(/^#\//, '').split('/')[0] || 'documents';
  const render = pages[name] ?? pages.documents;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const root = h('div');
  main().replaceChildren(root);
  cleanup = render(root) ?? null;
}

window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('sign-out').addEventListener('click', () => {
    session.clear();
    location.hash = '';
    route();
  });
  route();
});
