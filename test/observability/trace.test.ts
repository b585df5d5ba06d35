import {
  createExecutionContext,
  createMessageBatch,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import type { Env, IngestMessage } from '../../src/env';
import { parseTraceparent } from '../../src/observability/traceparent';
import worker from '../worker';
import { BASE, newTenant } from '../helpers';

afterEach(() => vi.restoreAllMocks());

/** The real app over the real bindings, except a queue that records what is sent. */
function appWithCapturingQueue() {
  const sent: IngestMessage[] = [];
  const queue = {
    send: async (body: IngestMessage) => void sent.push(body),
    sendBatch: async () => {},
  } as unknown as Queue<IngestMessage>;
  const testEnv = { ...(env as Env), INGEST_QUEUE: queue };
  const app = createApp();
  const request = async (path: string, init: RequestInit) => {
    const ctx = createExecutionContext();
    const res = await app.request(`${BASE}${path}`, init, testEnv, ctx);
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    return res;
  };
  return { sent, request };
}

describe('trace context', () => {
  it('propagates the request span into the ingest queue message', async () => {
    const client = await newTenant('editor');
    const { sent, request } = appWithCapturingQueue();
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await request('/v1/documents', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${client.key}`,
        'content-type': 'text/plain',
        traceparent: incoming,
      },
      body: `trace me ${crypto.randomUUID()}`,
    });
    expect(res.status).toBe(202);
    const returned = res.headers.get('traceparent')!;
    expect(parseTraceparent(returned)!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.traceparent).toBe(returned);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('starts a trace when none (or a malformed one) arrives, and still propagates it', async () => {
    const client = await newTenant('editor');
    const { sent, request } = appWithCapturingQueue();
    const res = await request('/v1/documents', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${client.key}`,
        'content-type': 'text/plain',
        traceparent: 'bogus',
      },
      body: `trace me too ${crypto.randomUUID()}`,
    });
    expect(res.status).toBe(202);
    const returned = res.headers.get('traceparent')!;
    expect(parseTraceparent(returned)).not.toBeNull();
    expect(sent[0]!.traceparent).toBe(returned);
  });

  it('the ingest consumer logs each message with the trace id it carries', async () => {
    const lines: Record<string, unknown>[] = [];
    vi.spyOn(console, 'log').mockImplementation((line) => {
      try {
        lines.push(JSON.parse(String(line)));
      } catch {
        // not one of ours
      }
    });
    const traceparent = '00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const batch = createMessageBatch<IngestMessage>('vellum-ingest', [
      {
        id: 'm1',
        timestamp: new Date(),
        attempts: 1,
        body: {
          kind: 'ingest',
          tenantId: crypto.randomUUID(),
          documentId: crypto.randomUUID(), // unknown: the consumer skips it
          version: 1,
          traceparent,
          enqueuedAt: Date.now(),
        },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<any>, env as Env, ctx);
    await waitOnExecutionContext(ctx);
    const line = lines.find((l) => l.msg === 'ingest.message');
    expect(line).toMatchObject({
      traceId: '1af7651916cd43dd8448eb211c80319c',
      version: 1,
      attempt: 1,
    });
  });
});
