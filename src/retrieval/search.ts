import { createEmbedder } from '../ai/embed';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { expandQuery } from './feedback';
import { fuse, type FusionConfig, type RankedList } from './fusion';
import { highlight, type Snippet } from './highlight';
import { hydrateChunks, type ChunkHit } from './hydrate';
import { keywordSearch } from './keyword';
import { createReranker } from './rerank';
import type { DocumentAccess } from '../access/visibility';
import {
  hasDocumentFilters,
  isScopedAccess,
  resolveDocumentIds,
  type SearchFilters,
} from './scope';
import { createVectorStore } from './vectors';
import { retrievalUnavailable, runLeg, semanticBreakerKey, type RetrievalLeg } from './degrade';

export type SearchMode = 'semantic' | 'keyword' | 'hybrid';

/** Hybrid defaults to the fusion that measured best on the retrieval eval (see docs/retrieval.md). */
export const DEFAULT_FUSION: FusionConfig = { method: 'rrf', k: 60 };
/** Hybrid's pseudo-relevance feedback depth by default (0 = off); measured in docs/retrieval.md. */
export const DEFAULT_FEEDBACK_DOCS = 3;
/** Each retriever contributes at least this many candidates before fusion. */
const MIN_CANDIDATES = 100;
/** Deepest result a cursor can reach. */
export const MAX_DEPTH = 1000;
const RERANK_DEPTH = 50;

export interface SearchRequest {
  query: string;
  mode: SearchMode;
  topK: number;
  offset: number;
  filters?: SearchFilters;
  fusion?: FusionConfig;
  rerank?: boolean;
  highlight?: boolean;
  /** Hybrid only: top keyword results used as pseudo-relevance feedback for the semantic leg. */
  feedback?: number;
  /** An end user's reach (null or absent: an API key, the whole tenant); see docs/access.md. */
  access?: DocumentAccess | null;
}

export interface SearchResult extends ChunkHit {
  score: number;
  scores: { keyword?: number; semantic?: number; rerank?: number; fused?: number };
  snippet?: Snippet;
}

export interface SearchResponse {
  results: SearchResult[];
  total: number;
  timings: {
    embed: number;
    vector: number;
    keyword: number;
    fusion: number;
    hydrate: number;
    rerank: number;
  };
  /** Legs that failed (or whose breaker was open); the results come from the other one. */
  degraded: RetrievalLeg[];
  /**
   * False when the keyword leg cut a postings list to its read budget (keyword.ts): its hits are
   * the best of the chunks it read rather than the exact BM25 top k.
   */
  exhaustive: boolean;
}

const queryVectors = new Map<string, number[]>();
async function embedQuery(env: Env, text: string): Promise<number[]> {
  const embedder = createEmbedder(env);
  const key = `${embedder.model}\u0000${text}`;
  const cached = queryVectors.get(key);
  if (cached) return cached;
  const [vector] = await embedder.embed([text]);
  if (queryVectors.size > 500) queryVectors.clear();
  queryVectors.set(key, vector!);
  return vector!;
}

const since = (start: number) => Math.round((performance.now() - start) * 100) / 100;

