/** W3C Trace Context: `version-traceid-parentid-flags`, lower-case hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceContext {
  traceId: string;
  /** The caller's span id: our span's parent. */
  parentId: string;
  flags: string;
}

/** Parses a `traceparent` header; anything malformed (or an all-zero id) is rejected. */
export function parseTraceparent(header: string | null | undefined): TraceContext | null {
  if (!header) return null;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return null;
  const [, version, traceId, parentId, flags, rest] = match;
  // Version ff is forbidden; version 00 has no trailing fields (future versions may).
  if (version === 'ff' || (version === '00' && rest)) return null;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return null;
  return { traceId: traceId!, parentId: parentId!, flags: flags! };
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A new span id under `parent`, or a new sampled trace when there is no parent. */
export function childTraceparent(parent: TraceContext | null): string {
  const traceId = parent?.traceId ?? randomHex(16);
  const flags = parent?.flags ?? '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}

/** The trace id of a traceparent we produced or validated, for log lines. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}
