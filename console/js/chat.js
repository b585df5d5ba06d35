// @ts-check
import { api, request } from './api.js';
import { h, messageOf, toast } from './dom.js';
import { parseChatEvents } from './vellum-client.js';

/** @typedef {import('../../src/client/types').Chunk} Chunk */
/** @typedef {import('../../src/client/chat-types').Conversation} Conversation */
/** @typedef {import('../../src/client/chat-types').ConversationDetail} ConversationDetail */
/** @typedef {import('../../src/client/chat-types').CitationEvent['data']} Citation */
/**
 * @template T
 * @typedef {import('../../src/client/types').Page<T>} Page
 */

/**
 * The cited chunk's text with [start, end) marked; falls back to finding the quote.
 * @param {Citation} citation
 * @param {HTMLElement} viewer
 */
async function openCitation(citation, viewer) {
  viewer.replaceChildren(h('p', { class: 'muted' }, 'Loading the cited passage…'));
  try {
    /** @type {Chunk | null} */
    let chunk = null;
    /** @type {number | string | null | undefined} */
    let cursor;
    do {
      const q = new URLSearchParams({ limit: '500' });
      if (cursor !== undefined && cursor !== null) q.set('cursor', String(cursor));
      /** @type {{ data: Chunk[], nextCursor: number | string | null }} */
      const page = await api('GET', `/v1/documents/${citation.documentId}/chunks?${q}`);
      chunk = page.data.find((c) => c.id === citation.chunkId) ?? null;
      cursor = page.nextCursor;
    } while (!chunk && cursor !== null && cursor !== undefined);
    if (!chunk) throw new Error('the cited chunk is no longer stored');
    let { start, end } = citation;
    if (start == null || end == null || end > chunk.text.length) {
      const at = chunk.text.indexOf(citation.quote);
      [start, end] = at >= 0 ? [at, at + citation.quote.length] : [0, 0];
    }
    const mark = h('mark', { id: 'cited-span', tabindex: '-1' }, chunk.text.slice(start, end));
    viewer.replaceChildren(
      h(
        'h2',
        {},
        `Cited passage${chunk.headingPath.length ? ` — ${chunk.headingPath.join(' › ')}` : ''}`,
      ),
      h(
        'p',
        { class: 'muted' },
        citation.verified ? 'Verified quote' : 'Unverified quote',
        ` · characters ${start}–${end}`,
      ),
      h('div', { class: 'span-view' }, chunk.text.slice(0, start), mark, chunk.text.slice(end)),
    );
    mark.scrollIntoView({ block: 'center' });
    mark.focus();
  } catch (err) {
    viewer.replaceChildren(h('p', { class: 'error', role: 'alert' }, messageOf(err)));
  }
}

/**
 * @param {HTMLElement} root
 * @returns {() => void} stops the answer being streamed, when the user leaves the page
 */
