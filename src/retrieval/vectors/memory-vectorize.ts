import { byteLength, VECTORIZE_LIMITS as LIMITS } from './limits';

type Metadata = Record<string, VectorizeVectorMetadata>;
interface Stored {
  id: string;
  values: number[];
  namespace?: string;
  metadata?: Metadata;
}

export interface MemoryVectorizeOptions {
  dimensions: number;
  /** Metadata properties with a metadata index; only these can be filtered on. */
  metadataIndexes?: string[];
  name?: string;
  maxVectors?: number;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

type Scalar = string | number | boolean | null;

function matchesClause(value: VectorizeVectorMetadata | undefined, clause: unknown): boolean {
  const actual = (value ?? null) as Scalar;
  if (clause === null || typeof clause !== 'object') return actual === clause;
  const ops = Object.entries(clause as Record<string, unknown>);
  return ops.every(([op, operand]) => {
    switch (op) {
      case '$eq':
        return actual === operand;
      case '$ne':
        return actual !== operand;
      case '$in':
        return (operand as Scalar[]).includes(actual);
      case '$nin':
        return !(operand as Scalar[]).includes(actual);
      default:
        throw new Error(`filter operator ${op} is not supported by the in-memory index`);
    }
  });
}

/**
 * An in-memory `VectorizeIndex` for tests and offline runs. It keeps Vectorize's
 * semantics (global ids, per-vector namespace, filter applied before topK) and throws
 * where the real service would reject a request, so code that passes here stays inside
 * the production limits. `calls` records each operation's size for assertions.
 */
export class MemoryVectorize implements VectorizeIndex {
  readonly calls: { op: string; size: number; namespace?: string }[] = [];
  private readonly vectors = new Map<string, Stored>();
  private readonly dimensions: number;
  private readonly metadataIndexes: Set<string>;
  private readonly name: string;
  private readonly maxVectors: number;

  constructor(options: MemoryVectorizeOptions) {
    this.dimensions = options.dimensions;
    this.metadataIndexes = new Set(options.metadataIndexes ?? []);
    if (this.metadataIndexes.size > LIMITS.maxMetadataIndexes) {
      throw new Error(`at most ${LIMITS.maxMetadataIndexes} metadata indexes per index`);
    }
    this.name = options.name ?? 'memory';
    this.maxVectors = options.maxVectors ?? LIMITS.maxVectorsPerIndex;
  }

  async describe(): Promise<VectorizeIndexDetails> {
    return {
      id: this.name,
      name: this.name,
      config: { dimensions: this.dimensions, metric: 'cosine' },
      vectorsCount: this.vectors.size,
    };
  }

