import { api } from './api.js';
import { h, toast } from './dom.js';
import { readEvents } from './sse.js';

const list = (res) => (Array.isArray(res) ? res : (res.data ?? res.conversations ?? []));

/** The cited chunk's text with [start, end) marked; falls back to finding the quote. */
async function openCitation(citation, viewer) {
  viewer.replaceChildren(h('p', { class: 'muted' }, 'Loading the cited passage…'));
  try {
    let chunk = null;
    let cursor;
    do {
      const q = new URLSearchParams({ limit: '500' });
      if (cursor !== undefined && cursor !== null) q.set('cursor', String(cursor));
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
    viewer.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
  }
}

export function renderChat(root) {
  let current = null;
  const convList = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
  const messages = h('section', { class: 'messages', 'aria-live': 'polite', id: 'messages' });
  const viewer = h('section', { id: 'citation-view' });
  const input = h('textarea', { id: 'chat-input', rows: 3, cols: 60, required: true });
  const send = h('button', { type: 'submit' }, 'Send');

  async function loadList() {
    try {
      const convs = list(await api('GET', '/v1/conversations'));
      convList.replaceChildren(
        ...convs.map((c) =>
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
      convList.replaceChildren(h('li', { class: 'error' }, `Chat unavailable: ${err.message}`));
    }
  }

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
    const rate = (rating, btn, other) => async () => {
      try {
        await api('POST', `/v1/conversations/${current}/messages/${messageId}/feedback`, {
          rating,
        });
        btn.setAttribute('aria-pressed', 'true');
        other.setAttribute('aria-pressed', 'false');
        toast('Thanks for the feedback');
      } catch (err) {
        toast(`Feedback failed: ${err.message}`);
      }
    };
    up.addEventListener('click', rate('up', up, down));
    down.addEventListener('click', rate('down', down, up));
    return h('div', { class: 'row' }, up, down);
  }

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

  async function open(id) {
    current = id;
    viewer.replaceChildren();
    const conv = await api('GET', `/v1/conversations/${id}`);
    messages.replaceChildren(
      ...(conv.messages ?? []).map((m) =>
        m.role === 'user' ? h('div', { class: 'msg user' }, m.content) : assistantBubble(m).bubble,
      ),
    );
    input.focus();
  }

  async function ask(e) {
    e.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    send.disabled = true;
    try {
      if (!current) {
        const conv = await api('POST', '/v1/conversations', { title: content.slice(0, 60) });
        current = conv.id;
        loadList();
      }
      input.value = '';
      messages.append(h('div', { class: 'msg user' }, content));
      const { bubble, text, cites } = assistantBubble();
      bubble.setAttribute('aria-busy', 'true');
      messages.append(bubble);
      const res = await api(
        'POST',
        `/v1/conversations/${current}/messages`,
        { content, stream: true },
        { raw: true, headers: { accept: 'text/event-stream' } },
      );
      let n = 0;
      for await (const ev of readEvents(res.body)) {
        if (ev.event === 'delta') text.textContent += ev.data.text;
        else if (ev.event === 'retract') {
          // That tier failed mid-answer; its text is dropped and another tier answers.
          text.textContent = '';
          cites.replaceChildren();
          n = 0;
        } else if (ev.event === 'citation' && ev.data.chunkId)
          cites.append(citationButton(ev.data, ++n));
        else if (ev.event === 'done') {
          bubble.append(feedbackButtons(ev.data.messageId));
          bubble.dataset.tier = ev.data.tier ?? '';
        } else if (ev.event === 'error')
          text.append(h('p', { class: 'error' }, ev.data.message ?? 'the answer failed'));
      }
      bubble.setAttribute('aria-busy', 'false');
    } catch (err) {
      messages.append(h('p', { class: 'error', role: 'alert' }, err.message));
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
}
