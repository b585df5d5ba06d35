import { Inflate } from 'fflate';
import { ExtractionError } from './errors';
import { LIMITS, limitsExceeded } from './limits';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** Uncompressed size as the central directory declares it (the attacker's claim). */
  declaredSize: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

const corrupt = (message: string) => new ExtractionError('corrupt_file', message);

/**
 * The central directory of a zip: one pass over at most `LIMITS.zipEntries` records. Works on
 * the whole file or on just its tail (the directory sits at the end), which is how the memory
 * budget reads declared sizes before loading a document. Zip64 is refused: no DOCX needs it.
 */
export function readZipDirectory(bytes: Uint8Array, fileLength = bytes.length): ZipEntry[] {
  // The end record is 22 bytes plus a comment of at most 65535.
  const floor = Math.max(0, bytes.length - 22 - 0xffff);
  let end = -1;
  for (let at = bytes.length - 22; at >= floor; at--) {
    if (u32(bytes, at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end === -1) throw corrupt('The Word document is not a readable zip archive');
  const count = u16(bytes, end + 10);
  if (count === 0xffff || u32(bytes, end + 16) === 0xffffffff) {
    throw corrupt('Zip64 archives are not supported for Word documents');
  }
  if (count > LIMITS.zipEntries) {
    throw limitsExceeded('zipEntries', `The archive has more than ${LIMITS.zipEntries} entries`);
  }
  // Offsets are of the whole file; `bytes` may be only its last part.
  const shift = fileLength - bytes.length;
  let at = u32(bytes, end + 16) - shift;
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at < 0 || at + 46 > end || u32(bytes, at) !== CENTRAL) {
      throw corrupt('The zip central directory is damaged');
    }
    const nameLength = u16(bytes, at + 28);
    const next = at + 46 + nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (next > end) throw corrupt('The zip central directory is damaged');
    entries.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: u16(bytes, at + 10),
      compressedSize: u32(bytes, at + 20),
      declaredSize: u32(bytes, at + 24),
      localHeaderOffset: u32(bytes, at + 42),
    });
    at = next;
  }
  return entries;
}

/**
 * Inflates one entry, never producing more than `min(declaredSize, maxBytes)` bytes: the data
 * is fed in small pieces and inflation stops as soon as the output passes the ceiling, so a
 * bomb costs at most that many bytes of work (fflate's one-shot inflate keeps decoding past a
 * full output buffer).
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || u32(bytes, at) !== LOCAL) {
    throw corrupt(`${entry.name}: damaged local header`);
  }
  const start = at + 30 + u16(bytes, at + 26) + u16(bytes, at + 28);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (data.length < entry.compressedSize) throw corrupt(`${entry.name} is truncated`);
  if (entry.declaredSize > maxBytes) {
    throw limitsExceeded('inflatedBytes', `${entry.name} expands beyond ${maxBytes} bytes`);
  }
  if (entry.method === 0) return data.slice(0, entry.declaredSize);
  if (entry.method !== 8) throw corrupt(`${entry.name}: unsupported compression ${entry.method}`);

  const out = new Uint8Array(entry.declaredSize);
  let written = 0;
  let lying = false;
  const inflater = new Inflate((chunk) => {
    if (written + chunk.length > out.length) {
      lying = true;
      return;
    }
    out.set(chunk, written);
    written += chunk.length;
  });
  // 4 KiB of deflate yields at most ~4 MiB, so the overshoot past the ceiling stays small.
  const PIECE = 4096;
  for (let offset = 0; offset < data.length && !lying; offset += PIECE) {
    const end = Math.min(data.length, offset + PIECE);
    inflater.push(data.subarray(offset, end), end === data.length);
  }
  if (lying) throw corrupt(`${entry.name} inflates beyond its declared size`);
  return written === out.length ? out : out.subarray(0, written);
}

/** Declared uncompressed bytes of the entries `names` (for the memory budget). */
export function declaredBytes(entries: ZipEntry[], names: ReadonlySet<string>): number {
  let total = 0;
  for (const entry of entries) if (names.has(entry.name)) total += entry.declaredSize;
  return total;
}
