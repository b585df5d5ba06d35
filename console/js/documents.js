// @ts-check
import { api, uploadFile } from './api.js';
import { h, messageOf, toast } from './dom.js';
import { can, currentUserId, identity } from './identity.js';

/** @typedef {import('../../src/client/types').Document} Document */
/** @typedef {import('../../src/client/types').DocumentDetail} DocumentDetail */
/** @typedef {import('../../src/client/types').Page<Document>} DocumentPage */

const POLL_MS = 1500;

/** @param {Document} doc */
function statusText(doc) {
  if (doc.status === 'processing') {
    const { chunksDone, chunksTotal, stage } = doc.progress;
    return `processing${stage ? ` (${stage})` : ''} ${chunksDone}/${chunksTotal ?? '?'} chunks`;
  }
  if (doc.status === 'failed') return `failed: ${doc.failureReason ?? 'unknown reason'}`;
  return doc.status;
}

/**
 * @param {Document} doc
 * @param {string | null} me
 */
function ownerText(doc, me) {
  if (doc.ownerUserId === null) return 'tenant (API key)';
  return me !== null && doc.ownerUserId === me ? 'you' : doc.ownerUserId;
}

/**
 * @param {HTMLElement} root
 * @returns {() => void} stops the live status polling
 */
export function renderDocuments(root) {
  // Offer only what the server would allow: an end user changes only their own documents, and
  // visibility is changed by its owner or by an owner/admin key (docs/access.md).
  const me = currentUserId();
  const who = identity();
  const listing = can('documents:read');
  /** @param {Document} doc */
  const mayChange = (doc) => can('documents:write') && (me === null || doc.ownerUserId === me);
  /** @param {Document} doc */
  const mayShare = (doc) =>
    can('documents:write') &&
    (me === null
      ? who?.kind === 'key' && ['owner', 'admin'].includes(who.role)
      : doc.ownerUserId === me);
  const state = {
    status: '',
    tag: '',
    q: '',
    cursor: null,
    /** @type {Document[]} */
    docs: [],
  };
  const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const tbody = h('tbody');
  const detail = h('section', { 'aria-live': 'polite' });
  const fileInput = h('input', {
    type: 'file',
    multiple: true,
    id: 'file-input',
    onchange: () => startUploads(fileInput.files ?? []),
  });
  const drop = h(
    'div',
    { class: 'drop', id: 'drop-zone' },
    h('p', {}, 'Drop files here, or '),
    h('label', { for: 'file-input' }, 'Choose files', fileInput),
  );
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    startUploads(e.dataTransfer?.files ?? []);
  });

  /** @param {Iterable<File>} files */
  function startUploads(files) {
    for (const file of files) {
      const bar = h('progress', {
        max: 1,
        value: 0,
        'aria-label': `Upload progress for ${file.name}`,
      });
      const status = h('span', { class: 'status' }, 'uploading');
      uploads.append(h('li', {}, h('span', {}, file.name), bar, status));
      uploadFile(file, (p) => (bar.value = p))
        .then((res) => {
          bar.value = 1;
          status.textContent = res.duplicate ? 'duplicate (already stored)' : 'uploaded';
          if (listing) load();
        })
        .catch((err) => {
          status.textContent = `failed: ${messageOf(err)}`;
          status.className = 'status status-failed';
        });
    }
  }

  const statusSelect = h(
    'select',
    { id: 'filter-status', onchange: () => ((state.status = statusSelect.value), load()) },
    ['', 'queued', 'processing', 'ready', 'failed'].map((s) =>
      h('option', { value: s }, s || 'any'),
    ),
  );
  const tagInput = h('input', { id: 'filter-tag', placeholder: 'tag' });
  const qInput = h('input', { id: 'filter-q', type: 'search', placeholder: 'title contains' });
  const filters = h(
    'form',
    {
      class: 'row',
      onsubmit: /** @param {SubmitEvent} e */ (e) => (
        e.preventDefault(),
        (state.tag = tagInput.value.trim()),
        (state.q = qInput.value.trim().toLowerCase()),
        load()
      ),
    },
    h('label', { for: 'filter-status' }, 'Status', statusSelect),
    h('label', { for: 'filter-tag' }, 'Tag', tagInput),
    h('label', { for: 'filter-q' }, 'Title', qInput),
    h('button', { type: 'submit', class: 'secondary' }, 'Apply'),
  );

  async function load() {
    const params = new URLSearchParams({ limit: '100' });
    if (state.status) params.set('status', state.status);
    if (state.tag) params.set('tag', state.tag);
    try {
      /** @type {DocumentPage} */
      const page = await api('GET', `/v1/documents?${params}`);
      state.docs = page.data.filter((d) => !state.q || d.title.toLowerCase().includes(state.q));
      draw();
    } catch (err) {
      toast(`Could not list documents: ${messageOf(err)}`);
    }
  }

  function draw() {
    tbody.replaceChildren(
      ...state.docs.map((doc) =>
        h(
          'tr',
          { 'data-id': doc.id },
          h(
            'td',
            {},
            h(
              'button',
              { type: 'button', class: 'link', onclick: () => showDetail(doc.id) },
              doc.title,
            ),
          ),
          h(
            'td',
            {},
            h(
              'span',
              { class: `status status-${doc.status}`, 'data-status': doc.status },
              statusText(doc),
            ),
          ),
          h(
            'td',
            {},
            h('span', { 'data-visibility': doc.visibility }, doc.visibility),
            mayShare(doc)
              ? [
                  ' ',
                  h(
                    'button',
                    { type: 'button', class: 'link', onclick: () => toggleVisibility(doc) },
                    doc.visibility === 'private' ? 'Share with tenant' : 'Make private',
                  ),
                ]
              : null,
          ),
          h('td', { class: 'owner' }, ownerText(doc, me)),
          h('td', {}, doc.tags.join(', ')),
          h('td', {}, String(doc.currentVersion)),
          h('td', {}, new Date(doc.createdAt).toLocaleString()),
          h(
            'td',
            {},
            h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => download(doc.id) },
              'Download',
            ),
            mayChange(doc)
              ? [
                  ' ',
                  h(
                    'button',
                    { type: 'button', class: 'danger', onclick: () => remove(doc) },
                    'Delete',
                  ),
                ]
              : null,
          ),
        ),
      ),
    );
    if (!state.docs.length)
      tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No documents.')));
  }

  /** @param {string} id */
  async function download(id) {
    /** @type {{ url: string }} */
    const { url } = await api('GET', `/v1/documents/${id}/download`);
    window.open(url, '_blank', 'noopener');
  }

  /** @param {Document} doc */
  async function toggleVisibility(doc) {
    const visibility = doc.visibility === 'private' ? 'tenant' : 'private';
    try {
      await api('PATCH', `/v1/documents/${doc.id}`, { visibility });
      toast(
        `${doc.title} is now ${visibility === 'tenant' ? 'shared with the tenant' : 'private'}`,
      );
      load();
    } catch (err) {
      toast(`Could not change visibility: ${messageOf(err)}`);
    }
  }

  /** @param {Document} doc */
  async function remove(doc) {
    if (!confirm(`Delete "${doc.title}" and all its versions? This cannot be undone.`)) return;
    try {
      await api('DELETE', `/v1/documents/${doc.id}`);
      toast(`Deleted ${doc.title}`);
      load();
    } catch (err) {
      toast(`Delete failed: ${messageOf(err)}`);
    }
  }

  /** @param {string} id */
  async function showDetail(id) {
    /** @type {DocumentDetail} */
    const doc = await api('GET', `/v1/documents/${id}`);
    detail.replaceChildren(
      h('h2', {}, `${doc.title} — versions`),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Version', 'Status', 'Bytes', 'Chunks', 'Created'].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          doc.versions.map((v) =>
            h(
              'tr',
              {},
              h('td', {}, v.version),
              h('td', {}, v.failureReason ? `${v.status}: ${v.failureReason}` : v.status),
              h('td', {}, v.byteSize),
              h('td', {}, v.chunkCount ?? '—'),
              h('td', {}, new Date(v.createdAt).toLocaleString()),
            ),
          ),
        ),
      ),
    );
  }

  root.append(
    ...[
      h('h1', {}, me === null ? 'Documents' : 'Your documents'),
      me === null
        ? null
        : h(
            'p',
            { class: 'muted' },
            'Yours, those shared with everyone, and those in your collections.',
          ),
      can('documents:upload') ? [drop, uploads] : null,
      listing ? filters : null,
      listing
        ? h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [
                  'Title',
                  'Status',
                  'Visibility',
                  'Owner',
                  'Tags',
                  'Version',
                  'Created',
                  'Actions',
                ].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            tbody,
          )
        : null,
      detail,
    ]
      .flat()
      .filter((el) => el !== null),
  );
  if (listing) load();
  // Live status: poll while anything is still moving through ingestion.
  const timer = setInterval(() => {
    if (state.docs.some((d) => d.status === 'queued' || d.status === 'processing')) load();
  }, POLL_MS);
  return () => clearInterval(timer);
}
