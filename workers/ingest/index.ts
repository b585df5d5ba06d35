import type { Env, EventsMessage, IngestQueueMessage } from '../../src/env';
import { handleEventsBatch } from '../../src/events/consumer';
import { handleIngestBatch } from '../../src/ingest/consumer';
import { runMaintenance } from '../../src/maintenance';
import { logJson } from '../../src/observability/log';
import { traceIdOf } from '../../src/observability/traceparent';
import { wireDomainHooks } from '../../src/wiring';

// The deletion saga and the cron run here: their documents-deleted reactions must be wired too.
wireDomainHooks();

type QueueMessage = IngestQueueMessage | EventsMessage | string;

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
      version: body.kind === 'delete' ? null : body.version,
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
    logIngestBatch(batch as MessageBatch<IngestQueueMessage>);
    await handleIngestBatch(batch as MessageBatch<IngestQueueMessage>, env, ctx);
  },

  /** Daily storage lifecycle: retention, orphan cleanup, expiry of idempotency keys and metrics. */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env, { now: controller.scheduledTime, cron: controller.cron }));
  },
} satisfies ExportedHandler<Env, QueueMessage>;
