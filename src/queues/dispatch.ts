import type { DeleteMessage, EnrichMessage, Env, EventsMessage, IngestMessage } from '../env';
import { handleDeleteMessages } from '../documents/delete-consumer';
import { handleEnrichMessages } from '../enrichment/consumer';
import { handleEventMessages } from '../analytics/consumer';
import { handleIngestMessages } from '../ingest/consumer';
import { openDatabase } from '../db/client';
import { handleTenantDeleteMessage, type TenantDeleteMessage } from '../operator/tenant-deletion';
import { errorFields, logJson } from '../observability/log';
import { traceIdOf } from '../observability/traceparent';

/** Every message the ingest Worker consumes, told apart by `kind` alone. */
export type QueueMessage =
  IngestMessage | EnrichMessage | DeleteMessage | EventsMessage | TenantDeleteMessage;

/** Where a batch came from: the work queue or its dead-letter queue (`<queue>-dlq`). */
export interface BatchSource {
  queue: string;
  deadLetter: boolean;
}

/**
 * A message body as queued: an object, or JSON text (the events sink sends text so events are
 * serialised once). Anything else is not a message any code path can handle.
 */
function decode(body: unknown): QueueMessage {
  const value = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (
    kind === 'ingest' ||
    kind === 'enrich' ||
    kind === 'delete' ||
    kind === 'events' ||
    kind === 'tenant-delete'
  )
    return value as QueueMessage;
  throw new Error(`unknown message kind ${JSON.stringify(kind)}`);
}

/** The same delivery, seen with its decoded body: ack and retry settle the original. */
function withBody<T>(message: Message<unknown>, body: T): Message<T> {
  return {
    id: message.id,
    timestamp: message.timestamp,
    attempts: message.attempts,
    body,
    ack: () => message.ack(),
    retry: (options?: QueueRetryOptions) => message.retry(options),
  };
}

function logDelivery(source: BatchSource, body: QueueMessage, attempt: number) {
  if (body.kind === 'events') return; // logged once stored, with its counts
  if (body.kind === 'tenant-delete') {
    logJson('info', {
      msg: 'tenant.delete_message',
      queue: source.queue,
      tenantId: body.tenantId,
      attempt,
    });
    return;
  }
  logJson('info', {
    msg: 'ingest.message',
    kind: body.kind,
    queue: source.queue,
    traceId: traceIdOf(body.traceparent),
    tenantId: body.tenantId,
    documentId: body.documentId,
    version: body.kind === 'delete' ? null : body.version,
    slice: body.kind === 'ingest' ? (body.slice?.index ?? null) : null,
    attempt,
    queuedMs: Date.now() - body.enqueuedAt,
  });
}

/**
 * The one queue dispatcher of the ingest Worker, for every queue it consumes (`vellum-ingest`,
 * `vellum-events` and their shards, and each one's `-dlq`). The queue name says only whether
 * a batch is dead letters; what a message is comes from its `kind`, through one exhaustive
 * switch. Undecodable bodies are logged whole and acked: no retry can fix them.
 */
export async function dispatchQueueBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const source: BatchSource = { queue: batch.queue, deadLetter: batch.queue.endsWith('-dlq') };
  const ingest: Message<IngestMessage>[] = [];
  const enrich: Message<EnrichMessage>[] = [];
  const deletes: Message<DeleteMessage>[] = [];
  const events: Message<EventsMessage>[] = [];
  const tenantDeletions: Message<TenantDeleteMessage>[] = [];
  for (const message of batch.messages) {
    let body: QueueMessage;
    try {
      body = decode(message.body);
    } catch (error) {
      logJson('error', {
        msg: 'queue.undecodable',
        queue: batch.queue,
        attempt: message.attempts,
        raw: String(
          typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
        ).slice(0, 10_000),
        ...errorFields(error),
      });
      message.ack();
      continue;
    }
    logDelivery(source, body, message.attempts);
    switch (body.kind) {
      case 'ingest':
        ingest.push(withBody(message, body));
        break;
      case 'enrich':
        enrich.push(withBody(message, body));
        break;
      case 'delete':
        deletes.push(withBody(message, body));
        break;
      case 'events':
        events.push(withBody(message, body));
        break;
      case 'tenant-delete':
        tenantDeletions.push(withBody(message, body));
        break;
      default: {
        const unreachable: never = body;
        throw new Error(`unhandled message ${JSON.stringify(unreachable)}`);
      }
    }
  }
  // Deletions and enrichment settle before ingest: ingest runs its one whole-file message last
  // (poison isolation, ingest/isolation.ts), so nothing else is redelivered if it kills the
  // invocation.
  if (deletes.length) await handleDeleteMessages(deletes, source, env, ctx);
  if (enrich.length) await handleEnrichMessages(enrich, source, env, ctx);
  if (ingest.length) await handleIngestMessages(ingest, source, env, ctx);
  if (events.length) await handleEventMessages(events, source, env, ctx);
  if (tenantDeletions.length) await handleTenantDeletions(tenantDeletions, source, env);
}

/**
 * Tenant deletions (issue #16) share the ingest queue, one step per message. From the
 * dead-letter queue a deletion is acked and left `running` with its last error, for an operator
 * to re-issue DELETE.
 */
async function handleTenantDeletions(
  messages: Message<TenantDeleteMessage>[],
  source: BatchSource,
  env: Env,
) {
  if (source.deadLetter) {
    for (const message of messages) message.ack();
    return;
  }
  const { db, close } = openDatabase(env, 'background');
  try {
    for (const message of messages) await handleTenantDeleteMessage(env, db, message);
  } finally {
    await close().catch(() => {});
  }
}
