// A scripted session in the production configuration (Vectorize, Workers AI and Analytics Engine
// through their stand-ins): uploads, searches, answers, a rate-limited burst and a breaker trip,
// then `/v1/admin/metrics` must show a non-zero figure for every metric the README lists. Each
// step also checks the figure its recorder feeds (all of them were zero before the recorders were
// called). Prints the report: `npx vitest run --project workers-prod test/prod/metrics-session.test.ts`.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import readme from '../../README.md?raw';
import type { Env } from '../../src/env';
import { figuresListedIn, REPORT_FIGURES } from '../../src/metrics/catalog';
import type { MetricsReport } from '../../src/metrics/report';
import { freshKey, script } from '../chat/fake';
import { newTenant, uploadText, withBindings, type TestClient } from '../helpers';
import { poll, waitForReady } from '../support/poll';
import {
  productionBindings as sharedProductionBindings,
  productionStandIns,
} from '../support/production-stand-ins';

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const GUIDE = [
  '# Osprey Compressor Manual',
  '',
  'The Osprey compressor delivers 42 litres per second at 8 bar.',
  'Its intake filter is replaced every 500 operating hours.',
  'The oil sump holds 3.5 litres of synthetic compressor oil.',
].join('\n');

const NOTES = [
  '# Depot Notes',
  '',
  'The depot gate opens at 05:30 on weekdays.',
  'Forklifts are charged overnight in bay 7.',
].join('\n');

/** The production bindings the test Worker adds (test/worker-prod.ts), every shard included. */
const productionBindings = () => sharedProductionBindings() as Partial<Env>;

let client: TestClient;

async function report(): Promise<MetricsReport> {
  const { status, body } = await client.json('/v1/admin/metrics?window=60');
  expect(status).toBe(200);
  return body;
}

/** Metrics reach Postgres through the write-behind buffer (within a second or so): poll. */
function eventually(what: string, check: (r: MetricsReport) => boolean): Promise<MetricsReport> {
  return poll(what, async () => {
    const r = await report();
    return check(r) ? r : undefined;
  });
}

const figure = (r: MetricsReport, id: string) => REPORT_FIGURES.find((f) => f.id === id)!.read(r);

