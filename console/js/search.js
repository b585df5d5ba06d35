// @ts-check
import { api } from './api.js';
import { h, messageOf, safeSnippet } from './dom.js';

/** @typedef {import('../../src/client/types').SearchRequest} SearchRequest */
/** @typedef {import('../../src/client/types').SearchResponse} SearchResponse */

/** @param {HTMLElement} root */
export function renderSearch(root) {
  const query = h('input', { id: 'search-q', type: 'search', required: true, size: 50 });
  const mode = h(
    'select',
    { id: 'search-mode' },
    ['hybrid', 'keyword', 'semantic'].map((m) => h('option', { value: m }, m)),
  );
  const fusion = h(
    'select',
    { id: 'search-fusion' },
    h('option', { value: 'rrf' }, 'RRF'),
    h('option', { value: 'convex' }, 'convex'),
  );
  const topK = h('input', { id: 'search-topk', type: 'number', min: 1, max: 100, value: 10 });
  const rerank = h('input', { id: 'search-rerank', type: 'checkbox' });
  const results = h('section', { id: 'search-results', 'aria-live': 'polite' });

  /** @param {SubmitEvent} e */
  async function run(e) {
    e.preventDefault();
    results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
    /** @type {SearchRequest} */
    const body = {
      query: query.value,
      mode: /** @type {SearchRequest['mode']} */ (mode.value),
      topK: Number(topK.value) || 10,
      rerank: rerank.checked,
      highlight: true,
    };
    if (mode.value === 'hybrid')
      body.fusion =
        fusion.value === 'rrf' ? { method: 'rrf', k: 60 } : { method: 'convex', alpha: 0.5 };
    try {
      // A search only reads, so it may be sent again after a 429/5xx.
      /** @type {SearchResponse} */
      const res = await api('POST', '/v1/search', body, { safe: true });
      results.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          `${res.results.length} results in ${res.took_ms} ms (cache ${res.cache})`,
        ),
        ...res.results.map((hit) =>
          h(
            'article',
            { class: 'hit' },
            h('h2', {}, hit.title),
            h(
              'p',
              { class: 'meta' },
              `score ${hit.score.toFixed(4)} · ` +
                Object.entries(hit.scores)
                  .map(([k, v]) => `${k} ${Number(v).toFixed(4)}`)
                  .join(' · ') +
                (hit.headingPath.length ? ` · ${hit.headingPath.join(' › ')}` : ''),
            ),
            h(
              'p',
              { class: 'snippet', html: hit.snippet ? safeSnippet(hit.snippet.html) : '' },
              hit.snippet ? null : hit.text.slice(0, 300),
            ),
          ),
        ),
      );
    } catch (err) {
      results.replaceChildren(h('p', { class: 'error', role: 'alert' }, messageOf(err)));
    }
  }

  root.append(
    h('h1', {}, 'Search playground'),
    h(
      'form',
      { class: 'row', onsubmit: run },
      h('label', { for: 'search-q' }, 'Query', query),
      h('label', { for: 'search-mode' }, 'Mode', mode),
      h('label', { for: 'search-fusion' }, 'Fusion', fusion),
      h('label', { for: 'search-topk' }, 'Top K', topK),
      h('label', { for: 'search-rerank' }, 'Rerank', rerank),
      h('button', { type: 'submit' }, 'Search'),
    ),
    results,
  );
  query.focus();
}
