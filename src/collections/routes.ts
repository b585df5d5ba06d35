import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { accessOf } from '../access/visibility';
import { recordAudit } from '../audit/record';
import { collectionDocuments, collectionMembers, collections } from '../db/schema';
import { bumpCorpusVersion, findDocument } from '../documents/repository';
import { ApiError } from '../errors';
import { timeIdCursor } from '../http/cursor';
import { AUTHENTICATED, errorResponses as errors, jsonResponse as json } from '../http/openapi';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import type { AppEnv } from '../types';
import { collectionDetail, findCollection, listCollections, toCollectionDto } from './repository';
import {
  CollectionDetailSchema,
  CollectionDocumentParam,
  CollectionIdParam,
  CollectionMemberParam,
  CollectionSchema,
  CreateCollectionBody,
  ListCollectionsQuery,
} from './schemas';

/**
 * Collections (issue #16): named sets of documents whose members (end-user ids) may read them.
 * A user reaches the collections they created or belong to, and manages only those they
 * created; API keys reach and manage all of the tenant's, as their role allows. Every change
 * bumps the corpus version, since it changes what some user's cached search may contain.
 */
export const collectionsRouter = createRouter();

async function requireCollection(c: Context<AppEnv>, id: string) {
  const row = await findCollection(c.var.db, c.var.principal, id);
  if (!row) throw ApiError.notFound('collection');
  return row;
}

async function requireManagedCollection(c: Context<AppEnv>, id: string) {
  const row = await requireCollection(c, id);
  const { userId } = c.var.principal;
  if (userId !== null && row.ownerUserId !== userId) {
    throw ApiError.forbidden('only the creator of this collection may change it');
  }
  return row;
}

collectionsRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/collections',
    operationId: 'createCollection',
    summary: 'Create a collection; a user token becomes its owner and first member',
    middleware: [authorize('documents:write')] as const,
    request: {
      body: { content: { 'application/json': { schema: CreateCollectionBody } }, required: true },
    },
    responses: {
      201: json(CollectionSchema, 'Created'),
      ...errors(...AUTHENTICATED, 400, 403, 413, 415),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const body = c.req.valid('json');
    const id = crypto.randomUUID();
    const members = [
      ...new Set([
        ...(principal.userId !== null ? [principal.userId] : []),
        ...(body.members ?? []),
      ]),
    ];
    const row = await db.transaction(async (tx) => {
      const [created] = await tx
        .insert(collections)
        .values({
          id,
          tenantId: principal.tenantId,
          name: body.name,
          ownerUserId: principal.userId,
          createdByKeyId: principal.keyId,
        })
        .returning();
      if (members.length) {
        await tx
          .insert(collectionMembers)
          .values(
            members.map((userId) => ({ collectionId: id, userId, tenantId: principal.tenantId })),
          );
      }
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'collection.create',
        targetType: 'collection',
        targetId: id,
        after: { name: body.name, members },
      });
      return created!;
    });
    return c.json(toCollectionDto(row), 201);
  },
);

/** `{a, i}`: the field names collection cursors have always had. */
const listCursor = timeIdCursor('a', 'i');

collectionsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/collections',
    operationId: 'listCollections',
    summary: 'Collections the caller reaches (a user: created or a member of), newest first',
    middleware: [authorize('documents:read')] as const,
    request: { query: ListCollectionsQuery },
    responses: {
      200: json(
        z.object({ data: z.array(CollectionSchema), nextCursor: z.string().nullable() }),
        'A page',
      ),
      ...errors(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = cursor ? listCursor.decode(cursor) : null;
    const rows = await listCollections(c.var.db, c.var.principal, limit, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        data: page.map((r) => toCollectionDto(r.row)),
        nextCursor:
          rows.length > limit && last ? listCursor.encode({ at: last.at, id: last.row.id }) : null,
      },
      200,
    );
  },
);

collectionsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/collections/{id}',
    operationId: 'getCollection',
    summary: 'A collection with its members and the documents of it the caller can see',
    middleware: [authorize('documents:read')] as const,
    request: { params: CollectionIdParam },
    responses: {
      200: json(CollectionDetailSchema, 'The collection'),
      ...errors(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const row = await requireCollection(c, c.req.valid('param').id);
    return c.json(await collectionDetail(c.var.db, row, accessOf(c.var.principal)), 200);
  },
);

collectionsRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/collections/{id}',
    operationId: 'deleteCollection',
    summary: 'Delete a collection (its documents stay; its members lose access through it)',
    middleware: [authorize('documents:write')] as const,
    request: { params: CollectionIdParam },
    responses: { 204: { description: 'Deleted' }, ...errors(...AUTHENTICATED, 400, 403, 404) },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const row = await requireManagedCollection(c, c.req.valid('param').id);
    await db.transaction(async (tx) => {
      await tx
        .delete(collections)
        .where(and(eq(collections.tenantId, principal.tenantId), eq(collections.id, row.id)));
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'collection.delete',
        targetType: 'collection',
        targetId: row.id,
        before: { name: row.name },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
    });
    return c.body(null, 204);
  },
);

collectionsRouter.openapi(
  createRoute({
    method: 'put',
    path: '/v1/collections/{id}/documents/{documentId}',
    operationId: 'addCollectionDocument',
    summary: 'Add a document (a user: one they own, or one shared with the tenant)',
    middleware: [authorize('documents:write')] as const,
    request: { params: CollectionDocumentParam },
    responses: {
      204: { description: 'Added (or already there)' },
      ...errors(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const { id, documentId } = c.req.valid('param');
    const row = await requireManagedCollection(c, id);
    const access = accessOf(principal);
    const document = await findDocument(db, principal.tenantId, documentId, access);
    if (!document) throw ApiError.notFound('document');
    // Adding shares the document with every member: a user may share only what is theirs (a
    // document that reached them through another collection is not theirs to pass on).
    if (access && document.ownerUserId !== access.userId && document.visibility !== 'tenant') {
      throw ApiError.forbidden('only the owner of this document may share it');
    }
    await db.transaction(async (tx) => {
      const added = await tx
        .insert(collectionDocuments)
        .values({ collectionId: row.id, documentId, tenantId: principal.tenantId })
        .onConflictDoNothing()
        .returning();
      if (added.length === 0) return;
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'collection.document.add',
        targetType: 'collection',
        targetId: row.id,
        after: { documentId },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
    });
    return c.body(null, 204);
  },
);

collectionsRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/collections/{id}/documents/{documentId}',
    operationId: 'removeCollectionDocument',
    summary: 'Remove a document from the collection (the document itself stays)',
    middleware: [authorize('documents:write')] as const,
    request: { params: CollectionDocumentParam },
    responses: { 204: { description: 'Removed' }, ...errors(...AUTHENTICATED, 400, 403, 404) },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const { id, documentId } = c.req.valid('param');
    const row = await requireManagedCollection(c, id);
    await db.transaction(async (tx) => {
      const removed = await tx
        .delete(collectionDocuments)
        .where(
          and(
            eq(collectionDocuments.collectionId, row.id),
            eq(collectionDocuments.documentId, documentId),
          ),
        )
        .returning();
      if (removed.length === 0) throw ApiError.notFound('document in this collection');
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'collection.document.remove',
        targetType: 'collection',
        targetId: row.id,
        before: { documentId },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
    });
    return c.body(null, 204);
  },
);

collectionsRouter.openapi(
  createRoute({
    method: 'put',
    path: '/v1/collections/{id}/members/{userId}',
    operationId: 'addCollectionMember',
    summary: "Add a member: that user may read the collection's documents",
    middleware: [authorize('documents:write')] as const,
    request: { params: CollectionMemberParam },
    responses: {
      204: { description: 'Added (or already a member)' },
      ...errors(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const { id, userId } = c.req.valid('param');
    const row = await requireManagedCollection(c, id);
    await db.transaction(async (tx) => {
      const added = await tx
        .insert(collectionMembers)
        .values({ collectionId: row.id, userId, tenantId: principal.tenantId })
        .onConflictDoNothing()
        .returning();
      if (added.length === 0) return;
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'collection.member.add',
        targetType: 'collection',
        targetId: row.id,
        after: { userId },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
    });
    return c.body(null, 204);
  },
);

collectionsRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/collections/{id}/members/{userId}',
    operationId: 'removeCollectionMember',
    summary: 'Remove a member',
    middleware: [authorize('documents:write')] as const,
    request: { params: CollectionMemberParam },
    responses: { 204: { description: 'Removed' }, ...errors(...AUTHENTICATED, 400, 403, 404) },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const { id, userId } = c.req.valid('param');
    const row = await requireManagedCollection(c, id);
    await db.transaction(async (tx) => {
      const removed = await tx
        .delete(collectionMembers)
        .where(
          and(eq(collectionMembers.collectionId, row.id), eq(collectionMembers.userId, userId)),
        )
        .returning();
      if (removed.length === 0) throw ApiError.notFound('member');
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'collection.member.remove',
        targetType: 'collection',
        targetId: row.id,
        before: { userId },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
    });
    return c.body(null, 204);
  },
);
