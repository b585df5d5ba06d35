import { z } from 'zod';

/** Stored limits: a summary is a short paragraph, tags are usable as document tags as they are. */
export const MAX_SUMMARY_CHARS = 600;
export const MAX_SUGGESTED_TAGS = 5;
export const MAX_TAG_CHARS = 40;

/** What the model is asked to return. Extra keys are ignored; missing or mistyped ones fail. */
const RawEnrichment = z.object({
  summary: z.string(),
  tags: z.array(z.string()).max(50),
});

export interface Enrichment {
  summary: string;
  suggestedTags: string[];
}

export type ParsedEnrichment = { ok: true; value: Enrichment } | { ok: false; reason: string };

/** The JSON object in a reply: bare, fenced in ```json, or after a line of preamble. */
function jsonCandidate(text: string): string | null {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i.exec(trimmed);
  const body = (fenced ? fenced[1]! : trimmed).trim();
  if (body.startsWith('{')) return body;
  if (body.startsWith('[')) return null; // JSON, but not the object asked for
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  return start >= 0 && end > start ? body.slice(start, end + 1) : null;
}

/** Lowercase, spaces to hyphens, only the characters document tags allow, at most 40 chars. */
export function normaliseTag(raw: string): string {
  const tag = raw
    .normalize('NFKC')
    .toLowerCase()
    .trim()
    .replace(/^#+/, '')
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}_.:\/-]/gu, '')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.:/]+|[-.:/]+$/g, '');
  if (tag.length <= MAX_TAG_CHARS) return tag;
  // Cut at a word boundary when one is near the limit, else hard at the limit.
  const cut = tag.slice(0, MAX_TAG_CHARS);
  const boundary = /[-_.:/]/.test(tag[MAX_TAG_CHARS]!) ? MAX_TAG_CHARS : cut.lastIndexOf('-');
  return (boundary > MAX_TAG_CHARS / 2 ? cut.slice(0, boundary) : cut).replace(/[-.:/_]+$/g, '');
}

/** Normalised, non-empty, first occurrence kept, at most five. */
export function normaliseTags(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (const candidate of raw) {
    const tag = normaliseTag(candidate);
    if (tag && !out.includes(tag)) out.push(tag);
    if (out.length === MAX_SUGGESTED_TAGS) break;
  }
  return out;
}

/** One paragraph, cut at a word boundary with an ellipsis when longer than the limit. */
export function normaliseSummary(raw: string): string {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text.length <= MAX_SUMMARY_CHARS) return text;
  const cut = text.slice(0, MAX_SUMMARY_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_SUMMARY_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

/** Reads the model's reply. Anything but a JSON object with a non-empty summary is malformed. */
export function parseEnrichment(text: string): ParsedEnrichment {
  const candidate = jsonCandidate(text);
  if (!candidate) return { ok: false, reason: 'no JSON object in the reply' };
  let json: unknown;
  try {
    json = JSON.parse(candidate);
  } catch {
    return { ok: false, reason: 'the reply is not valid JSON' };
  }
  const parsed = RawEnrichment.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason:
        `unexpected shape: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
    };
  }
  const summary = normaliseSummary(parsed.data.summary);
  if (!summary) return { ok: false, reason: 'the summary is empty' };
  return { ok: true, value: { summary, suggestedTags: normaliseTags(parsed.data.tags) } };
}