  async insert(vectors: VectorizeVector[]): Promise<VectorizeVectorMutation> {
    this.validateWrite(vectors, 'insert');
    for (const v of vectors) {
      if (this.vectors.has(v.id)) throw new Error(`vector ${v.id} already exists`);
    }
    return this.write(vectors);
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeVectorMutation> {
    this.validateWrite(vectors, 'upsert');
    return this.write(vectors);
  }

  async deleteByIds(ids: string[]): Promise<VectorizeVectorMutation> {
    if (ids.length > LIMITS.maxDeleteBatch) {
      throw new Error(
        `deleteByIds accepts at most ${LIMITS.maxDeleteBatch} ids, got ${ids.length}`,
      );
    }
    this.calls.push({ op: 'deleteByIds', size: ids.length });
    const deleted = ids.filter((id) => this.vectors.delete(id));
    return { ids: deleted, count: deleted.length };
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    this.calls.push({ op: 'getByIds', size: ids.length });
    return ids.flatMap((id) => {
      const v = this.vectors.get(id);
      return v ? [structuredClone(v)] : [];
    });
  }

  async query(
    vector: VectorFloatArray | number[],
    options: VectorizeQueryOptions = {},
  ): Promise<VectorizeMatches> {
    const values = Array.from(vector);
    this.checkDimensions(values);
    const topK = options.topK ?? 5;
    const withData =
      options.returnValues === true ||
      options.returnMetadata === true ||
      options.returnMetadata === 'all';
    const ceiling = withData ? LIMITS.maxTopKWithData : LIMITS.maxTopK;
    if (!Number.isInteger(topK) || topK < 1 || topK > ceiling) {
      throw new Error(`topK must be an integer in 1..${ceiling} for this query, got ${topK}`);
    }
    if (options.namespace !== undefined) this.checkNamespace(options.namespace);
    const filter = options.filter ?? {};
    if (byteLength(JSON.stringify(filter)) > LIMITS.maxFilterBytes) {
      throw new Error(`metadata filter exceeds ${LIMITS.maxFilterBytes} bytes`);
    }
    for (const field of Object.keys(filter)) {
      if (!this.metadataIndexes.has(field)) {
        throw new Error(`no metadata index for "${field}"; create one before filtering on it`);
      }
    }
    this.calls.push({ op: 'query', size: topK, namespace: options.namespace });

    const candidates = [...this.vectors.values()].filter(
      (v) =>
        (options.namespace === undefined || v.namespace === options.namespace) &&
        Object.entries(filter).every(([field, clause]) =>
          matchesClause(v.metadata?.[field], clause),
        ),
    );
    const matches = candidates
      .map((v) => ({ v, score: cosine(values, v.values) }))
      .sort((a, b) => b.score - a.score || a.v.id.localeCompare(b.v.id))
      .slice(0, topK)
      .map(({ v, score }): VectorizeMatch => {
        const match: VectorizeMatch = { id: v.id, score };
        if (v.namespace !== undefined) match.namespace = v.namespace;
        if (options.returnValues) match.values = [...v.values];
        const metadata = this.returnedMetadata(v.metadata, options.returnMetadata);
        if (metadata) match.metadata = metadata;
        return match;
      });
    return { matches, count: matches.length };
  }

  private returnedMetadata(
    metadata: Metadata | undefined,
    level: VectorizeQueryOptions['returnMetadata'],
  ): Metadata | undefined {
    if (!metadata || !level || level === 'none') return undefined;
    if (level === true || level === 'all') return structuredClone(metadata);
    return Object.fromEntries(
      Object.entries(metadata).filter(([field]) => this.metadataIndexes.has(field)),
    );
  }

  private validateWrite(vectors: VectorizeVector[], op: string): void {
    if (vectors.length > LIMITS.maxUpsertBatch) {
      throw new Error(
        `${op} accepts at most ${LIMITS.maxUpsertBatch} vectors, got ${vectors.length}`,
      );
    }
    for (const v of vectors) {
      if (byteLength(v.id) > LIMITS.maxIdBytes)
        throw new Error(`vector id exceeds 64 bytes: ${v.id}`);
      this.checkDimensions(Array.from(v.values));
      if (v.namespace !== undefined) this.checkNamespace(v.namespace);
      if (v.metadata && byteLength(JSON.stringify(v.metadata)) > LIMITS.maxMetadataBytes) {
        throw new Error(`metadata of ${v.id} exceeds ${LIMITS.maxMetadataBytes} bytes`);
      }
    }
    this.calls.push({ op, size: vectors.length });
  }

  private write(vectors: VectorizeVector[]): VectorizeVectorMutation {
    const namespaces = new Set([...this.vectors.values()].map((v) => v.namespace));
    for (const v of vectors) {
      if (!this.vectors.has(v.id) && this.vectors.size >= this.maxVectors) {
        throw new Error(`index is full (${this.maxVectors} vectors)`);
      }
      if (!namespaces.has(v.namespace)) {
        if (namespaces.size >= LIMITS.maxNamespacesPerIndex) {
          throw new Error(`index has ${LIMITS.maxNamespacesPerIndex} namespaces already`);
        }
        namespaces.add(v.namespace);
      }
      this.vectors.set(v.id, {
        id: v.id,
        values: Array.from(v.values),
        ...(v.namespace !== undefined && { namespace: v.namespace }),
        ...(v.metadata && { metadata: structuredClone(v.metadata) }),
      });
    }
    return { ids: vectors.map((v) => v.id), count: vectors.length };
  }

  private checkDimensions(values: number[]): void {
    if (values.length !== this.dimensions) {
      throw new Error(`expected ${this.dimensions} dimensions, got ${values.length}`);
    }
  }

  private checkNamespace(namespace: string): void {
    if (byteLength(namespace) > LIMITS.maxNamespaceBytes) {
      throw new Error(`namespace exceeds ${LIMITS.maxNamespaceBytes} bytes`);
    }
  }
}
