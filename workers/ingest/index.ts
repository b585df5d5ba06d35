import type { Env, IngestMessage } from '../../src/env';
import { handleIngestBatch } from '../../src/ingest/consumer';

export default {
  async queue(batch, env, ctx) {
    await handleIngestBatch(batch, env, ctx);
  },
} satisfies ExportedHandler<Env, IngestMessage>;
