import { decodeText, normaliseText } from './decode';
import { decodeEntities } from './entities';
import type { ExtractionError } from './errors';
import { LIMITS, limitsExceeded } from './limits';
import type { Extracted } from './types';

/** Elements whose content is never document text. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'select',
]);

/** Elements the text depends on besides SKIPPED and BLOCKS. */
const INLINE = ['head', 'body', 'title', 'br', 'td', 'th', 'img', 'input'];

const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'nav',
  'aside',
  'blockquote',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'caption',
  'figure',
  'figcaption',
  'address',
  'hr',
  'form',
  'fieldset',
  'legend',
  'details',
  'summary',
  'pre',
  'body',
  'html',
  'center',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
]);

const HANDLED = [...SKIPPED, ...BLOCKS, ...INLINE].join(', ');

/**
 * HTML to block text: headings become ATX headings, paragraphs and list items separate
 * blocks, table rows one line with cells split by " | ", scripts/styles/templates dropped.
 * Parsing is the platform's streaming HTML parser (HTMLRewriter, lol-html), which is linear
 * in the input: no regular expression ever scans the markup.
 */
export async function extractHtml(bytes: Uint8Array, charset?: string): Promise<Extracted> {
  return { text: await htmlToText(decodeText(bytes, charset ?? metaCharset(bytes))) };
}

export async function htmlToText(
  html: string,
  { maxEvents = LIMITS.htmlEvents }: { maxEvents?: number } = {},
): Promise<string> {
  const blocks: string[] = [];
  let current = '';
  let currentHasText = false;
  let prefix = '';
  let pre = 0;
  let skip = 0;
  let inHead = false;
  let inTitle = false;
  let title = '';
  let sawH1 = false;
  let pendingText = '';
  let events = 0;
  let exceeded: ExtractionError | undefined;

  const append = (text: string) => {
    current += text;
    if (!currentHasText && /\S/.test(text)) currentHasText = true;
  };
  const flush = () => {
    const lines = pre
      ? current.replace(/^\n+/, '').trimEnd().split('\n')
      : current.split('\n').map((l) => l.replace(/ {2,}/g, ' ').trim());
    const text = lines.filter((l) => l.trim()).join('\n');
    if (text) blocks.push(prefix + text);
    current = '';
    currentHasText = false;
    prefix = '';
  };
  // Entities are decoded per whole text node: the parser may split one across chunks.
  const appendText = (raw: string) => {
    if (skip) return;
    const text = decodeEntities(raw);
    if (inTitle) title += text;
    else if (!inHead) append(pre ? text : text.replace(/[ \t\n\r\f\u00a0]+/g, ' '));
  };
  /** Runs `then` at the element's end tag; void elements and unclosed ones have none. */
  const atEnd = (element: Element, then: () => void): boolean => {
    try {
      element.onEndTag(then);
      return true;
    } catch {
      return false;
    }
  };

  // Throwing inside a handler leaves the stream hanging: flag it, and `drain` stops.
  const countEvent = () => {
    if (++events <= maxEvents) return false;
    exceeded ??= limitsExceeded(
      'htmlEvents',
      `The page has more than ${maxEvents} elements and text nodes`,
    );
    return true;
  };

  // Only the elements that change the output reach JavaScript; the parser skips the rest.
  const rewriter = new HTMLRewriter()
    .on(HANDLED, {
      element(element) {
        if (countEvent()) return;
        if (skip) return;
        const name = element.tagName.toLowerCase();
        if (SKIPPED.has(name)) {
          if (atEnd(element, () => void skip--)) skip++;
          return;
        }
        if (name === 'head') {
          inHead = atEnd(element, () => void (inHead = false));
          return;
        }
        if (name === 'body') inHead = false;
        if (name === 'title') {
          inTitle = atEnd(element, () => void (inTitle = false));
          return;
        }
        if (name === 'br') return append('\n');
        if (name === 'td' || name === 'th') {
          if (currentHasText) append(' | ');
          return;
        }
        if (!BLOCKS.has(name)) {
          if (!pre && (name === 'img' || name === 'input')) append(' ');
          return;
        }
        flush();
        if (name === 'pre') {
          if (atEnd(element, () => (flush(), (pre = Math.max(0, pre - 1))))) pre++;
          return;
        }
        atEnd(element, flush);
        if (name.length === 2 && name[0] === 'h' && name[1]! >= '1' && name[1]! <= '6') {
          prefix = `${'#'.repeat(Number(name[1]))} `;
          if (name === 'h1') sawH1 = true;
        } else if (name === 'li') prefix = '- ';
      },
    })
    .onDocument({
      text(chunk) {
        if (countEvent()) return;
        pendingText += chunk.text;
        if (chunk.lastInTextNode) {
          appendText(pendingText);
          pendingText = '';
        }
      },
    });
  try {
    await drain(rewriter.transform(new Response(utf8Stream(html))), () => exceeded);
  } catch (error) {
    // lol-html bounds its own buffering (deeply nested or huge tags) and fails with this.
    if (!exceeded && /memory limit/i.test(String((error as Error)?.message))) {
      throw limitsExceeded('htmlParserMemory', 'The page exceeds the HTML parser memory limit');
    }
    throw error;
  }
  if (exceeded) throw exceeded;
  if (pendingText) appendText(pendingText);
  flush();

  const heading = title.replace(/\s+/g, ' ').trim();
  if (heading && !sawH1) blocks.unshift(`# ${heading}`);
  return normaliseText(blocks.join('\n\n'));
}

/** Reads the rewritten stream to its end (the output is not needed), or until `stop()`. */
async function drain(response: Response, stop: () => unknown) {
  const reader = response.body!.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) return;
    if (stop()) return void (await reader.cancel().catch(() => {}));
  }
}

/** The text as UTF-8 in 64 KiB pieces, so the whole page is never encoded at once. */
function utf8Stream(text: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= text.length) return controller.close();
      let end = Math.min(text.length, offset + 64 * 1024);
      // Never split a surrogate pair between pieces.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
      controller.enqueue(encoder.encode(text.slice(offset, end)));
      offset = end;
    },
  });
}

/** `<meta charset="...">` in the first kilobytes, for non-UTF-8 pages; a plain scan, no regex. */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096)).toLowerCase();
  for (let at = head.indexOf('charset'); at !== -1; at = head.indexOf('charset', at + 7)) {
    // Only inside a <meta ...> tag: the nearest '<meta' before it, with no '>' in between.
    if (head.lastIndexOf('<meta', at) <= head.lastIndexOf('>', at)) continue;
    let i = at + 7;
    while (head[i] === ' ' || head[i] === '\t') i++;
    if (head[i] !== '=') continue;
    i++;
    while (head[i] === ' ' || head[i] === '"' || head[i] === "'") i++;
    let end = i;
    while (end < head.length && /[\w-]/.test(head[end]!)) end++;
    if (end > i) return head.slice(i, end);
  }
  return undefined;
}
