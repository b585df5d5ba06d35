import { zlibSync } from 'fflate';

/**
 * Minimal PDF writer for tests: one Helvetica text line per entry, one page per array element,
 * with a correct cross-reference table so real parsers accept the file.
 */
export interface PdfOptions {
  /**
   * Adds an /Encrypt dictionary (Standard security handler, revision 2, RC4 40-bit):
   * - `needs-password`: keys that match no password, so the file cannot be opened;
   * - `key`: the encryption key derived from the empty user password (see `emptyPasswordKey`),
   *   with content streams encrypted under it: readable without a password, like PDFs that only
   *   restrict permissions.
   */
  encrypt?: 'needs-password' | { key: Uint8Array; owner: Uint8Array };
  /**
   * Compresses each content stream with Flate (zlib), after appending `padding` spaces to its
   * operators (whitespace to a PDF parser, so the page text is unchanged): a small file whose
   * stream inflates to any size. `twice` applies the filter two times.
   */
  deflate?: { padding?: number; twice?: boolean };
}

const ID = '0123456789abcdef0123456789abcdef';
const PERMISSIONS = -44;

export function buildPdf(pages: string[][], options: PdfOptions = {}): Uint8Array {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  const encryption = typeof options.encrypt === 'object' ? options.encrypt : undefined;

  const catalog = add('');
  const pagesObj = add('');
  const font = add(
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  );
  const kids: number[] = [];
  for (const lines of pages) {
    const ops = lines
      .map((line, i) => `BT /F1 12 Tf 72 ${720 - i * 18} Td (${escapePdfString(line)}) Tj ET`)
      .join('\n');
    const number = objects.length + 1;
    let data = encryption ? latin1(rc4(objectKey(encryption.key, number), bytes(ops))) : ops;
    let filter = '';
    if (options.deflate) {
      const raw = new Uint8Array(ops.length + (options.deflate.padding ?? 0)).fill(0x20);
      raw.set(bytes(ops));
      const once = zlibSync(raw, { level: 9 });
      data = latin1(options.deflate.twice ? zlibSync(once) : once);
      filter = options.deflate.twice
        ? ' /Filter [/FlateDecode /FlateDecode]'
        : ' /Filter /FlateDecode';
    }
    add(`<< /Length ${data.length}${filter} >>\nstream\n${data}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 612 792] ` +
          `/Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${number} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] =
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  let encrypt = 0;
  if (options.encrypt) {
    const owner = encryption ? hex(encryption.owner) : '7a'.repeat(32);
    const user = encryption ? hex(rc4(encryption.key, PAD)) : '3c'.repeat(32);
    encrypt = add(
      `<< /Filter /Standard /V 1 /R 2 /Length 40 /P ${PERMISSIONS} /O <${owner}> /U <${user}> >>`,
    );
  }

  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out +=
    `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R` +
    (encrypt ? ` /Encrypt ${encrypt} 0 R /ID [<${ID}> <${ID}>]` : '') +
    ` >>\nstartxref\n${xref}\n%%EOF\n`;
  // Latin-1 only: every char is one byte, so the offsets above are byte offsets.
  return bytes(out);
}

/** Algorithm 2 of the PDF spec (revision 2) for the empty user password. */
export async function emptyPasswordKey(owner: Uint8Array): Promise<Uint8Array> {
  const p = PERMISSIONS >>> 0;
  const input = new Uint8Array([
    ...PAD,
    ...owner,
    p & 0xff,
    (p >>> 8) & 0xff,
    (p >>> 16) & 0xff,
    p >>> 24,
    ...fromHex(ID),
  ]);
  return md5(input).then((digest) => digest.subarray(0, 5));
}

const PAD = new Uint8Array([
  0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
  0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
]);

/** Per-object key: MD5(key ‖ object number (3 bytes LE) ‖ generation 0 (2 bytes)), truncated. */
const objectKeys = new Map<string, Uint8Array>();
function objectKey(key: Uint8Array, number: number): Uint8Array {
  const cached = objectKeys.get(`${hex(key)}:${number}`);
  if (!cached) throw new Error(`call prepareObjectKeys for object ${number} first`);
  return cached;
}

/** MD5 is async in WebCrypto, so per-object keys are derived ahead of the synchronous writer. */
export async function prepareObjectKeys(key: Uint8Array, upTo = 64): Promise<void> {
  for (let number = 1; number <= upTo; number++) {
    const input = new Uint8Array([...key, number & 0xff, (number >> 8) & 0xff, number >> 16, 0, 0]);
    objectKeys.set(
      `${hex(key)}:${number}`,
      (await md5(input)).subarray(0, Math.min(16, key.length + 5)),
    );
  }
}

async function md5(data: Uint8Array): Promise<Uint8Array> {
  // workerd's WebCrypto implements MD5 for legacy formats like this one.
  return new Uint8Array(await crypto.subtle.digest('MD5', data));
}

function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = new Uint8Array(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

function escapePdfString(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`);
}

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const latin1 = (data: Uint8Array) => {
  let out = '';
  for (let i = 0; i < data.length; i += 8192)
    out += String.fromCharCode(...data.subarray(i, i + 8192));
  return out;
};
const hex = (data: Uint8Array) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
