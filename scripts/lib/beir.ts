// Reads a BEIR-layout collection: corpus.jsonl, queries.jsonl, qrels/test.tsv.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Qrels } from './ir-metrics';

export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

function jsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

export function loadBeir(dir: string) {
  const corpus = jsonl<{ _id: string; title?: string; text?: string }>(
    join(dir, 'corpus.jsonl'),
  ).map((d) => ({
    id: String(d._id),
    title: (d.title ?? '').trim(),
    text: (d.text ?? '').trim(),
  }));
  const queries = new Map(
    jsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl')).map((q) => [
      String(q._id),
      q.text,
    ]),
  );
  const qrels: Qrels = new Map();
  const lines = readFileSync(join(dir, 'qrels', 'test.tsv'), 'utf8')
    .split('\n')
    .slice(1);
  for (const line of lines) {
    const [queryId, docId, score] = line.trim().split('\t');
    if (!queryId || !docId || score === undefined) continue;
    if (!queries.has(queryId)) continue;
    const judged = qrels.get(queryId) ?? new Map<string, number>();
    judged.set(docId, Number(score));
    qrels.set(queryId, judged);
  }
  return { corpus, queries, qrels };
}
