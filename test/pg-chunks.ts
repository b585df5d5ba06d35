// Documents and chunk rows written straight to Postgres, for tests of the layers below ingest.
import type { Database } from '../src/db/client';
import {
  chunks,
  collectionDocuments,
  collectionMembers,
  collections,
  documents,
} from '../src/db/schema';

export interface DocSpec {
  texts: string[];
  version?: number;
  readyVersion?: number | null;
  tags?: string[];
  mimeType?: string;
  visibility?: 'private' | 'tenant';
  ownerUserId?: string | null;
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
    visibility: spec.visibility ?? 'tenant',
    ownerUserId: spec.ownerUserId ?? null,
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

/** Puts a document in a new collection whose one member is `userId` (issue #16). */
export async function shareThroughCollection(
  db: Database,
  tenantId: string,
  documentId: string,
  userId: string,
) {
  const collectionId = crypto.randomUUID();
  await db.insert(collections).values({ id: collectionId, tenantId, name: 'shared' });
  await db.insert(collectionDocuments).values({ collectionId, documentId, tenantId });
  await db.insert(collectionMembers).values({ collectionId, userId, tenantId });
  return collectionId;
}
