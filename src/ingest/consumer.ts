import type { Env, IngestMessage } from '../env';

/** Queue consumer entry; the pipeline lands with the ingestion work. */
export async function handleIngestBatch(
  batch: MessageBatch<IngestMessage>,
  _env: Env,
  _ctx: ExecutionContext,
) {
  for (const message of batch.messages) message.ack();
}
