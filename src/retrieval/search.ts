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
  let scopeIds: string[] | undefined;
  if (wantSemantic && (hasDocumentFilters(request.filters) || isScopedAccess(access))) {
    scopeIds = await resolveDocumentIds(db, tenantId, request.filters ?? {}, undefined, access);
    if (scopeIds.length === 0) return { results: [], total: 0, timings };
  }

  const feedbackDocs = request.mode === 'hybrid' ? (request.feedback ?? DEFAULT_FEEDBACK_DOCS) : 0;
  // The query embedding starts at once, beside the keyword leg; with feedback the vector query
  // waits for the keyword leg, whose statement also returns its top hits' embeddings.
  const embedStart = performance.now();
  const queryVector = wantSemantic ? embedQuery(env, request.query) : undefined;
  queryVector?.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
  const keywordLeg = async (): Promise<RankedList & { feedback: number[][] }> => {
    if (!wantKeyword) return { name: 'keyword', items: [], feedback: [] };
    const start = performance.now();
    const { items, feedback } = await keywordSearch(db, tenantId, request.query, {
      limit: depth,
      filters: request.filters,
      access,
      ...(feedbackDocs > 0
        ? { feedback: { count: feedbackDocs, model: createEmbedder(env).model } }
        : {}),
    });
    timings.keyword = since(start);
    return { name: 'keyword', items, feedback };
  };
  const semanticLeg = async (feedback: Promise<number[][]>): Promise<RankedList> => {
    if (!queryVector) return { name: 'semantic', items: [] };
    let vector = await queryVector;
    timings.embed = since(embedStart);
    vector = expandQuery(vector, await feedback);
    const start = performance.now();
    const matches = await createVectorStore(env, db).query(tenantId, vector, {
      topK: depth,
      filter: {
        ...(scopeIds ? { documentIds: scopeIds } : {}),
        ...(access ? { access } : {}),
      },
    });
    timings.vector = since(start);
    return { name: 'semantic', items: matches.map((m) => ({ id: m.id, score: m.score })) };
  };

  const keywordRun = keywordLeg();
  keywordRun.catch(() => {}); // awaited below
  const [semantic, keyword] = await Promise.all([
    semanticLeg(feedbackDocs > 0 ? keywordRun.then((k) => k.feedback) : Promise.resolve([])),
    keywordRun,
  ]);

  let start = performance.now();
  let ranked: Array<{ id: string; score: number; components: Record<string, number> }>;
  if (request.mode === 'hybrid') {
    ranked = fuse([semantic, keyword], request.fusion ?? DEFAULT_FUSION);
  } else {
    const only = request.mode === 'semantic' ? semantic : keyword;
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
        ...(request.mode === 'hybrid' ? { fused: item.score } : {}),
        ...(rerank !== undefined ? { rerank } : {}),
      },
      ...(request.highlight !== false ? { snippet: highlight(hit.text, request.query) } : {}),
    });
  }
  return { results, total: ranked.length, timings };
}