/** Runs one search inside one tenant. The tenant comes from the caller's key, never the request. */
export async function search(
  env: Env,
  db: Database,
  tenantId: string,
  request: SearchRequest,
): Promise<SearchResponse> {
  const timings = { embed: 0, vector: 0, keyword: 0, fusion: 0, hydrate: 0, rerank: 0 };
  const depth = Math.min(MAX_DEPTH, Math.max(MIN_CANDIDATES, request.offset + request.topK));
  const wantSemantic = request.mode !== 'keyword';
  const wantKeyword = request.mode !== 'semantic';

  const access = request.access ?? null;
  // Document filters (and a token scope the vector store cannot express) become an id list for
  // the vector store; resolved once, only if needed (a degraded keyword search never does).
  const needsIds = hasDocumentFilters(request.filters) || isScopedAccess(access);
  let scope: Promise<string[] | undefined> | undefined;
  const scopeIds = () =>
    (scope ??= needsIds
      ? resolveDocumentIds(db, tenantId, request.filters ?? {}, undefined, access)
      : Promise.resolve(undefined));
  if (wantSemantic && needsIds && (await scopeIds())!.length === 0) {
    return { results: [], total: 0, timings, degraded: [], exhaustive: true };
  }

  let exhaustive = true;
  const feedbackDocs = request.mode === 'hybrid' ? (request.feedback ?? DEFAULT_FEEDBACK_DOCS) : 0;
  const keywordLeg = async (): Promise<RankedList & { feedback: number[][] }> => {
    const start = performance.now();
    const { items, feedback, exact } = await keywordSearch(db, tenantId, request.query, {
      limit: depth,
      filters: request.filters,
      access,
      ...(feedbackDocs > 0
        ? { feedback: { count: feedbackDocs, model: createEmbedder(env).model } }
        : {}),
    });
    timings.keyword = since(start);
    exhaustive = exact;
    return { name: 'keyword', items, feedback };
  };
  const semanticLeg = async (feedback: Promise<number[][]>): Promise<RankedList> => {
    const embedStart = performance.now();
    let vector = await embedQuery(env, request.query);
    timings.embed = since(embedStart);
    vector = expandQuery(vector, await feedback);
    const ids = await scopeIds();
    if (ids && ids.length === 0) return { name: 'semantic', items: [] };
    const start = performance.now();
    const matches = await createVectorStore(env, db).query(tenantId, vector, {
      topK: depth,
      filter: {
        ...(ids ? { documentIds: ids } : {}),
        ...(access ? { access } : {}),
      },
    });
    timings.vector = since(start);
    return { name: 'semantic', items: matches.map((m) => ({ id: m.id, score: m.score })) };
  };
  const runKeyword = () => runLeg('keyword', keywordLeg);
  const runSemantic = (feedback: Promise<number[][]>) =>
    runLeg('semantic', () => semanticLeg(feedback), semanticBreakerKey(env));

  // Both legs start at once; with feedback the vector query waits for the keyword leg, whose
  // statement also returns its top hits' embeddings. A failed leg degrades the search to the
  // other one (run then, if the mode had not asked for it); both failing is a 503.
  const keywordRun = wantKeyword ? runKeyword() : undefined;
  const semanticRun = wantSemantic
    ? runSemantic(
        feedbackDocs > 0 && keywordRun
          ? keywordRun.then((k) => (k.ok ? k.value.feedback : []))
          : Promise.resolve([]),
      )
    : undefined;
  let [semanticOut, keywordOut] = await Promise.all([semanticRun, keywordRun]);
  const degraded: RetrievalLeg[] = [];
  if (semanticOut && !semanticOut.ok) {
    degraded.push('semantic');
    keywordOut ??= await runKeyword();
  }
  if (keywordOut && !keywordOut.ok) {
    degraded.push('keyword');
    semanticOut ??= await runSemantic(Promise.resolve([]));
  }
  const answered = [semanticOut, keywordOut].flatMap((o) => (o?.ok ? [o.value] : []));
  if (answered.length === 0) throw retrievalUnavailable();

  let start = performance.now();
  let ranked: Array<{ id: string; score: number; components: Record<string, number> }>;
  if (request.mode === 'hybrid' && answered.length === 2) {
    ranked = fuse([answered[0]!, answered[1]!], request.fusion ?? DEFAULT_FUSION);
  } else {
    const only = answered[0]!;
    ranked = only.items.map((i) => ({
      id: i.id,
      score: i.score,
      components: { [only.name]: i.score },
    }));
  }
  timings.fusion = since(start);

  const rerankScores = new Map<string, number>();
  if (request.rerank && ranked.length > 1 && request.offset < RERANK_DEPTH) {
    start = performance.now();
    const head = ranked.slice(0, RERANK_DEPTH);
    const texts = await hydrateChunks(
      db,
      tenantId,
      head.map((r) => r.id),
      access,
    );
    const reranked = await createReranker(env).rerank(
      request.query,
      head.filter((r) => texts.has(r.id)).map((r) => ({ id: r.id, text: texts.get(r.id)!.text })),
    );
    for (const r of reranked) rerankScores.set(r.id, r.score);
    const order = new Map(reranked.map((r, i) => [r.id, i]));
    const rerankedHead = head
      .filter((r) => order.has(r.id))
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    ranked = [...rerankedHead, ...ranked.slice(RERANK_DEPTH)];
    timings.rerank = since(start);
  }

  const page = ranked.slice(request.offset, request.offset + request.topK);
  start = performance.now();
  const hits = await hydrateChunks(
    db,
    tenantId,
    page.map((p) => p.id),
    access,
  );
  timings.hydrate = since(start);
  const results: SearchResult[] = [];
  for (const item of page) {
    const hit = hits.get(item.id);
    if (!hit) continue;
    const rerank = rerankScores.get(item.id);
    results.push({
      ...hit,
      score: rerank ?? item.score,
      scores: {
        ...(item.components.keyword !== undefined ? { keyword: item.components.keyword } : {}),
        ...(item.components.semantic !== undefined ? { semantic: item.components.semantic } : {}),
        ...(request.mode === 'hybrid' && answered.length === 2 ? { fused: item.score } : {}),
        ...(rerank !== undefined ? { rerank } : {}),
      },
      ...(request.highlight !== false ? { snippet: highlight(hit.text, request.query) } : {}),
    });
  }
  return { results, total: ranked.length, timings, degraded, exhaustive };
}
