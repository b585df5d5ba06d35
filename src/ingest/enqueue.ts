import type { DeleteMessage, Env, IngestMessage } from '../env';

/** Sends the reference-only ingest message for one document version. */
export async function enqueueIngest(
  env: Pick<Env, 'INGEST_QUEUE'>,
  message: Omit<IngestMessage, 'kind' | 'enqueuedAt'>,
): Promise<void> {
  await env.INGEST_QUEUE.send(
    { kind: 'ingest', enqueuedAt: Date.now(), ...message },
    { contentType: 'json' },
  );
}

/** Sends the message that runs (or resumes) one document's deletion saga. */
export async function enqueueDeletion(
  env: Pick<Env, 'INGEST_QUEUE'>,
  message: Omit<DeleteMessage, 'kind' | 'enqueuedAt'>,
): Promise<void> {
  await env.INGEST_QUEUE.send(
    { kind: 'delete', enqueuedAt: Date.now(), ...message },
    { contentType: 'json' },
  );
}
