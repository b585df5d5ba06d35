import { strToU8, zipSync, type Zippable } from 'fflate';
import type { ExtractionErrorCode } from '../errors';
import { LIMITS } from '../limits';
import { buildDocx } from './build-docx';
import { buildPdf } from './build-pdf';

/** The formats a hostile file targets; `normalFile` builds a harmless one of each. */
export type HostileFormat = 'html' | 'docx' | 'csv' | 'json' | 'pdf' | 'markdown' | 'text';

export interface HostileFile {
  name: string;
  format: HostileFormat;
  /** Declared content type at upload. */
  mime: string;
  bytes: Uint8Array;
  /** `ready` when the file is harmless once read linearly, else the stable failure reason. */
  expect: 'ready' | ExtractionErrorCode;
  /** For `limits_exceeded`: the cap that must be named. */
  limit?: string;
  /** Takes a minute to reach its cap under test load: benchmarked, not run in the tests (see hostile.test.ts). */
  slow?: boolean;
}

export const MIME_OF: Record<HostileFormat, string> = {
  html: 'text/html',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  markdown: 'text/markdown',
  text: 'text/plain',
};

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const utf8 = (text: string) => new TextEncoder().encode(text);
const letters = (n: number) => 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(n / 26)).slice(0, n);

/** A zip with `word/document.xml` (and any other parts) as given. */
export function docxWithParts(parts: Record<string, string | Uint8Array>): Uint8Array {
  const files: Zippable = {};
  for (const [name, data] of Object.entries(parts))
    files[name] = [typeof data === 'string' ? strToU8(data) : data, { level: 6 }];
  return zipSync(files);
}

const documentXml = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${body}</w:body></w:document>`;
const paragraph = (text: string) => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`;

/** The file without its last `n` bytes (a damaged end-of-directory record). */
const truncate = (bytes: Uint8Array, n: number) => bytes.slice(0, bytes.length - n);

/** Rewrites the uncompressed size of `name` in the central directory (a lying zip). */
function declareSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const encoded = utf8(name);
  for (let i = zip.length - 46; i >= 0; i--) {
    const central = zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2;
    if (central && encoded.every((b, k) => zip[i + 46 + k] === b)) {
      new DataView(zip.buffer, zip.byteOffset).setUint32(i + 24, size, true);
      return zip;
    }
  }
  throw new Error(`no central entry for ${name}`);
}

/**
 * The adversarial corpus, built in memory (never downloaded). `scale` is the size in bytes of
 * the scalable payloads (regex bombs, floods); caps that need a count cross it whatever the
 * scale. Every file is paired in the tests with an innocent document that must still be ready.
 */
