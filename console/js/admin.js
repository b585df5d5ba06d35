// @ts-check
import { api } from './api.js';
import { h, messageOf, toast } from './dom.js';
import { ROLES } from './vellum-client.js';

/** @typedef {import('../../src/client/types').MetricsReport} MetricsReport */
/** @typedef {import('../../src/client/types').ApiKey} ApiKey */
/** @typedef {import('../../src/client/types').IssuedKey} IssuedKey */
/** @typedef {import('../../src/client/types').AuditEntry} AuditEntry */
/**
 * @template T
 * @typedef {import('../../src/client/types').Page<T>} Page
 */

/** @param {unknown} v */
const fmt = (v) =>
  v === null || v === undefined
    ? '—'
    : typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : v.toFixed(3)
      : String(v);

/**
 * @param {string} label
 * @param {unknown} value
 * @param {string} [hint]
 */
function card(label, value, hint) {
  return h(
    'div',
    { class: 'card' },
    h('div', { class: 'muted' }, label),
    h('div', { class: 'big' }, fmt(value)),
    hint ? h('div', { class: 'muted' }, hint) : null,
  );
}

/** Renders any nested figures as label/value rows, so new report fields show without code changes. */
/**
 * @param {object} obj
 * @param {string} [prefix]
 * @returns {[string, string][]}
 */
function figures(obj, prefix = '') {
  /** @type {[string, string][]} */
  const rows = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    const label = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) rows.push(...figures(v, label));
    else if (Array.isArray(v)) rows.push([label, v.length ? JSON.stringify(v) : '[]']);
    else rows.push([label, fmt(v)]);
  }
  return rows;
}

/** @param {HTMLElement} root */
export function renderAdmin(root) {
  const metrics = h('section', { id: 'metrics' });
  const keys = h('tbody');
  const audit = h('tbody');
  const issued = h('div', { 'aria-live': 'polite' });

  async function loadMetrics() {
    try {
      /** @type {MetricsReport} */
      const m = await api('GET', '/v1/admin/metrics');
      const routes = m.requests;
      metrics.replaceChildren(
        h(
          'div',
          { class: 'cards' },
          card(
            'Queue backlog',
            m.queue.queued + m.queue.processing,
            `oldest queued ${fmt(m.queue.oldestQueuedAgeSeconds)} s`,
          ),
          ...m.cache.map((c) =>
            card(
              `${c.kind} cache hit rate`,
              c.hitRate === null ? null : `${(c.hitRate * 100).toFixed(1)}%`,
              `${c.hits}/${c.lookups} lookups`,
            ),
          ),
          m.cache.length ? null : card('Cache hit rate', null, 'no lookups in this window'),
          card(
            'Tokens today',
            m.today.tokensIn + m.today.tokensOut,
            `${fmt(m.today.tokensIn)} in / ${fmt(m.today.tokensOut)} out`,
          ),
          card(
            'Cost today (USD)',
            m.today.costUsd,
            `${fmt(m.today.answers)} answers, ${fmt(m.today.searches)} searches`,
          ),
        ),
        routes.length
          ? h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Route', 'Requests', 'p50 ms', 'p95 ms', 'p99 ms'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                routes.map((r) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, `${r.method ?? ''} ${r.route}`),
                    h('td', {}, fmt(r.count)),
                    h('td', {}, fmt(r.p50)),
                    h('td', {}, fmt(r.p95)),
                    h('td', {}, fmt(r.p99)),
                  ),
                ),
              ),
            )
          : '', // not null: replaceChildren would print it as the text "null"
        h(
          'details',
          {},
          h('summary', {}, 'All figures'),
          h(
            'table',
            {},
            h(
              'tbody',
              {},
              figures(m).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))),
            ),
          ),
        ),
      );
    } catch (err) {
      metrics.replaceChildren(h('p', { class: 'error' }, `Metrics: ${messageOf(err)}`));
    }
  }

  async function loadKeys() {
    try {
      /** @type {Page<ApiKey>} */
      const page = await api('GET', '/v1/keys?limit=100');
      keys.replaceChildren(
        ...page.data.map((k) =>
          h(
            'tr',
            {},
            h('td', {}, k.name),
            h('td', {}, k.prefix),
            h('td', {}, k.role),
            h(
              'td',
              {},
              k.revokedAt ? `revoked ${new Date(k.revokedAt).toLocaleString()}` : 'active',
            ),
            h('td', {}, fmt(k.lastUsedAt)),
            h(
              'td',
              {},
              k.revokedAt
                ? ''
                : h(
                    'button',
                    { type: 'button', class: 'danger', onclick: () => revoke(k) },
                    'Revoke',
                  ),
            ),
          ),
        ),
      );
    } catch (err) {
      keys.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'error' }, messageOf(err))));
    }
  }

  /** @param {ApiKey} k */
  async function revoke(k) {
    if (!confirm(`Revoke key "${k.name}" (${k.prefix}…)? Clients using it stop working.`)) return;
    try {
      await api('DELETE', `/v1/keys/${k.id}`);
      toast(`Revoked ${k.name}`);
      loadKeys();
      loadAudit();
    } catch (err) {
      toast(`Revoke failed: ${messageOf(err)}`);
    }
  }

  async function loadAudit() {
    try {
      /** @type {Page<AuditEntry>} */
      const page = await api('GET', '/v1/audit?limit=50');
      audit.replaceChildren(
        ...page.data.map((a) =>
          h(
            'tr',
            {},
            h('td', {}, new Date(String(a.createdAt)).toLocaleString()),
            h('td', {}, a.action),
            h('td', {}, a.keyId ?? '—'),
            h('td', {}, `${a.targetType ?? ''} ${a.targetId ?? ''}`),
          ),
        ),
      );
    } catch (err) {
      audit.replaceChildren(h('tr', {}, h('td', { colspan: 4, class: 'error' }, messageOf(err))));
    }
  }

  const name = h('input', { id: 'key-name', required: true });
  const role = h(
    'select',
    { id: 'key-role' },
    ROLES.map((r) => h('option', { value: r, selected: r === 'viewer' }, r)),
  );
  const create = h(
    'form',
    {
      class: 'row',
      onsubmit: /** @param {SubmitEvent} e */ async (e) => {
        e.preventDefault();
        try {
          // With an Idempotency-Key, as the client sends it: a retry cannot issue a second key.
          /** @type {IssuedKey} */
          const res = await api(
            'POST',
            '/v1/keys',
            { name: name.value, role: role.value },
            { headers: { 'idempotency-key': crypto.randomUUID() } },
          );
          issued.replaceChildren(
            h('p', {}, 'New key (shown once): ', h('code', { id: 'new-secret' }, res.secret)),
          );
          name.value = '';
          loadKeys();
          loadAudit();
        } catch (err) {
          issued.replaceChildren(h('p', { class: 'error', role: 'alert' }, messageOf(err)));
        }
      },
    },
    h('label', { for: 'key-name' }, 'Name', name),
    h('label', { for: 'key-role' }, 'Role', role),
    h('button', { type: 'submit' }, 'Create key'),
  );

  root.append(
    h('h1', {}, 'Admin'),
    h('h2', {}, 'Metrics (last hour)'),
    metrics,
    h('h2', {}, 'API keys'),
    create,
    issued,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Name', 'Prefix', 'Role', 'State', 'Last used', ''].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      keys,
    ),
    h('h2', {}, 'Audit log'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'Action', 'Key', 'Target'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      audit,
    ),
  );
  loadMetrics();
  loadKeys();
  loadAudit();
}
