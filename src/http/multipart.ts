import { ApiError } from '../errors';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** Must be read to the end (or cancelled) before the next part is requested. */
  body: ReadableStream<Uint8Array>;
}

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const MAX_HEADER_BYTES = 16 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const malformed = (why: string) =>
  new ApiError(400, 'bad_request', `malformed multipart body: ${why}`);

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (
    let i = haystack.indexOf(first!, from);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A pull-based byte buffer over a stream. */
class Scanner {
  private buf: Uint8Array;
  private done = false;
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    initial: Uint8Array,
  ) {
    this.buf = initial;
  }
  get pending() {
    return this.buf;
  }
  get ended() {
    return this.done;
  }
  async fill(): Promise<boolean> {
    if (this.done) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    const next = new Uint8Array(this.buf.length + value.length);
    next.set(this.buf);
    next.set(value, this.buf.length);
    this.buf = next;
    return true;
  }
  take(n: number): Uint8Array {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  async ensure(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.fill())) return false;
    return true;
  }
  cancel() {
    this.reader.cancel().catch(() => {});
  }
}

function parseHeaders(raw: string) {
  const headers = new Map<string, string>();
  for (const line of raw.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  // Anchored at a parameter start, so `name` never matches inside `filename`.
  const param = (key: string) => {
    const star = new RegExp(`(?:^|[;\\s])${key}\\*=UTF-8''([^;]+)`, 'i').exec(disposition);
    if (star) {
      try {
        return decodeURIComponent(star[1]!.trim());
      } catch {
        // A lone `%` or a broken UTF-8 sequence: the client's fault, not a 500 (URIError).
        throw malformed(`the ${key}* parameter is not valid percent-encoded UTF-8`);
      }
    }
    const plain = new RegExp(
      `(?:^|[;\\s])${key}="([^"]*)"|(?:^|[;\\s])${key}=([^;\\s]+)`,
      'i',
    ).exec(disposition);
    return plain ? (plain[1] ?? plain[2]) : undefined;
  };
  const name = param('name');
  if (!name || !/^\s*form-data/i.test(disposition))
    throw malformed('a part lacks form-data disposition');
  return { name, filename: param('filename'), contentType: headers.get('content-type') };
}

export function boundaryOf(contentType: string): string {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2]?.trim();
  if (!boundary || boundary.length > 70) throw malformed('missing or invalid boundary');
  return boundary;
}

/**
 * Streams multipart/form-data parts without buffering them: a file part is handed
 * over as a stream, so uploads of any size pass through in bounded memory.
 */
export async function* parseMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
): AsyncGenerator<MultipartPart> {
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  // A leading CRLF lets the first boundary match the same delimiter as the others.
  const scanner = new Scanner(body.getReader(), CRLF.slice());
  try {
    // Skip the preamble up to the first delimiter.
    for (;;) {
      const at = indexOf(scanner.pending, delimiter);
      if (at !== -1) {
        scanner.take(at + delimiter.length);
        break;
      }
      if (scanner.pending.length > delimiter.length)
        scanner.take(scanner.pending.length - delimiter.length);
      if (!(await scanner.fill())) throw malformed('no opening boundary');
    }
    for (;;) {
      if (!(await scanner.ensure(2))) throw malformed('truncated after a boundary');
      const after = scanner.take(2);
      if (after[0] === 45 && after[1] === 45) return; // "--": the closing boundary
      if (after[0] !== 13 || after[1] !== 10) throw malformed('bad boundary line');
      let headerEnd: number;
      while ((headerEnd = indexOf(scanner.pending, HEADER_END)) === -1) {
        if (scanner.pending.length > MAX_HEADER_BYTES) throw malformed('part headers too large');
        if (!(await scanner.fill())) throw malformed('truncated part headers');
      }
      const headers = parseHeaders(decoder.decode(scanner.take(headerEnd)));
      scanner.take(HEADER_END.length);
      let finished = false;
      const partBody = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            for (;;) {
              const at = indexOf(scanner.pending, delimiter);
              if (at !== -1) {
                if (at > 0) controller.enqueue(scanner.take(at).slice());
                scanner.take(delimiter.length);
                finished = true;
                controller.close();
                return;
              }
              const safe = scanner.pending.length - (delimiter.length - 1);
              if (safe > 64 * 1024 || (safe > 0 && scanner.ended)) {
                controller.enqueue(scanner.take(safe).slice());
                return;
              }
              if (!(await scanner.fill())) {
                controller.error(malformed('truncated part body'));
                return;
              }
            }
          },
        },
        { highWaterMark: 0 },
      );
      yield { ...headers, body: partBody };
      if (!finished) {
        // The consumer skipped the body: drain it so parsing can continue.
        const reader = partBody.getReader();
        while (!(await reader.read()).done);
      }
    }
  } finally {
    scanner.cancel();
  }
}
