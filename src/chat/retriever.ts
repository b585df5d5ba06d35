import type { PassageRetriever, RetrievedPassage } from '../ai/answer/passages';
import type { DocumentAccess } from '../access/visibility';
import type { Database } from '../db/client';
import type { Env } from '../env';
import type { SearchFilters } from '../retrieval/scope';
import { search, type SearchResponse } from '../retrieval/search';

export interface RetrievalTiming {
  /** Wall time of the whole retrieval step, as the answer waits for it. */
  latencyMs: number;
  /** Search's own breakdown (embed, vector, keyword, fusion, hydrate, rerank). */
  search: SearchResponse['timings'];
  /** Legs that failed: the passages come from the other one (see search). */
  degraded: SearchResponse['degraded'];
}

export interface TimedRetriever extends PassageRetriever {
  /** The last call's timing; null before the first call. */
  lastTiming(): RetrievalTiming | null;
}

/**
 * Passages for an answer: hybrid search inside the scope and the asker's reach. A failed
 * retrieval leg degrades the search to the other leg (see search), so the answer chain still
 * runs, down to its extractive tier; only both legs failing stops the turn
 * (`retrieval_unavailable`). The tenant is whatever the caller authenticated as; a per-call
 * `documentIds` can only narrow the scope further.
 */
export function searchRetriever(
  env: Env,
  db: Database,
  scope: SearchFilters,
  access: DocumentAccess | null = null,
): TimedRetriever {
  let last: RetrievalTiming | null = null;
  return {
    lastTiming: () => last,
    async retrieve(tenantId, query, options): Promise<RetrievedPassage[]> {
      const started = performance.now();
      const response = await search(env, db, tenantId, {
        query,
        mode: 'hybrid',
        topK: options.topK,
        offset: 0,
        filters: narrow(scope, options.documentIds),
        highlight: false,
        access,
      });
      last = {
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        search: response.timings,
        degraded: response.degraded,
      };
      return response.results.map((hit) => ({
        chunkId: hit.id,
        documentId: hit.documentId,
        title: hit.title,
        text: hit.text,
        score: hit.score,
      }));
    },
  };
}

function narrow(scope: SearchFilters, documentIds: string[] | undefined): SearchFilters {
  if (!documentIds?.length) return scope;
  if (!scope.documentIds?.length) return { ...scope, documentIds };
  const allowed = new Set(scope.documentIds);
  // An empty intersection must stay empty, not fall back to "no filter".
  const both = documentIds.filter((id) => allowed.has(id));
  return { ...scope, documentIds: both.length ? both : ['00000000-0000-0000-0000-000000000000'] };
}
