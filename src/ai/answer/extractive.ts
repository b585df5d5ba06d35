import type { LlmEvent } from '../llm/types';
import { verifyCitations, type Citation } from './citations';
import type { CitablePassage } from './passages';
import { sentences, terms } from './text';

export interface ExtractiveAnswer {
  text: string;
  citations: Citation[];
}

export interface ExtractiveOptions {
  maxSentences?: number;
  /** Only the first passages are considered: retrieval already ranked them. */
  topPassages?: number;
}

export const NO_PASSAGES_ANSWER = 'No passage in the documents matches this question.';

interface Candidate {
  passage: CitablePassage;
  rank: number;
  text: string;
  start: number;
  score: number;
}

/**
 * Answers without a model: the sentences of the top passages that share the most terms with
 * the question, each quoted verbatim in the citation syntax, so every citation verifies.
 */
export function extractiveAnswer(
  question: string,
  passages: CitablePassage[],
  options: ExtractiveOptions = {},
): ExtractiveAnswer {
  const maxSentences = options.maxSentences ?? 3;
  const top = passages.slice(0, options.topPassages ?? 5);
  if (top.length === 0) return { text: NO_PASSAGES_ANSWER, citations: [] };

  const wanted = new Set(terms(question));
  const candidates: Candidate[] = [];
  top.forEach((passage, rank) => {
    for (const sentence of sentences(passage.text)) {
      // The quote must survive the citation syntax intact.
      if (sentence.text.includes('"]')) continue;
      const own = new Set(terms(sentence.text));
      let overlap = 0;
      for (const t of own) if (wanted.has(t)) overlap += 1;
      // Favour dense matches and higher-ranked passages; long sentences do not win by size.
      const score = overlap / Math.sqrt(own.size + 1) - rank * 0.05;
      candidates.push({ passage, rank, text: sentence.text, start: sentence.start, score });
    }
  });
  const matching = candidates.filter((c) => c.score > 0).sort((a, b) => b.score - a.score);
  const chosen = (matching.length ? matching : candidates.slice(0, 1)).slice(0, maxSentences);
  chosen.sort((a, b) => a.rank - b.rank || a.start - b.start);

  const lead = matching.length
    ? 'From the documents:'
    : 'No passage matches the question closely; the most relevant one says:';
  const lines = chosen.map((c) => {
    const title = c.passage.title ? ` (${c.passage.title})` : '';
    return `- [${c.passage.citeId}: "${c.text}"]${title}`;
  });
  const text = `${lead}\n${lines.join('\n')}`;
  return { text, citations: verifyCitations(text, passages) };
}

/** The same answer as a stream of deltas, so every tier looks alike to the caller. */
export async function* streamText(text: string, model: string): AsyncGenerator<LlmEvent> {
  for (const piece of text.match(/\S+\s*|\s+/g) ?? []) yield { type: 'delta', text: piece };
  yield { type: 'done', usage: { inputTokens: 0, outputTokens: 0 }, stopReason: 'end_turn', model };
}
