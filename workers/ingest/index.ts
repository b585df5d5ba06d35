import type { Env } from '../../src/env';
import { runMaintenance } from '../../src/maintenance';
import { dispatchQueueBatch, type QueueMessage } from '../../src/queues/dispatch';
import { wireDomainHooks } from '../../src/wiring';

// The deletion saga and the cron run here: their documents-deleted reactions must be wired too.
wireDomainHooks();

export default {
  /** Every queue this Worker consumes goes through the one dispatcher (src/queues/dispatch.ts). */
  async queue(batch, env, ctx) {
    await dispatchQueueBatch(batch, env, ctx);
  },

  /** Daily storage lifecycle: retention, orphan cleanup, expiry of idempotency keys and metrics. */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env, { now: controller.scheduledTime, cron: controller.cron }));
  },
} satisfies ExportedHandler<Env, QueueMessage | string>;
