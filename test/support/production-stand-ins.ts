// Stand-ins for the production-only bindings (Vectorize, Workers AI, Analytics Engine), so the
// production configuration runs offline in workerd. Each keeps the real binding's request and
// response shapes and limits; none of them is a module stub: the product code under test is the
// production adapters themselves (VectorizeStore, WorkersAiEmbedder, WorkersAiReranker,
// analyticsEngineSink), talking to these objects through the binding interfaces.
import { embedLocally } from '../../src/ai/embed/local';
import { WORKERS_AI_EMBEDDING_MODEL } from '../../src/ai/embed/workers-ai';
import { scoreLexically } from '../../src/retrieval/rerank/lexical';
import { WORKERS_AI_RERANK_MODEL } from '../../src/retrieval/rerank/workers-ai';
import { MemoryVectorize } from '../../src/retrieval/vectors/memory-vectorize';
import {
  shardBinding,
  shardedIndexResolver,
  shardIndexName,
} from '../../src/retrieval/vectors/shard';
import { VECTORIZE_METADATA_INDEXES } from '../../src/retrieval/vectors/vectorize';

/** How the AI stand-in should answer its next calls. */
export type AiFault = 'error' | 'timeout';

/**
 * The `Ai` binding for the two models Vellum runs: bge-base embeddings (768 dimensions, in
 * Workers AI's `{ shape, data }` shape) and the bge reranker (`{ response: [{ id, score }] }`).
 * Embeddings are the local embedder's deterministic vectors, so retrieval quality is real;
 * reranking is the lexical reranker's scores. `fail(n, fault)` makes the next n calls fail.
 */
export class AiStandIn {
  readonly calls: Array<{ model: string; inputs: number }> = [];
  private faults: AiFault[] = [];

  fail(times: number, fault: AiFault = 'error') {
    this.faults.push(...Array.from({ length: times }, () => fault));
  }

  reset() {
    this.faults = [];
    this.calls.length = 0;
  }

  async run(model: string, inputs: Record<string, unknown>): Promise<unknown> {
    const fault = this.faults.shift();
    if (fault === 'timeout') {
      // Workers AI surfaces a gateway timeout as a thrown error after the platform's deadline;
      // the stand-in waits a little, then fails the same way.
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('AiError: 3046: Request timeout');
    }
    if (fault === 'error') throw new Error('AiError: 3040: Capacity temporarily exceeded');
    if (model === WORKERS_AI_EMBEDDING_MODEL) {
      const texts = inputs.text as string[];
      this.calls.push({ model, inputs: texts.length });
      if (texts.length > 100) throw new Error('AiError: 5006: too many inputs (max 100)');
      return { shape: [texts.length, 768], data: texts.map((t) => embedLocally(t)) };
    }
    if (model === WORKERS_AI_RERANK_MODEL) {
      const contexts = inputs.contexts as Array<{ text: string }>;
      this.calls.push({ model, inputs: contexts.length });
      const scored = scoreLexically(
        inputs.query as string,
        contexts.map((c, i) => ({ id: String(i), text: c.text })),
      );
      return { response: scored.map((r) => ({ id: Number(r.id), score: r.score })) };
    }
    throw new Error(`AiError: 5007: No such model ${model}`);
  }
}

/** An Analytics Engine dataset that keeps every data point written to it. */
export class DatasetStandIn implements AnalyticsEngineDataset {
  readonly points: AnalyticsEngineDataPoint[] = [];
  writeDataPoint(point?: AnalyticsEngineDataPoint): void {
    if (point) this.points.push(structuredClone(point));
  }
}

/** The production configuration runs sharded, so routing by tenant is exercised end to end. */
export const PRODUCTION_VECTOR_SHARDS = 2;

export interface ProductionStandIns {
  /** One index per shard, in shard order: `VECTORS`, `VECTORS_1`. */
  shards: MemoryVectorize[];
  /** Shard 0 (the `VECTORS` binding). Tests that look a tenant up use `vectorsOf(tenantId)`. */
  VECTORS: MemoryVectorize;
  AI: AiStandIn;
  METRICS: DatasetStandIn;
}

let standIns: ProductionStandIns | undefined;

/** One set per isolate: the test Worker and the tests in the same isolate see the same objects. */
export function productionStandIns(): ProductionStandIns {
  if (!standIns) {
    const shards = Array.from(
      { length: PRODUCTION_VECTOR_SHARDS },
      (_, shard) =>
        new MemoryVectorize({
          dimensions: 768,
          metadataIndexes: [...VECTORIZE_METADATA_INDEXES],
          name: shardIndexName(shard),
        }),
    );
    standIns = { shards, VECTORS: shards[0]!, AI: new AiStandIn(), METRICS: new DatasetStandIn() };
  }
  return standIns;
}

/** The stand-in index holding a tenant's vectors, resolved as the product resolves it. */
export function vectorsOf(tenantId: string): MemoryVectorize {
  const { shards } = productionStandIns();
  return shardedIndexResolver(shards)(tenantId) as MemoryVectorize;
}

/** The production bindings as the Workers see them: `VECTOR_SHARDS`, `VECTORS`, `VECTORS_1`, `AI`, `METRICS`. */
export function productionBindings(): Record<string, unknown> {
  const { shards, AI, METRICS } = productionStandIns();
  return {
    VECTOR_SHARDS: String(shards.length),
    ...Object.fromEntries(shards.map((index, shard) => [shardBinding(shard), index])),
    AI,
    METRICS,
  };
}
