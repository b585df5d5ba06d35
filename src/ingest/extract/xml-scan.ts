import { LIMITS, limitsExceeded } from './limits';

export interface XmlTag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  /** Raw attribute text between the name and the end of the tag. */
  attributes: string;
  /** Index of '<' and index just past '>'. */
  start: number;
  end: number;
}

/**
 * Visits the tags of an XML document in one forward pass: every search starts where the last
 * one ended, so the cost is linear in the input whatever it holds (the regex it replaces
 * backtracked quadratically on an unterminated tag). Comments, processing instructions and
 * CDATA are stepped over; a DTD (`<!DOCTYPE`, `<!ENTITY`) is refused, since entity expansion
 * is the billion-laughs attack and OOXML parts never declare one. `visit` may return an index
 * to resume scanning from (to skip an element's content).
 */
export function scanXml(xml: string, visit: (tag: XmlTag) => number | void): void {
  let elements = 0;
  let at = xml.indexOf('<');
  while (at !== -1 && at < xml.length) {
    const next = xml.charCodeAt(at + 1);
    if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', at)) at = skipPast(xml, '-->', at + 4);
      else if (xml.startsWith('<![CDATA[', at)) at = skipPast(xml, ']]>', at + 9);
      else {
        const keyword = xml.slice(at + 2, at + 9).toUpperCase();
        if (keyword.startsWith('DOCTYPE') || keyword.startsWith('ENTITY')) {
          throw limitsExceeded('xml_dtd', 'The document declares a DTD or entities');
        }
        at = skipPast(xml, '>', at + 2);
      }
    } else if (next === 0x3f /* ? */) {
      at = skipPast(xml, '?>', at + 2);
    } else {
      const end = tagEnd(xml, at + 1);
      if (end === -1) return; // an unterminated tag: the rest is not markup
      const tag = parseTag(xml, at, end + 1);
      if (tag) {
        if (!tag.closing && ++elements > LIMITS.elements) {
          throw limitsExceeded('elements', `The XML has more than ${LIMITS.elements} elements`);
        }
        const resume = visit(tag);
        at = typeof resume === 'number' && resume > end ? resume : end + 1;
      } else at = end + 1;
    }
    if (at === -1 || at >= xml.length) return;
    at = xml.indexOf('<', at);
  }
}

function skipPast(xml: string, marker: string, from: number): number {
  const found = xml.indexOf(marker, from);
  return found === -1 ? -1 : found + marker.length;
}

/** Index of the '>' closing the tag that starts before `from`, skipping quoted values; -1 if none. */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return i;
  }
  return -1;
}

function parseTag(xml: string, start: number, end: number): XmlTag | undefined {
  const closing = xml.charCodeAt(start + 1) === 0x2f;
  let i = start + (closing ? 2 : 1);
  const nameStart = i;
  while (i < end - 1 && !isNameEnd(xml.charCodeAt(i))) i++;
  if (i === nameStart) return undefined;
  const selfClosing = !closing && xml.charCodeAt(end - 2) === 0x2f;
  return {
    name: xml.slice(nameStart, i),
    closing,
    selfClosing,
    attributes: xml.slice(i, selfClosing ? end - 2 : end - 1),
    start,
    end,
  };
}

const isNameEnd = (c: number) =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e;

/** Value of attribute `name` (as written, entities not decoded), by a forward scan. */
export function rawAttribute(attributes: string, name: string): string | undefined {
  const key = `${name}=`;
  for (let at = attributes.indexOf(key); at !== -1; at = attributes.indexOf(key, at + 1)) {
    const before = attributes.charCodeAt(at - 1);
    if (at > 0 && !(before === 0x20 || before === 0x09 || before === 0x0a || before === 0x0d))
      continue;
    const quote = attributes[at + key.length];
    if (quote !== '"' && quote !== "'") continue;
    const close = attributes.indexOf(quote, at + key.length + 1);
    if (close === -1) return undefined;
    return attributes.slice(at + key.length + 1, close);
  }
  return undefined;
}
