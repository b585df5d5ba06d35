// The queue consumers declared in the wrangler configs match what the code expects of them:
// every work queue dead-letters into a queue that is itself consumed, and the retry counts the
// backoff schedules were designed for are the ones deployed.
import { unstable_readConfig } from 'wrangler';
import { describe, expect, it } from 'vitest';
import { EVENTS_MAX_RETRIES } from '../../src/analytics/delivery';
import { MAX_INGEST_ATTEMPTS } from '../../src/ingest/retry';

const CONFIGS = [
  { config: 'workers/ingest/wrangler.toml', env: undefined },
  { config: 'workers/ingest/wrangler.toml', env: 'production' },
  { config: 'test/wrangler.test.toml', env: undefined },
] as const;

interface Consumer {
  queue: string;
  max_retries?: number;
  dead_letter_queue?: string;
}

const consumersOf = (config: string, env?: string): Consumer[] =>
  unstable_readConfig({ config, ...(env ? { env } : {}) }, { hideWarnings: true }).queues
    .consumers ?? [];

describe('queue consumers in the wrangler configs', () => {
  for (const { config, env } of CONFIGS) {
    const name = `${config}${env ? ` (${env})` : ''}`;

    it(`${name}: every work queue has a consumed dead-letter queue`, () => {
      const consumers = consumersOf(config, env);
      const consumed = new Set(consumers.map((c) => c.queue));
      for (const consumer of consumers.filter((c) => !c.queue.endsWith('-dlq'))) {
        expect(consumer.dead_letter_queue, consumer.queue).toBe(`${consumer.queue}-dlq`);
        expect(consumed.has(consumer.dead_letter_queue!), consumer.queue).toBe(true);
      }
    });

    it(`${name}: vellum-events retries as often as its backoff was designed for`, () => {
      const events = consumersOf(config, env).find((c) => c.queue === 'vellum-events');
      expect(events?.max_retries).toBe(EVENTS_MAX_RETRIES);
    });
  }

  it('the ingest Worker retries ingest as often as MAX_INGEST_ATTEMPTS says', () => {
    for (const env of [undefined, 'production']) {
      const ingest = consumersOf('workers/ingest/wrangler.toml', env).find(
        (c) => c.queue === 'vellum-ingest',
      );
      expect(ingest?.max_retries, env ?? 'dev').toBe(MAX_INGEST_ATTEMPTS);
    }
  });
});
