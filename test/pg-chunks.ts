// Documents and chunk rows written straight to Postgres, for tests of the layers below ingest.
import type { Database } from '../src/db/client';
import { chunks, documents } from '../src/db/schema';

export interface DocSpec {
  texts: string[];
  version?: number;
  readyVersion?: number | null;
  tags?: string[];
  mimeType?: string;
}

/** Inserts a document and its chunk rows (no embeddings yet); returns the ids. */
export async function insertDocument(db: Database, tenantId: string, spec: DocSpec) {
  const documentId = crypto.randomUUID();
  const version = spec.version ?? 1;
  await db.insert(documents).values({
    id: documentId,
    tenantId,
    title: 'doc',
    mimeType: spec.mimeType ?? 'text/plain',
    byteSize: 1,
    sha256: crypto.randomUUID(),
    currentVersion: version,
    readyVersion: spec.readyVersion === undefined ? version : spec.readyVersion,
    tags: spec.tags ?? [],
  });
  const rows = await db
    .insert(chunks)
    .values(
      spec.texts.map((text, ordinal) => ({
        tenantId,
        documentId,
        version,
        ordinal,
        text,
        tokenCount: 1,
        contentHash: `${documentId}-${ordinal}`,
        charStart: 0,
        charEnd: text.length,
      })),
    )
    .returning({ id: chunks.id });
  return { documentId, chunkIds: rows.map((r) => r.id) };
}
