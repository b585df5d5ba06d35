import { z } from '@hono/zod-openapi';
import { Metadata, Tag } from '../documents/schemas';
import { IsoTimestamp } from '../http/timestamp';

export const SearchFiltersSchema = z
  .object({
    documentIds: z.array(z.uuid()).max(1000).optional(),
    tags: z.array(Tag).max(32).optional(),
    mimeTypes: z.array(z.string().max(128)).max(16).optional(),
    metadata: Metadata.optional(),
    createdFrom: IsoTimestamp().optional(),
    createdTo: IsoTimestamp().optional(),
  })
  .strict()
  .openapi('SearchFilters');

export const FusionSchema = z
  .discriminatedUnion('method', [
    z
      .object({ method: z.literal('rrf'), k: z.number().int().min(1).max(1000).default(60) })
      .strict(),
    z
      .object({ method: z.literal('convex'), alpha: z.number().min(0).max(1).default(0.5) })
      .strict(),
  ])
  .openapi('Fusion');

/**
 * Users paste whole questions, and IR test collections hold queries past 2,000 characters. The
 * embedder reads the first 512 tokens of a query; the keyword leg keeps its most selective terms.
 */
export const MAX_QUERY_CHARS = 16_000;

export const SearchBody = z
  .object({
    query: z.string().trim().min(1).max(MAX_QUERY_CHARS),
    mode: z.enum(['semantic', 'keyword', 'hybrid']).default('hybrid'),
    topK: z.number().int().min(1).max(100).default(10),
    cursor: z.string().max(512).optional(),
    filters: SearchFiltersSchema.optional(),
    fusion: FusionSchema.optional(),
    rerank: z.boolean().default(false),
    feedback: z.number().int().min(0).max(10).optional().openapi({
      description:
        'hybrid: top keyword results used as pseudo-relevance feedback for the semantic leg',
    }),
    highlight: z.boolean().default(true),
  })
  .strict()
  .openapi('SearchRequest');

export const SearchHitSchema = z
  .object({
    chunkId: z.uuid(),
    documentId: z.uuid(),
    title: z.string(),
    version: z.number().int(),
    score: z.number(),
    scores: z.object({
      keyword: z.number().optional(),
      semantic: z.number().optional(),
      fused: z.number().optional(),
      rerank: z.number().optional(),
    }),
    text: z.string(),
    headingPath: z.array(z.string()),
    charStart: z.number().int(),
    charEnd: z.number().int(),
    page: z.number().int().nullable(),
    snippet: z
      .object({
        text: z.string(),
        html: z.string(),
        start: z.number().int(),
        end: z.number().int(),
      })
      .optional(),
  })
  .openapi('SearchHit');

export const SearchResponseSchema = z
  .object({
    results: z.array(SearchHitSchema),
    nextCursor: z.string().nullable(),
    mode: z.enum(['semantic', 'keyword', 'hybrid']),
    took_ms: z.number(),
    cache: z.enum(['hit', 'miss']),
    timings: z.record(z.string(), z.number()),
    degraded: z.array(z.enum(['semantic', 'keyword'])).openapi({
      description:
        'Retrieval legs that failed (or whose breaker was open) for this search: the results ' +
        'come from the other leg only. Empty when the search ran as asked. Also sent as the ' +
        '`Vellum-Degraded` header. A degraded response is never cached.',
    }),
    exhaustive: z.boolean().openapi({
      description:
        'False when the keyword leg read only the best postings of its longest term lists (a ' +
        "large tenant's per-query read budget, docs/retrieval.md): its hits are then the best " +
        'of the chunks it read, each scored exactly, rather than the exact BM25 top k.',
    }),
  })
  .openapi('SearchResponse');
