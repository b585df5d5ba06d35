import { ApiError } from '../errors';

/** The same cap as titles: a filename becomes the title when none is given. */
export const MAX_FILENAME_LENGTH = 512;

// C0/C1 controls (header and log injection, NUL truncation) and the bidi overrides that make
// "evil\u202Etxt.exe" display as "evilexe.txt".
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Half a surrogate pair is not text: encodeURIComponent throws on it (a URIError, i.e. a 500).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const invalid = (why: string) =>
  new ApiError(400, 'invalid_filename', `the filename is not valid: ${why}`);

/**
 * Validates a client-supplied filename before it becomes a title, a version's filename or R2
 * metadata. A directory part (some clients send `C:\Users\me\report.pdf` or `../../x`) is
 * stripped, keeping the last path segment; control characters and over-long names are refused
 * with 400 `invalid_filename`. An empty result counts as no filename.
 */
export function cleanFilename(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (FORBIDDEN.test(raw)) throw invalid('it contains control characters');
  if (LONE_SURROGATE.test(raw)) throw invalid('it is not well-formed Unicode');
  const base = raw.slice(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1).trim();
  if (base === '' || base === '.' || base === '..') return undefined;
  if (base.length > MAX_FILENAME_LENGTH)
    throw invalid(`it is longer than ${MAX_FILENAME_LENGTH} characters`);
  return base;
}