describe('metrics after a scripted session (production configuration)', () => {
  beforeAll(async () => {
    client = await newTenant('admin', 'metrics-session');
    // A small events bucket, so a burst of five is refused after the second.
    const settings = await client.json('/v1/tenant/settings', {
      ...post({ rateLimits: { events: { capacity: 2, refillPerSecond: 0.001 } } }),
      method: 'PATCH',
    });
    expect(settings.status).toBe(200);
  });

  it('lists the same figures in the README as the report catalog', () => {
    expect(figuresListedIn(readme)).toEqual(REPORT_FIGURES.map((f) => f.id));
  });

  it('counts uploads, ingest stage durations and embedding tokens', async () => {
    for (const [text, title] of <const>[
      [GUIDE, 'Osprey'],
      [NOTES, 'Depot'],
    ]) {
      const { status, body } = await uploadText(client, text, `?title=${title}`, 'text/markdown');
      expect(status).toBe(202);
      await waitForReady(client, body.document.id);
    }
    const r = await eventually(
      'uploads, stages and embeddings',
      (x) =>
        x.today.uploads >= 2 &&
        ['ingest_stage_ms', 'embedding_tokens'].every((id) => figure(x, id) > 0),
    );
    expect(r.today.uploads).toBe(2);
    expect(r.ingestStages.map((s) => s.stage)).toEqual(
      expect.arrayContaining(['queue_wait', 'extract', 'chunk', 'embed']),
    );
    const ingest = r.ai.find((a) => a.kind === 'embedding' && a.purpose === 'ingest');
    expect(ingest?.tokensIn).toBeGreaterThan(0);
    expect(ingest?.costUsd).toBeGreaterThan(0);
    // The same series went to Analytics Engine too.
    const blobs = productionStandIns().METRICS.points.filter(
      (p) => p.indexes?.[0] === client.tenantId,
    );
    expect(blobs.map((p) => p.blobs?.[0])).toEqual(expect.arrayContaining(['ingest_stage']));
  });

  it('reports the search cache hit rate and query embeddings', async () => {
    for (let i = 0; i < 2; i++) {
      const { status } = await client.json(
        '/v1/search',
        post({ query: 'how often is the Osprey intake filter replaced', mode: 'hybrid' }),
      );
      expect(status).toBe(200);
    }
    const r = await eventually(
      'the search cache hit rate',
      (x) => (x.cache.find((c) => c.kind === 'search')?.lookups ?? 0) >= 2,
    );
    expect(r.cache.find((c) => c.kind === 'search')).toMatchObject({ lookups: 2, hits: 1 });
    expect(r.ai.some((a) => a.kind === 'embedding' && a.purpose === 'query')).toBe(true);
  });

  it('reports answer-cache hits and the model tokens and cost of answers', async () => {
    const question = 'How much oil does the Osprey compressor sump hold?';
    for (let i = 0; i < 2; i++) {
      const { status, body } = await client.json('/v1/answer', post({ question }));
      expect(status).toBe(200);
      expect(body.tier).toBe(i === 0 ? 'primary' : 'cache');
    }
    const r = await eventually(
      'answer cache and model figures',
      (x) =>
        (x.cache.find((c) => c.kind === 'answer')?.lookups ?? 0) >= 2 &&
        ['llm_tokens', 'llm_cost_usd'].every((id) => figure(x, id) > 0),
    );
    expect(r.cache.find((c) => c.kind === 'answer')).toMatchObject({ lookups: 2, hits: 1 });
    expect(r.ai.find((a) => a.kind === 'llm' && a.purpose === 'answer')?.calls).toBe(1);
  });

  it('counts a rate-limited burst', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const event = {
        event_id: crypto.randomUUID(),
        name: 'doc.opened',
        user_id: 'u-1',
        timestamp: new Date().toISOString(),
      };
      statuses.push((await client.fetch('/v1/events', post({ events: [event] }))).status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const refused = statuses.filter((s) => s === 429).length;
    const r = await eventually('rate-limit rejections', (x) => x.rateLimited >= refused);
    expect(r.rateLimited).toBe(refused);
  });

  it('counts the breaker transition a tripped model causes', async () => {
    // Its own fake key and model names, so no other test's breaker or script is touched.
    const suffix = crypto.randomUUID().slice(0, 8);
    const llm = {
      ANTHROPIC_API_KEY: freshKey(),
      ANTHROPIC_MODEL_PRIMARY: `claude-sonnet-4-5-${suffix}`,
      ANTHROPIC_MODEL_SECONDARY: `claude-haiku-4-5-${suffix}`,
    };
    // Three consecutive failures open the breaker (DEFAULT_BREAKER_CONFIG).
    await script(llm.ANTHROPIC_API_KEY, llm.ANTHROPIC_MODEL_PRIMARY, [
      { status: 529 },
      { status: 529 },
      { status: 529 },
    ]);
    for (const question of [
      'What does the Osprey compressor deliver at 8 bar?',
      'When does the depot gate open on weekdays?',
      'Where are the forklifts charged overnight?',
    ]) {
      const { status, body } = await withBindings(client, '/v1/answer', post({ question }), {
        ...productionBindings(),
        ...llm,
      });
      expect(status).toBe(200);
      expect(body.tier).toBe('secondary');
    }
    const r = await eventually('the breaker transition', (x) => x.breakers.length > 0);
    expect(r.breakers).toEqual([
      { breaker: `anthropic:${llm.ANTHROPIC_MODEL_PRIMARY}`, from: 'closed', to: 'open', count: 1 },
    ]);
  });

  it('shows a non-zero figure for every metric the README lists', async () => {
    // The consumer is paused for one more upload (its queue holds the message), so the backlog
    // gauge has something to show, as it would while ingestion falls behind.
    const held: unknown[] = [];
    const paused = {
      send: async (body: unknown) => void held.push(body),
      sendBatch: async (batch: { body: unknown }[]) => void held.push(...batch.map((m) => m.body)),
    } as unknown as Queue;
    const upload = await withBindings(
      client,
      '/v1/documents?title=Held',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Held in the queue.' },
      { ...productionBindings(), INGEST_QUEUE: paused },
    );
    expect(upload.status).toBe(202);
    expect(held).toHaveLength(1);

    const listed = figuresListedIn(readme);
    const r = await eventually('every README figure', (x) =>
      listed.every((id) => figure(x, id) > 0),
    ).catch(async (error) => {
      const last = await report();
      const zero = listed.filter((id) => !(figure(last, id) > 0));
      throw new Error(`${(error as Error).message}; still zero: ${zero.join(', ')}`);
    });
    for (const id of listed) expect(figure(r, id), id).toBeGreaterThan(0);
    console.log(
      `[metrics session] figures: ${JSON.stringify(Object.fromEntries(listed.map((id) => [id, figure(r, id)])))}`,
    );
    console.log(`[metrics session] GET /v1/admin/metrics:\n${JSON.stringify(r, null, 2)}`);
    expect(env.METRICS_SINK).toBe('analytics-engine');
  });
});
