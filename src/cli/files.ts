import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export const contentTypeOf = (path: string) =>
  CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** `*` matches within one path segment, `**` across segments, `?` one character. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files a directory or glob names, sorted so runs are repeatable. */
export async function expandInput(input: string, cwd = process.cwd()): Promise<string[]> {
  if (!/[*?]/.test(input)) {
    const path = resolve(cwd, input);
    const info = await stat(path);
    return info.isDirectory() ? (await walk(path)).sort() : [path];
  }
  const segments = input.split('/');
  const firstMagic = segments.findIndex((s) => /[*?]/.test(s));
  const root = resolve(cwd, segments.slice(0, firstMagic).join('/') || '.');
  const matcher = globToRegExp(segments.slice(firstMagic).join('/'));
  const files = await walk(root);
  return files.filter((f) => matcher.test(relative(root, f).split(sep).join('/'))).sort();
}

export async function sha256File(path: string): Promise<{ bytes: Buffer; sha256: string }> {
  const bytes = await readFile(path);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