export function hostileCorpus(scale = 256 * 1024): HostileFile[] {
  const file = (
    name: string,
    format: HostileFormat,
    bytes: Uint8Array,
    expect: HostileFile['expect'],
    limit?: string,
    mime = MIME_OF[format],
  ): HostileFile => ({ name, format, mime, bytes, expect, ...(limit ? { limit } : {}) });
  const bombSize = LIMITS.inflatedBytes + 1024 * 1024;
  return [
    // Regex bombs: inputs that made the old tag/heading regexes backtrack quadratically.
    file('html-unclosed-tag', 'html', utf8(`<p>Intro</p><a${letters(scale)}`), 'ready'),
    file(
      'html-unclosed-attribute',
      'html',
      utf8(`<p>Intro</p><a href="${letters(scale)}`),
      'ready',
    ),
    file('html-pre-whitespace', 'html', utf8(`<pre>x${' '.repeat(scale)}y</pre>`), 'ready'),
    {
      ...file(
        'html-element-flood',
        'html',
        utf8('<br>'.repeat(LIMITS.htmlEvents + 1)),
        'limits_exceeded',
        'htmlEvents',
      ),
      slow: true,
    },
    file(
      'html-deep-nesting',
      'html',
      utf8('<div>'.repeat(100_000) + 'x'),
      'limits_exceeded',
      'htmlParserMemory',
    ),
    file(
      'docx-unclosed-tag',
      'docx',
      docxWithParts({
        'word/document.xml': documentXml(paragraph('Intro')) + `<w:t${letters(scale)}`,
      }),
      'ready',
    ),
    file(
      'docx-unclosed-styles',
      'docx',
      docxWithParts({
        'word/document.xml': documentXml(paragraph('Intro')),
        'word/styles.xml': `<w:styles ${W}>` + '<w:style w:styleId="a">'.repeat(scale / 24),
      }),
      'ready',
    ),
    file(
      'docx-quote-bomb',
      'docx',
      docxWithParts({
        'word/document.xml':
          documentXml(paragraph('Intro')) + `<w:p w:x="${'<w:t>'.repeat(scale / 5)}`,
      }),
      'ready',
    ),
    file('markdown-setext', 'markdown', utf8(`Title\n${'='.repeat(scale)}x\n`), 'ready'),
    file('text-single-line', 'text', utf8(letters(scale)), 'ready'),
    file('csv-unterminated-quote', 'csv', utf8(`a,b\n"${letters(scale)}`), 'corrupt_file'),
    // Expansion: bombs, floods and deep nesting.
    file(
      'docx-zip-bomb',
      'docx',
      docxWithParts({ 'word/document.xml': new Uint8Array(bombSize).fill(0x20) }),
      'limits_exceeded',
      'inflatedBytes',
    ),
    file(
      'docx-lying-size',
      'docx',
      declareSize(
        docxWithParts({ 'word/document.xml': new Uint8Array(bombSize).fill(0x20) }),
        'word/document.xml',
        1024,
      ),
      'corrupt_file',
    ),
    file(
      'docx-entry-flood',
      'docx',
      docxWithParts({
        ...Object.fromEntries(Array.from({ length: LIMITS.zipEntries }, (_, i) => [`x/${i}`, ''])),
        'word/document.xml': documentXml(paragraph('Intro')),
      }),
      'limits_exceeded',
      'zipEntries',
    ),
    file(
      'docx-billion-laughs',
      'docx',
      docxWithParts({
        'word/document.xml':
          '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
          Array.from(
            { length: 9 },
            (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`,
          ).join('') +
          ']>' +
          documentXml(paragraph('&lol9;')),
      }),
      'limits_exceeded',
      'xml_dtd',
    ),
    file(
      'csv-commas',
      'csv',
      utf8(','.repeat(Math.max(scale, LIMITS.csvFieldsPerRow + 1))),
      'limits_exceeded',
      'csvFieldsPerRow',
    ),
    file(
      'csv-row-flood',
      'csv',
      utf8('a\n' + '1\n'.repeat(LIMITS.csvRows + 1)),
      'limits_exceeded',
      'csvRows',
    ),
    file(
      'json-deep',
      'json',
      utf8('['.repeat(Math.max(scale / 2, 100)) + ']'.repeat(Math.max(scale / 2, 100))),
      'limits_exceeded',
      'jsonDepth',
    ),
    file(
      'json-value-flood',
      'json',
      utf8(`[${'0,'.repeat(LIMITS.jsonValues)}0]`),
      'limits_exceeded',
      'jsonValues',
    ),
    file(
      'pdf-flate-bomb',
      'pdf',
      buildPdf([['Intro']], { deflate: { padding: bombSize } }),
      'limits_exceeded',
      'inflatedBytes',
    ),
    file(
      'pdf-double-flate-bomb',
      'pdf',
      buildPdf([['Intro']], { deflate: { padding: bombSize, twice: true } }),
      'limits_exceeded',
      'inflatedBytes',
    ),
    // Truncated and lying files.
    file('pdf-truncated', 'pdf', buildPdf([['Intro'], ['More']]).slice(0, 200), 'corrupt_file'),
    file('docx-truncated', 'docx', truncate(buildDocx([{ text: 'Intro' }]), 40), 'corrupt_file'),
    file('docx-cut-short', 'docx', buildDocx([{ text: 'Intro' }]).slice(0, 100), 'type_mismatch'),
    file('pdf-declared-as-text', 'text', buildPdf([['Intro']]), 'type_mismatch'),
    file('text-declared-as-pdf', 'pdf', utf8('Intro, not a PDF at all'), 'type_mismatch'),
    file('html-declared-as-docx', 'docx', utf8('<p>Intro</p>'), 'type_mismatch'),
    file('zip-without-document', 'docx', docxWithParts({ 'a.txt': 'Intro' }), 'type_mismatch'),
  ];
}

/** A harmless file of `format` of about `size` bytes: the baseline a hostile file is compared with. */
export function normalFile(format: HostileFormat, size: number): Uint8Array {
  const sentence = (i: number) =>
    `Sentence ${i} explains how the platform stores document ${i % 97}. `;
  const text = (n: number) => {
    let out = '';
    for (let i = 0; out.length < n; i++) out += sentence(i);
    return out.slice(0, n);
  };
  switch (format) {
    case 'html': {
      let out = '<html><body><h1>Guide</h1>';
      for (let i = 0; out.length < size; i++) out += `<p>${sentence(i)}<b>${i}</b></p>`;
      return utf8(out);
    }
    case 'docx': {
      const blocks = [];
      let length = 0;
      for (let i = 0; length < size; i++) {
        blocks.push({ text: sentence(i) });
        length += 80; // markup + text per paragraph, roughly
      }
      return buildDocx(blocks);
    }
    case 'csv': {
      let out = 'id,name,note\n';
      for (let i = 0; out.length < size; i++) out += `${i},item ${i},"${sentence(i)}"\n`;
      return utf8(out);
    }
    case 'json': {
      const rows = [];
      let length = 0;
      for (let i = 0; length < size; i++) {
        rows.push({ id: i, note: sentence(i) });
        length += 90;
      }
      return utf8(JSON.stringify(rows));
    }
    case 'pdf': {
      const pages: string[][] = [];
      let length = 0;
      for (let p = 0; length < size; p++) {
        pages.push(Array.from({ length: 40 }, (_, i) => sentence(p * 40 + i)));
        length += 40 * 110;
      }
      return buildPdf(pages);
    }
    case 'markdown':
      return utf8(`# Guide\n\n${text(size)}`);
    case 'text':
      return utf8(text(size));
  }
}
