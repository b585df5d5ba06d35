import { decodeText } from './decode';
import { ExtractionError } from './errors';
import { LIMITS, limitsExceeded } from './limits';
import type { Extracted } from './types';

/**
 * JSON as readable records: an array of objects gives one `key: value; key: value` line per
 * element, nested objects flatten to dotted keys, and arrays of records inside an object get a
 * heading of their own. JSON Lines (one value per line) is accepted too.
 */
export function extractJson(bytes: Uint8Array, charset?: string): Extracted {
  if (bytes.length > LIMITS.jsonBytes) {
    throw limitsExceeded('jsonBytes', `JSON files are limited to ${LIMITS.jsonBytes} bytes`);
  }
  const text = decodeText(bytes, charset).replace(/^\ufeff/, '');
  checkShape(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    value = parseJsonLines(text, cause);
  }
  return { text: renderDocument(value).join('\n') };
}

/**
 * One linear pass over the text before parsing: nesting depth and the number of values are
 * capped, because parsing and the recursive rendering below cost memory and stack per value
 * and per level. Brackets inside strings are not counted.
 */
function checkShape(text: string) {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      values++;
    } else if (c === 0x5b || c === 0x7b) {
      values++;
      if (++depth > LIMITS.jsonDepth) {
        throw limitsExceeded('jsonDepth', `JSON nests deeper than ${LIMITS.jsonDepth} levels`);
      }
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
    else if (c === 0x2c) values++;
    else continue;
    if (values > LIMITS.jsonValues) {
      throw limitsExceeded('jsonValues', `JSON holds more than ${LIMITS.jsonValues} values`);
    }
  }
}

function parseJsonLines(text: string, cause: unknown): unknown[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim());
  if (lines.length < 2) throw new ExtractionError('corrupt_file', 'Invalid JSON', { cause });
  try {
    return lines.map((line) => JSON.parse(line) as unknown);
  } catch {
    throw new ExtractionError('corrupt_file', 'Invalid JSON', { cause });
  }
}

function renderDocument(value: unknown, level = 1): string[] {
  if (Array.isArray(value)) return value.map(renderRecord).filter(Boolean);
  if (!isObject(value)) return [renderScalar(value)].filter(Boolean);

  const lines: string[] = [];
  const rest: Record<string, unknown> = {};
  const sections: Array<[string, unknown[]]> = [];
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child) && child.length > 0 && child.some(isObject))
      sections.push([key, child]);
    else rest[key] = child;
  }
  const head = renderRecord(rest);
  if (head) lines.push(head);
  for (const [key, items] of sections) {
    if (lines.length) lines.push('');
    lines.push(`${'#'.repeat(Math.min(level, 6))} ${key}`, '', ...renderDocument(items, level + 1));
  }
  return lines;
}

function renderRecord(value: unknown): string {
  if (!isObject(value) && !Array.isArray(value)) return renderScalar(value);
  const fields: string[] = [];
  flatten(value, '', fields);
  return fields.join('; ');
}

function flatten(value: unknown, path: string, out: string[]) {
  if (Array.isArray(value)) {
    if (value.every((v) => !isObject(v) && !Array.isArray(v))) {
      const joined = value.map(renderScalar).filter(Boolean).join(', ');
      if (joined) out.push(path ? `${path}: ${joined}` : joined);
      return;
    }
    value.forEach((v, i) => flatten(v, path ? `${path}.${i}` : String(i), out));
    return;
  }
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value))
      flatten(child, path ? `${path}.${key}` : key, out);
    return;
  }
  const text = renderScalar(value);
  if (text) out.push(path ? `${path}: ${text}` : text);
}

function renderScalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim();
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
