// Compile-time drift check (run by `npm run typecheck`): the client's types are the server's zod
// schemas, so each @ts-expect-error below must stay an error or tsc fails.
import { createClient, type ChatEvent, type Document } from '../src/client';

const client = createClient({ baseUrl: 'http://localhost', apiKey: 'k' });

export async function usesTheServerSchemas() {
  await client.search({ query: 'q', mode: 'hybrid', fusion: { method: 'rrf', k: 60 } });
  // @ts-expect-error: 'fuzzy' is not a search mode on the server
  await client.search({ query: 'q', mode: 'fuzzy' });
  // @ts-expect-error: the field is `topK`, not `top_k`
  await client.search({ query: 'q', top_k: 5 });
  // @ts-expect-error: topK is a number
  await client.search({ query: 'q', topK: '5' });

  const page = await client.documents.list({ status: 'ready', limit: 10 });
  const doc: Document = page.data[0]!;
  const done: number = doc.progress.chunksDone;
  // @ts-expect-error: documents have `status`, never `state`
  doc.state;
  // @ts-expect-error: 'done' is not a document status
  await client.documents.list({ status: 'done' });

  const result = await client.search({ query: 'q' });
  const score: number = result.results[0]!.score;
  // @ts-expect-error: hits carry `documentId`, not `docId`
  result.results[0]!.docId;

  await client.keys.create({ name: 'ci', role: 'viewer' });
  // @ts-expect-error: 'root' is not a role
  await client.keys.create({ name: 'ci', role: 'root' });

  for await (const ev of client.chat.stream('c', 'hi')) narrow(ev);
  await client.chat.create({ title: 'Tides' });
  // @ts-expect-error: conversations have a `title`, not a `name`
  await client.chat.create({ name: 'Tides' });
  await client.chat.feedback('c', 'm', { rating: 'up' });
  // @ts-expect-error: ratings are 'up' or 'down'
  await client.chat.feedback('c', 'm', { rating: 5 });
  return { done, score };
}

function narrow(ev: ChatEvent) {
  if (ev.type === 'delta') return ev.data.text.length;
  if (ev.type === 'citation') return (ev.data.end ?? 0) - (ev.data.start ?? 0);
  if (ev.type === 'done')
    return ev.data.tier satisfies 'primary' | 'secondary' | 'cache' | 'extractive';
  // @ts-expect-error: delta events carry `text`, not `content`
  if (ev.type === 'delta') return ev.data.content;
  // @ts-expect-error: only citation events carry offsets
  return ev.data.start;
}
