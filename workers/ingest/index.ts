import type { Env, EventsMessage, IngestQueueMessage } from '../../src/env';
import { handleEventsBatch } from '../../src/events/consumer';
import { handleIngestBatch } from '../../src/ingest/consumer';
import { runMaintenance } from '../../src/maintenance';
import { logJson } from '../../src/observability/log';
import { traceIdOf } from '../../src/observability/traceparent';
import { openDatabase } from '../../src/db/client';
import {
  handleTenantDeleteMessage,
  isTenantDeleteMessage,
  type TenantDeleteMessage,
} from '../../src/tenants/deletion';

type QueueMessage = IngestQueueMessage | EventsMessage | TenantDeleteMessage | string;

/**
 * Tenant deletions share the ingest queue (issue #16). They are taken out of the batch here and
 * the rest goes on to the ingest consumer unchanged. From the dead-letter queue a deletion is
 * left `running` with its last error, for an operator to re-issue DELETE.
 */
async function splitTenantDeletions(
  batch: MessageBatch<IngestQueueMessage | TenantDeleteMessage>,
  env: Env,
): Promise<MessageBatch<IngestQueueMessage>> {
  const deletions = batch.messages.filter((m) => isTenantDeleteMessage(m.body));
  if (!deletions.length) return batch as MessageBatch<IngestQueueMessage>;
  const { db, close } = openDatabase(env);
  try {
    for (const message of deletions as Message<TenantDeleteMessage>[]) {
      if (batch.queue.endsWith('-dlq')) message.ack();
      else await handleTenantDeleteMessage(env, db, message);
    }
  } finally {
    await close().catch(() => {});
  }
  const rest = batch.messages.filter(
    (m) => !isTenantDeleteMessage(m.body),
  ) as Message<IngestQueueMessage>[];
  return {
    queue: batch.queue,
    metadata: batch.metadata,
    messages: rest,
    ackAll: () => rest.forEach((m) => m.ack()),
    retryAll: (options) => rest.forEach((m) => m.retry(options)),
  };
}

const isEventsQueue = (queue: string) =>
  queue === 'vellum-events' || queue.startsWith('vellum-events-');

/** Logs each ingest or enrich message with the trace id of the request that enqueued it. */
function logIngestBatch(batch: MessageBatch<IngestQueueMessage>) {
  for (const message of batch.messages) {
    const body = message.body;
    logJson('info', {
      msg: 'ingest.message',
      kind: body.kind,
      queue: batch.queue,
      traceId: traceIdOf(body.traceparent),
      tenantId: body.tenantId,
      documentId: body.documentId,
      version: body.version,
      slice: body.kind === 'ingest' ? (body.slice?.index ?? null) : null,
      attempt: message.attempts,
      queuedMs: Date.now() - body.enqueuedAt,
    });
  }
}

export default {
  async queue(batch, env, ctx) {
    if (isEventsQueue(batch.queue)) {
      await handleEventsBatch(batch as MessageBatch<EventsMessage | string>, env, ctx);
      return;
    }
    const ingest = await splitTenantDeletions(
      batch as MessageBatch<IngestQueueMessage | TenantDeleteMessage>,
      env,
    );
    if (!ingest.messages.length) return;
    logIngestBatch(ingest);
    await handleIngestBatch(ingest, env, ctx);
  },

  /** Daily storage lifecycle: retention, orphan cleanup, expiry of idempotency keys and metrics. */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env, { now: controller.scheduledTime, cron: controller.cron }));
  },
} satisfies ExportedHandler<Env, QueueMessage>;
