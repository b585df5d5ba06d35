import { env } from 'cloudflare:test';

/** Scripted behaviour of the fake Messages API (see scripts/lib/fake-anthropic.ts). */
export interface Behaviour {
  status?: number;
  retryAfter?: number;
  retryAfterMs?: number;
  delayMs?: number;
  chunkDelayMs?: number;
  truncateAfterChunks?: number;
  text?: string;
}

export interface ReceivedRequest {
  model: string;
  max_tokens: number;
  stream: boolean;
  system: string;
  messages: Array<{ role: string; content: string }>;
}

/** A fresh API key: the fake scopes scripts and logs by key, so tests cannot collide. */
export function freshKey(): string {
  return `test-key-${crypto.randomUUID()}`;
}

export async function script(apiKey: string, model: string | undefined, behaviours: Behaviour[]) {
  const res = await fetch(`${env.ANTHROPIC_BASE_URL}/__script`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey, model, behaviours }),
  });
  if (!res.ok) throw new Error(`scripting the fake failed: ${res.status}`);
  await res.arrayBuffer();
}

export async function received(apiKey: string): Promise<ReceivedRequest[]> {
  const res = await fetch(
    `${env.ANTHROPIC_BASE_URL}/__requests?apiKey=${encodeURIComponent(apiKey)}`,
  );
  return ((await res.json()) as { requests: ReceivedRequest[] }).requests;
}
