import { decodeText, normaliseText } from './decode';
import type { Extracted } from './types';

/** Markdown is kept as written, except Setext headings become ATX so every heading looks alike. */
export function extractMarkdown(bytes: Uint8Array, charset?: string): Extracted {
  return { text: setextToAtx(normaliseText(decodeText(bytes, charset))) };
}

export function setextToAtx(text: string): string {
  const lines = text.split('\n');
  let fence = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker) fence = fence ? (marker.startsWith(fence) ? '' : fence) : marker;
    if (fence) continue;
    const underline = /^ {0,3}(=+|-+)[ \t]*$/.exec(line)?.[1];
    const previous = lines[i - 1]!;
    // A Setext heading underlines a one-line paragraph (a blank line or the file start above).
    if (!underline || !previous.trim() || (i >= 2 && lines[i - 2]!.trim())) continue;
    if (/^ {0,3}([#>*+-]|\d+[.)]|`{3}|~{3})/.test(previous)) continue;
    lines[i - 1] = `${underline[0] === '=' ? '#' : '##'} ${previous.trim()}`;
    lines[i] = '';
  }
  return lines.join('\n');
}