export function renderChat(root) {
  /** @type {string | null} */
  let current = null;
  /** The streamed answer in flight, if any: aborted when the user leaves. */
  let streaming = new AbortController();
  const convList = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
  const messages = h('section', { class: 'messages', 'aria-live': 'polite', id: 'messages' });
  const viewer = h('section', { id: 'citation-view' });
  const input = h('textarea', { id: 'chat-input', rows: 3, cols: 60, required: true });
  const send = h('button', { type: 'submit' }, 'Send');

  async function loadList() {
    try {
      /** @type {Page<Conversation>} */
      const page = await api('GET', '/v1/conversations');
      convList.replaceChildren(
        ...page.data.map((c) =>
          h(
            'li',
            {},
            h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => open(c.id) },
              c.title || c.id.slice(0, 8),
            ),
          ),
        ),
      );
    } catch (err) {
      convList.replaceChildren(h('li', { class: 'error' }, `Chat unavailable: ${messageOf(err)}`));
    }
  }

  /** @param {string} messageId */
  function feedbackButtons(messageId) {
    const up = h(
      'button',
      { type: 'button', class: 'secondary', 'aria-pressed': 'false' },
      'Helpful',
    );
    const down = h(
      'button',
      { type: 'button', class: 'secondary', 'aria-pressed': 'false' },
      'Not helpful',
    );
    /**
     * @param {'up' | 'down'} rating
     * @param {HTMLElement} btn
     * @param {HTMLElement} other
     */
    const rate = (rating, btn, other) => async () => {
      try {
        // The latest rating counts: sending it twice changes nothing, so it may be retried.
        await api(
          'POST',
          `/v1/conversations/${current}/messages/${messageId}/feedback`,
          { rating },
          { safe: true },
        );
        btn.setAttribute('aria-pressed', 'true');
        other.setAttribute('aria-pressed', 'false');
        toast('Thanks for the feedback');
      } catch (err) {
        toast(`Feedback failed: ${messageOf(err)}`);
      }
    };
    up.addEventListener('click', rate('up', up, down));
    down.addEventListener('click', rate('down', down, up));
    return h('div', { class: 'row' }, up, down);
  }

  /**
   * @param {Citation} citation
   * @param {number} n
   */
  function citationButton(citation, n) {
    return h(
      'button',
      {
        type: 'button',
        class: 'link cite',
        'data-chunk': citation.chunkId,
        onclick: () => openCitation(citation, viewer),
      },
      `[${n}] “${citation.quote.slice(0, 60)}${citation.quote.length > 60 ? '…' : ''}”`,
    );
  }

  /** @param {Partial<ConversationDetail['messages'][number]>} [msg] */
  function assistantBubble(msg = {}) {
    const text = h('div', { class: 'answer-text' }, msg.content ?? '');
    const cites = h('div', { class: 'citations' });
    (msg.citations ?? [])
      .filter((c) => c.chunkId)
      .forEach((c, i) => cites.append(citationButton(c, i + 1)));
    const bubble = h('div', { class: 'msg assistant' }, text, cites);
    if (msg.id) bubble.append(feedbackButtons(msg.id));
    return { bubble, text, cites };
  }

  /** @param {string} id */
  async function open(id) {
    current = id;
    viewer.replaceChildren();
    /** @type {ConversationDetail} */
    const conv = await api('GET', `/v1/conversations/${id}`);
    messages.replaceChildren(
      ...conv.messages.map((m) =>
        m.role === 'user' ? h('div', { class: 'msg user' }, m.content) : assistantBubble(m).bubble,
      ),
    );
    input.focus();
  }

  /** @param {SubmitEvent} e */
  async function ask(e) {
    e.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    send.disabled = true;
    streaming = new AbortController();
    const { signal } = streaming;
    try {
      if (!current) {
        /** @type {Conversation} */
        const conv = await api('POST', '/v1/conversations', { title: content.slice(0, 60) });
        current = conv.id;
        loadList();
      }
      input.value = '';
      messages.append(h('div', { class: 'msg user' }, content));
      const { bubble, text, cites } = assistantBubble();
      bubble.setAttribute('aria-busy', 'true');
      messages.append(bubble);
      const res = await request(
        'POST',
        `/v1/conversations/${current}/messages`,
        { content, stream: true },
        {
          // A retry after a lost reply replays the first answer instead of asking twice.
          headers: { accept: 'text/event-stream', 'idempotency-key': crypto.randomUUID() },
          signal,
        },
      );
      let n = 0;
      for await (const ev of parseChatEvents(
        /** @type {ReadableStream<Uint8Array>} */ (res.body),
      )) {
        if (ev.type === 'delta') text.textContent += ev.data.text;
        else if (ev.type === 'retract') {
          // That tier failed mid-answer; its text is dropped and another tier answers.
          text.textContent = '';
          cites.replaceChildren();
          n = 0;
        } else if (ev.type === 'citation' && ev.data.chunkId)
          cites.append(citationButton(ev.data, ++n));
        else if (ev.type === 'done') {
          bubble.append(feedbackButtons(ev.data.messageId));
          bubble.dataset.tier = ev.data.tier ?? '';
        } else if (ev.type === 'error')
          text.append(h('p', { class: 'error' }, ev.data.message ?? 'the answer failed'));
      }
      bubble.setAttribute('aria-busy', 'false');
    } catch (err) {
      // Leaving the page aborts the stream on purpose: nothing to report.
      if (signal.aborted) return;
      messages.append(h('p', { class: 'error', role: 'alert' }, messageOf(err)));
    } finally {
      send.disabled = false;
    }
  }

  root.append(
    h('h1', {}, 'Chat'),
    h(
      'div',
      { class: 'chat' },
      h(
        'aside',
        {},
        h(
          'button',
          {
            type: 'button',
            onclick: () => (
              (current = null),
              messages.replaceChildren(),
              viewer.replaceChildren(),
              input.focus()
            ),
          },
          'New conversation',
        ),
        h('h2', {}, 'Conversations'),
        convList,
      ),
      h(
        'div',
        {},
        messages,
        h(
          'form',
          { onsubmit: ask },
          h('label', { for: 'chat-input' }, 'Your question', input),
          h('div', { class: 'row' }, send),
        ),
        viewer,
      ),
    ),
  );
  loadList();
  input.focus();
  return () => streaming.abort();
}
