// Request and response types come from the server's zod schemas (type-only imports: the client
// carries none of the server's code), so a renamed or retyped field breaks the client's build.
import type { z } from '@hono/zod-openapi';
import type {
  ChunkSchema,
  DocumentDetailSchema,
  DocumentSchema,
  ListQuery,
  PatchBody,
  UploadResultSchema,
} from '../documents/schemas';
import type {
  CollectionDetailSchema,
  CollectionSchema,
  CreateCollectionBody,
} from '../collections/schemas';
import type { CreateKeyBody, IssuedKeySchema, KeySchema, SelfSchema } from '../keys/schemas';
import type { SearchBody, SearchResponseSchema } from '../search/schemas';
import type { CreateTokenBody } from '../tokens/schemas';
import type { MetricsReport as Report } from '../metrics/report';

export type { Role } from '../types';

export type Document = z.output<typeof DocumentSchema>;
export type DocumentDetail = z.output<typeof DocumentDetailSchema>;
export type Chunk = z.output<typeof ChunkSchema>;
export type UploadResult = z.output<typeof UploadResultSchema>;
export type ListDocumentsQuery = Partial<z.input<typeof ListQuery>>;
export type DocumentPatch = z.input<typeof PatchBody>;
/** `private` (owner and collections) or `tenant`; see docs/access.md. */
export type Visibility = Document['visibility'];
export type Collection = z.output<typeof CollectionSchema>;
export type CollectionDetail = z.output<typeof CollectionDetailSchema>;
export type CreateCollectionRequest = z.input<typeof CreateCollectionBody>;
export type SearchRequest = z.input<typeof SearchBody>;
export type SearchResponse = z.output<typeof SearchResponseSchema>;
export type ApiKey = z.output<typeof KeySchema>;
export type IssuedKey = z.output<typeof IssuedKeySchema>;
export type CreateKeyRequest = z.input<typeof CreateKeyBody>;
/** `GET /v1/keys/self`: the key, and for a user token also its user, operations and scope. */
export type Self = z.output<typeof SelfSchema>;
export type CreateTokenRequest = z.input<typeof CreateTokenBody>;
/** `GET /v1/admin/metrics`: the tenant's figures over the window. */
export type MetricsReport = Report;
export type AuditEntry = Record<string, unknown> & { id: string; action: string };
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}
