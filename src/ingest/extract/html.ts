import { decodeText, normaliseText } from './decode';
import { decodeEntities } from './entities';
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

const TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)|<[!?][^>]*>|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;

/**
 * HTML to block text: headings become ATX headings, paragraphs and list items separate
 * blocks, table rows one line with cells split by " | ", scripts/styles/templates dropped.
 */
export function extractHtml(bytes: Uint8Array, charset?: string): Extracted {
  return { text: htmlToText(decodeText(bytes, charset ?? metaCharset(bytes))) };
}

export function htmlToText(html: string): string {
  const blocks: string[] = [];
  let current = '';
  let prefix = '';
  let pre = 0;
  let inHead = false;
  let inTitle = false;
  let title = '';
  let sawH1 = false;

  const flush = () => {
    const lines = pre
      ? current.replace(/^\n+|\s+$/g, '').split('\n')
      : current.split('\n').map((l) => l.replace(/ {2,}/g, ' ').trim());
    const text = lines.filter((l) => l.trim()).join('\n');
    if (text) blocks.push(prefix + text);
    current = '';
    prefix = '';
  };
  const appendText = (raw: string) => {
    const text = decodeEntities(raw);
    if (inTitle) title += text;
    else if (!inHead) current += pre ? text : text.replace(/[ \t\n\r\f\u00a0]+/g, ' ');
  };

  TOKEN.lastIndex = 0;
  let cursor = 0;
  for (let match = TOKEN.exec(html); match; match = TOKEN.exec(html)) {
    if (match.index > cursor) appendText(html.slice(cursor, match.index));
    cursor = TOKEN.lastIndex;
    if (match[1] !== undefined) appendText(match[1]);
    const name = match[3]?.toLowerCase();
    if (!name) continue;
    const closing = match[2] === '/';
    const selfClosing = match[4]?.trimEnd().endsWith('/') ?? false;

    if (!closing && SKIPPED.has(name) && !selfClosing) {
      const end = new RegExp(`</${name}\\s*>`, 'ig');
      end.lastIndex = cursor;
      const found = end.exec(html);
      cursor = found ? end.lastIndex : html.length;
      TOKEN.lastIndex = cursor;
      continue;
    }
    if (name === 'head') inHead = !closing;
    else if (name === 'body' && !closing) inHead = false;
    if (name === 'title') {
      inTitle = !closing;
      continue;
    }
    if (name === 'br') {
      current += '\n';
      continue;
    }
    if (name === 'td' || name === 'th') {
      if (!closing && current.trim()) current += ' | ';
      continue;
    }
    if (!BLOCKS.has(name)) {
      if (!pre && (name === 'img' || name === 'input')) current += ' ';
      continue;
    }
    if (name === 'pre') {
      flush();
      pre = Math.max(0, pre + (closing ? -1 : 1));
      continue;
    }
    flush();
    if (closing) continue;
    if (name.length === 2 && name[0] === 'h' && name[1]! >= '1' && name[1]! <= '6') {
      prefix = `${'#'.repeat(Number(name[1]))} `;
      if (name === 'h1') sawH1 = true;
    } else if (name === 'li') prefix = '- ';
  }
  if (cursor < html.length) appendText(html.slice(cursor));
  flush();

  const heading = title.replace(/\s+/g, ' ').trim();
  if (heading && !sawH1) blocks.unshift(`# ${heading}`);
  return normaliseText(blocks.join('\n\n'));
}

/** `<meta charset="...">` in the first kilobytes, for non-UTF-8 pages. */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
}
