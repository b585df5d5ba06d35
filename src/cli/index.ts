// vellum: bulk import, search, ask, list documents and create keys from a terminal.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, VellumError, type VellumClient } from '../client';
import { contentTypeOf, expandInput, sha256File } from './files';
import { progressBar } from './progress';
import { mintFromArgs } from './token';

const USAGE = `usage: vellum <command> [options]

  import <dir|glob> [--concurrency 4] [--tag t]...   upload files; re-runs skip known content
  search "<query>" [--mode hybrid|keyword|semantic] [--top-k 10]
  ask "<question>"                                   stream a cited answer
  docs ls [--status ready] [--limit 20]
  keys create --role <role> --name <name>            prints the new secret
  token mint --user <id> [--tenant <id> --key-id <id>] [--ops search,chat] [--ttl 3600]
             [--collection c]... [--scope-tag t]... [--owner-only]
                                                     prints a user token, minted locally

  --url <url>   (or VELLUM_URL)     --key <key>   (or VELLUM_KEY)
`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  stderr: NodeJS.WriteStream;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stderr: process.stderr,
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        concurrency: { type: 'string', default: '4' },
        tag: { type: 'string', multiple: true },
        mode: { type: 'string', default: 'hybrid' },
        'top-k': { type: 'string', default: '10' },
        status: { type: 'string' },
        limit: { type: 'string', default: '20' },
        role: { type: 'string' },
        name: { type: 'string' },
        user: { type: 'string' },
        tenant: { type: 'string' },
        'key-id': { type: 'string' },
        ops: { type: 'string' },
        ttl: { type: 'string' },
        collection: { type: 'string', multiple: true },
        'scope-tag': { type: 'string', multiple: true },
        'owner-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    io.err(USAGE);
    return values.help ? 0 : 2;
  }
  const baseUrl = values.url ?? process.env.VELLUM_URL;
  const apiKey = values.key ?? process.env.VELLUM_KEY;
  if (command === 'token' && rest[0] === 'mint') {
    // Local: needs the key, never the server.
    if (!apiKey) {
      io.err('set VELLUM_KEY (or pass --key)\n');
      return 2;
    }
    try {
      const minted = await mintFromArgs({
        apiKey,
        tenantId: values.tenant,
        keyId: values['key-id'],
        user: values.user,
        operations: values.ops,
        ttl: values.ttl,
        collections: values.collection,
        tags: values['scope-tag'],
        ownerOnly: values['owner-only'],
      });
      io.out(`${minted.token}\n`);
      io.err(`expires ${minted.expiresAt}\n`);
      return 0;
    } catch (error) {
      io.err(`error: ${(error as Error).message}\n`);
      return 2;
    }
  }
  if (!baseUrl || !apiKey) {
    io.err('set VELLUM_URL and VELLUM_KEY (or pass --url and --key)\n');
    return 2;
  }
  const client = createClient({ baseUrl, apiKey });
  try {
    switch (command) {
      case 'import':
        if (!rest[0]) break;
        return await importFiles(client, rest, io, {
          concurrency: Math.max(1, Number(values.concurrency) || 4),
          tags: values.tag ?? [],
        });
      case 'search':
        if (!rest[0]) break;
        return await search(client, rest.join(' '), io, values.mode!, Number(values['top-k']));
      case 'ask':
        if (!rest[0]) break;
        return await ask(client, rest.join(' '), io);
      case 'docs':
        if (rest[0] !== 'ls') break;
        return await listDocs(client, io, values.status, Number(values.limit));
      case 'keys':
        if (rest[0] !== 'create' || !values.role || !values.name) break;
        return await createKey(client, io, values.role, values.name);
    }
  } catch (error) {
    io.err(`error: ${describe(error)}\n`);
    return 1;
  }
  io.err(USAGE);
  return 2;
}

const describe = (error: unknown) =>
  error instanceof VellumError
    ? `${error.code}: ${error.message} (HTTP ${error.status})`
    : (error as Error).message;

export interface ImportSummary {
  uploaded: string[];
  duplicates: string[];
  failed: Array<{ path: string; reason: string }>;
}

