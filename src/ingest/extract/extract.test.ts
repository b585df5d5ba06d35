import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ExtractionError, extract, type ExtractionErrorCode } from './index';
import { buildDocx } from './testing/build-docx';
import { buildPdf, emptyPasswordKey, prepareObjectKeys } from './testing/build-pdf';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const utf8 = (text: string) => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<ExtractionErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExtractionError);
    return (error as ExtractionError).code;
  }
  throw new Error('expected extraction to fail');
}

describe('plain text and markdown', () => {
  it('normalises line endings and drops NULs', async () => {
    const { text } = await extract(utf8('one\r\ntwo\rthree\u0000\n'), 'text/plain');
    expect(text).toBe('one\ntwo\nthree\n');
  });

  it('honours BOMs and UTF-16', async () => {
    const le = new Uint8Array([0xff, 0xfe, ...[...'héllo'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect((await extract(le, 'text/plain')).text).toBe('héllo');
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('naïve')]);
    expect((await extract(bom, 'text/plain; charset=utf-8')).text).toBe('naïve');
  });

  it('falls back to Windows-1252 for invalid UTF-8', async () => {
    const bytes = new Uint8Array([...utf8('caf'), 0xe9, 0x20, 0x93, ...utf8('quoted'), 0x94]);
    expect((await extract(bytes, 'text/plain')).text).toBe('café “quoted”');
  });

  it('keeps markdown and turns Setext headings into ATX', async () => {
    const md = 'Guide\n=====\n\nIntro text.\n\nInstall\n-------\n\n```\nnot\n---\n```\n';
    const { text } = await extract(utf8(md), 'text/markdown');
    expect(text).toContain('# Guide\n');
    expect(text).toContain('## Install\n');
    expect(text).toContain('```\nnot\n---\n```');
  });
});

describe('html', () => {
  it('drops scripts and styles, keeps headings, paragraphs and list items', async () => {
    const html = `<!doctype html><html><head><title>Ignored title</title><style>p { color: red }</style>
      <script>var x = "<p>not text</p>";</script></head><body>
      <h1>Main &amp; Title</h1><p>First   paragraph with <b>bold</b>&nbsp;text.</p>
      <noscript>Enable JS</noscript><template><p>hidden</p></template>
      <h2>Section</h2><ul><li>One</li><li>Two &#8212; &#x2713;</li></ul>
      <p>Line one<br>Line two</p><table><tr><th>Name</th><th>Age</th></tr><tr><td>Ada</td><td>36</td></tr></table>
      </body></html>`;
    const { text } = await extract(utf8(html), 'text/html; charset=utf-8');
    expect(text).toBe(
      [
        '# Main & Title',
        'First paragraph with bold text.',
        '## Section',
        '- One',
        '- Two — ✓',
        'Line one\nLine two',
        'Name | Age',
        'Ada | 36',
      ].join('\n\n'),
    );
    expect(text).not.toMatch(/color|var x|Enable JS|hidden/);
  });

  it('uses the title as a heading when the page has no h1', async () => {
    const { text } = await extract(utf8('<title>Doc</title><p>Body</p>'), 'text/html');
    expect(text).toBe('# Doc\n\nBody');
  });
});

describe('csv', () => {
  it('renders one record per line with quoted fields', async () => {
    const csv = 'name,age,note\r\nAda,36,"likes ""engines"", math"\r\n"Grace\nHopper",85,\r\n';
    const { text } = await extract(utf8(csv), 'text/csv');
    expect(text).toBe(
      'name: Ada; age: 36; note: likes "engines", math\nname: Grace Hopper; age: 85',
    );
  });

  it('detects semicolon delimiters', async () => {
    const { text } = await extract(utf8('a;b\n1;2\n'), 'text/csv');
    expect(text).toBe('a: 1; b: 2');
  });

  it('reports an unterminated quote as corrupt', async () => {
    expect(await failure(extract(utf8('a,b\n"open,2\n'), 'text/csv'))).toBe('corrupt_file');
  });
});

describe('json', () => {
  it('renders an array of objects one per line with dotted keys', async () => {
    const json = JSON.stringify([
      { name: 'Ada', age: 36, address: { city: 'London' }, tags: ['math', 'code'] },
      { name: 'Grace', age: null },
    ]);
    const { text } = await extract(utf8(json), 'application/json');
    expect(text).toBe('name: Ada; age: 36; address.city: London; tags: math, code\nname: Grace');
  });

  it('renders an object with nested record arrays under headings', async () => {
    const json = JSON.stringify({
      title: 'Staff',
      meta: { v: 2 },
      people: [{ name: 'Ada' }, { name: 'Alan' }],
    });
    const { text } = await extract(utf8(json), 'application/json');
    expect(text).toBe('title: Staff; meta.v: 2\n\n# people\n\nname: Ada\nname: Alan');
  });

  it('accepts JSON Lines and rejects garbage', async () => {
    const { text } = await extract(utf8('{"a":1}\n{"a":2}\n'), 'application/json');
    expect(text).toBe('a: 1\na: 2');
    expect(await failure(extract(utf8('{"a": '), 'application/json'))).toBe('corrupt_file');
  });
});

describe('pdf', () => {
  it('extracts text per page with character ranges', async () => {
    const pdf = buildPdf([['Hello (world)', 'Second line'], ['Page two text']]);
    const { text, pages } = await extract(pdf, 'application/pdf');
    expect(pages).toHaveLength(2);
    for (const page of pages!) expect(text.slice(page.start, page.end).trim()).not.toBe('');
    expect(text.slice(pages![0]!.start, pages![0]!.end)).toContain('Hello (world)');
    expect(text.slice(pages![0]!.start, pages![0]!.end)).toContain('Second line');
    expect(text.slice(pages![1]!.start, pages![1]!.end)).toBe('Page two text');
  });

  it('is detected from bytes when declared as octet-stream', async () => {
    const { text } = await extract(buildPdf([['Sniffed']]), 'application/octet-stream');
    expect(text).toBe('Sniffed');
  });

  it('reports password protection as encrypted_pdf', async () => {
    expect(
      await failure(
        extract(buildPdf([['secret']], { encrypt: 'needs-password' }), 'application/pdf'),
      ),
    ).toBe('encrypted_pdf');
  });

  it('reads PDFs encrypted with an empty user password (permission-only protection)', async () => {
    const owner = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
    const key = await emptyPasswordKey(owner);
    await prepareObjectKeys(key);
    const pdf = buildPdf([['Readable although encrypted']], { encrypt: { key, owner } });
    expect(new TextDecoder('latin1').decode(pdf)).not.toContain('Readable');
    expect((await extract(pdf, 'application/pdf')).text).toBe('Readable although encrypted');
    // The same file with a different owner entry derives another key: a password is needed.
    const other = buildPdf([['x']], { encrypt: { key, owner: owner.map((b) => b ^ 1) } });
    expect(await failure(extract(other, 'application/pdf'))).toBe('encrypted_pdf');
  });

  it('reports truncated and garbled PDFs as corrupt_file', async () => {
    const pdf = buildPdf([['Hello']]);
    expect(await failure(extract(pdf.slice(0, 60), 'application/pdf'))).toBe('corrupt_file');
    const garbled = new Uint8Array(2000).map((_, i) => (i * 7919) % 251);
    garbled.set(utf8('%PDF-1.7\n'));
    expect(await failure(extract(garbled, 'application/pdf'))).toBe('corrupt_file');
  });

  it('reports a PDF without a text layer as no_text', async () => {
    expect(await failure(extract(buildPdf([[]]), 'application/pdf'))).toBe('no_text');
  });
});

describe('docx', () => {
  it('keeps headings, paragraphs, list items and tables', async () => {
    const docx = buildDocx([
      { style: 'Title', text: 'Handbook' },
      { style: 'Heading1', text: 'Setup' },
      { text: 'Install the tool & run it.' },
      { style: 'Heading2', text: 'Options' },
      { text: 'Key\tValue' },
      { text: 'First item', list: true },
      {
        table: [
          ['Name', 'Age'],
          ['Ada', '36'],
        ],
      },
    ]);
    const { text } = await extract(docx, DOCX);
    expect(text).toBe(
      [
        '# Handbook',
        '# Setup',
        'Install the tool & run it.',
        '## Options',
        'Key Value',
        '- First item',
        'Name | Age',
        'Ada | 36',
      ].join('\n\n'),
    );
  });

  it('maps localised heading styles through styles.xml', async () => {
    const styles =
      '<w:styles xmlns:w="x"><w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>' +
      '<w:style w:type="paragraph" w:styleId="Standard"><w:name w:val="Normal"/></w:style></w:styles>';
    const docx = buildDocx(
      [
        { style: 'berschrift1', text: 'Einleitung' },
        { style: 'Standard', text: 'Text.' },
      ],
      { styles },
    );
    expect((await extract(docx, DOCX)).text).toBe('# Einleitung\n\nText.');
  });

  it('reports broken archives and zips that are not Word documents', async () => {
    const docx = buildDocx([{ text: 'Hello' }]);
    expect(await failure(extract(docx.slice(0, docx.length - 30), DOCX))).toBe('corrupt_file');
    const xlsx = zipSync({ 'xl/workbook.xml': strToU8('<workbook/>') });
    expect(await failure(extract(xlsx, DOCX))).toBe('type_mismatch');
    expect(await failure(extract(xlsx, 'application/octet-stream'))).toBe('unsupported_type');
  });

  it('refuses a document.xml that claims to expand beyond the limit', async () => {
    const docx = buildDocx([{ text: 'Hello' }]);
    // Central directory entry of word/document.xml: uncompressed size at offset 24.
    const name = new TextEncoder().encode('word/document.xml');
    let entry = -1;
    for (let i = 0; i < docx.length - 4 && entry === -1; i++) {
      const isCentral =
        docx[i] === 0x50 && docx[i + 1] === 0x4b && docx[i + 2] === 1 && docx[i + 3] === 2;
      if (isCentral && name.every((b, k) => docx[i + 46 + k] === b)) entry = i;
    }
    expect(entry).toBeGreaterThan(0);
    new DataView(docx.buffer).setUint32(entry + 24, 0x7fffffff, true);
    // Refused from the declared size alone, before anything is inflated.
    expect(await failure(extract(docx, DOCX))).toBe('limits_exceeded');
  });

  it('reports a document with only empty paragraphs as no_text', async () => {
    expect(await failure(extract(buildDocx([{ text: ' ' }]), DOCX))).toBe('no_text');
  });
});

describe('type lies and bad input', () => {
  it('rejects PDF bytes declared as text', async () => {
    expect(await failure(extract(buildPdf([['x']]), 'text/plain'))).toBe('type_mismatch');
  });

  it('rejects a declared PDF that is text', async () => {
    expect(await failure(extract(utf8('just text'), 'application/pdf'))).toBe('type_mismatch');
  });

  it('rejects a docx declared as markdown', async () => {
    expect(await failure(extract(buildDocx([{ text: 'x' }]), 'text/markdown'))).toBe(
      'type_mismatch',
    );
  });

  it('rejects random binary declared as text', async () => {
    let seed = 42;
    const random = new Uint8Array(4096).map(
      () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24,
    );
    expect(await failure(extract(random, 'text/plain'))).toBe('type_mismatch');
    expect(await failure(extract(random, 'application/json'))).toBe('type_mismatch');
    expect(await failure(extract(random, 'application/octet-stream'))).toBe('unsupported_type');
  });

  it('rejects unsupported and empty inputs', async () => {
    expect(await failure(extract(utf8('x'), 'image/png'))).toBe('unsupported_type');
    expect(await failure(extract(new Uint8Array(), 'text/plain'))).toBe('no_text');
    expect(await failure(extract(utf8(' \n\t\n'), 'text/markdown'))).toBe('no_text');
    expect(await failure(extract(utf8('[]'), 'application/json'))).toBe('no_text');
  });

  it('sniffs the text subtype of untyped uploads', async () => {
    expect((await extract(utf8('hello'), '')).text).toBe('hello');
    expect((await extract(utf8('[{"a":1}]'), 'application/octet-stream')).text).toBe('a: 1');
    const html = '<!DOCTYPE html><h1>T</h1><p>x</p>';
    expect((await extract(utf8(html), 'application/octet-stream')).text).toBe('# T\n\nx');
  });

  it('never throws anything but ExtractionError on mangled inputs', async () => {
    const seeds = [buildPdf([['Hello']]), buildDocx([{ text: 'Hello' }]), utf8('{"a":[1,2]}')];
    const types = ['application/pdf', DOCX, 'application/json', 'text/html', 'text/csv'];
    let state = 7;
    const next = () => (state = (state * 1664525 + 1013904223) >>> 0);
    for (let round = 0; round < 30; round++) {
      const source = seeds[round % seeds.length]!;
      const bytes = source.slice(0, 1 + (next() % source.length));
      for (let k = 0; k < 3; k++) bytes[next() % bytes.length] = next() & 0xff;
      const type = types[next() % types.length]!;
      await extract(bytes, type).catch((error: unknown) => {
        expect(error).toBeInstanceOf(ExtractionError);
      });
    }
  });
});
