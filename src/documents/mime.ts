import { ALLOWED_MIME_TYPES } from './schemas';

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

const ALIASES: Record<string, string> = {
  'text/x-markdown': 'text/markdown',
  'application/x-pdf': 'application/pdf',
  'text/json': 'application/json',
};

/** Declared type, or the file extension's when the client sent a generic type. */
export function resolveMimeType(
  declared: string | undefined,
  filename?: string,
): string | undefined {
  const base = declared?.split(';')[0]?.trim().toLowerCase();
  const normalised = base ? (ALIASES[base] ?? base) : undefined;
  if (normalised && normalised !== 'application/octet-stream') return normalised;
  const ext = filename?.split('.').pop()?.toLowerCase();
  return ext ? BY_EXTENSION[ext] : normalised;
}

export function isAllowedMimeType(mime: string | undefined): boolean {
  return !!mime && (ALLOWED_MIME_TYPES as readonly string[]).includes(mime);
}