async function importFiles(
  client: VellumClient,
  inputs: string[],
  io: Io,
  options: { concurrency: number; tags: string[] },
): Promise<number> {
  const files = [...new Set((await Promise.all(inputs.map((i) => expandInput(i)))).flat())];
  // Content already stored is skipped before any bytes are sent, so a re-run resumes cheaply.
  const known = new Set<string>();
  for await (const doc of client.documents.all()) known.add(doc.sha256);

  const summary: ImportSummary = { uploaded: [], duplicates: [], failed: [] };
  const bar = progressBar(files.length, io.stderr);
  let done = 0;
  const tick = (path: string) => {
    done++;
    bar.update(
      done,
      `${summary.uploaded.length} uploaded, ${summary.duplicates.length} duplicate, ${summary.failed.length} failed  ${basename(path)}`,
    );
  };
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const path = files[next++]!;
      try {
        const { bytes, sha256 } = await sha256File(path);
        if (known.has(sha256)) {
          summary.duplicates.push(path);
        } else {
          known.add(sha256);
          const result = await client.documents.upload({
            body: new Blob([bytes], { type: contentTypeOf(path) }),
            filename: basename(path),
            title: basename(path),
            tags: options.tags,
            // Derived from the content so a retry after a lost response replays, not re-uploads.
            idempotencyKey: `import-${sha256}`,
          });
          (result.duplicate ? summary.duplicates : summary.uploaded).push(path);
        }
      } catch (error) {
        summary.failed.push({ path, reason: describe(error) });
      }
      tick(path);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker));
  bar.finish();

  io.out(
    `uploaded: ${summary.uploaded.length}\nduplicates: ${summary.duplicates.length}\nfailed: ${summary.failed.length}\n`,
  );
  for (const failure of summary.failed) io.out(`  ${failure.path}: ${failure.reason}\n`);
  return summary.failed.length ? 1 : 0;
}

async function search(client: VellumClient, query: string, io: Io, mode: string, topK: number) {
  const res = await client.search({
    query,
    mode: mode as 'hybrid',
    topK: Number.isFinite(topK) ? topK : 10,
  });
  if (!res.results.length) io.out('no results\n');
  res.results.forEach((hit, i) => {
    const text = (hit.snippet?.text ?? hit.text).replace(/\s+/g, ' ').slice(0, 200);
    io.out(`${i + 1}. ${hit.title}  (score ${hit.score.toFixed(4)})\n   ${text}\n`);
  });
  io.err(`${res.results.length} results in ${res.took_ms} ms\n`);
  return 0;
}

async function ask(client: VellumClient, question: string, io: Io) {
  const citations: string[] = [];
  for await (const ev of client.chat.answer(question)) {
    if (ev.type === 'delta') io.out(ev.data.text);
    else if (ev.type === 'retract') {
      citations.length = 0;
      io.err(`\n[${ev.data.tier} answer withdrawn (${ev.data.reason}); another tier follows]\n`);
    } else if (ev.type === 'citation') {
      const where = ev.data.documentId ?? 'unlocated';
      citations.push(
        `[${citations.length + 1}] ${where} "${ev.data.quote}"${ev.data.verified ? '' : ' (unverified)'}`,
      );
    } else if (ev.type === 'error') {
      io.err(`\nerror: ${ev.data.message}\n`);
      return 1;
    }
  }
  io.out('\n');
  if (citations.length) io.out(`\n${citations.join('\n')}\n`);
  return 0;
}

async function listDocs(client: VellumClient, io: Io, status: string | undefined, limit: number) {
  const page = await client.documents.list({
    status: status as 'ready' | undefined,
    limit: Number.isFinite(limit) ? limit : 20,
  });
  for (const doc of page.data) {
    const progress =
      doc.status === 'processing'
        ? ` ${doc.progress.chunksDone}/${doc.progress.chunksTotal ?? '?'}`
        : doc.status === 'failed'
          ? ` (${doc.failureReason ?? 'unknown'})`
          : '';
    io.out(`${doc.id}  ${(doc.status + progress).padEnd(14)}  ${doc.title}\n`);
  }
  if (page.nextCursor) io.err('more: use the API with cursor ' + page.nextCursor + '\n');
  return 0;
}

async function createKey(client: VellumClient, io: Io, role: string, name: string) {
  const issued = await client.keys.create({ role: role as 'viewer', name });
  io.err(`created key ${issued.key.id} (${issued.key.role}, ${issued.key.name})\n`);
  io.out(`${issued.secret}\n`);
  return 0;
}
