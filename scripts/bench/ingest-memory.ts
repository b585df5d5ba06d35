// Peak memory of the workerd process while the ingest worker splits and indexes a ~100 MB
// text file on wrangler dev. Both Workers share one workerd process locally, so the figure
// is an upper bound for the ingest isolate.
import { readFileSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startStack } from '../lib/stack';

function workerdPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd');
      } catch {
        return false;
      }
    });
}

/** User + system CPU seconds of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export async function benchIngestMemory(options: {
  sharedDir: string;
  port?: number;
  megabytes?: number;
}) {
  const corpus = readFileSync(resolve(options.sharedDir, 'data/cranfield/corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { title: string; text: string });
  const targetBytes = (options.megabytes ?? 100) * 1_000_000;
  const parts: string[] = [];
  let size = 0;
  for (let round = 0; size < targetBytes; round++) {
    for (const doc of corpus) {
      const block = `## ${doc.title} [${round}]\n\n${doc.text}\n\n`;
      parts.push(block);
      size += Buffer.byteLength(block);
      if (size >= targetBytes) break;
    }
  }
  const body = Buffer.from(parts.join(''));
  const dataDir = mkdtempSync(join(tmpdir(), 'vellum-bench-mem-'));
  const stack = await startStack({
    dataDir,
    port: options.port ?? 8799,
    vars: { SIGNING_KEYS: 'bench:bench-signing-key-0123456789ab' },
  });
  try {
    const key = await stack.newKey(`mem-${Date.now()}`, 'owner');
    await stack.unthrottle(key);
    const pids = workerdPids();
    const baseline = pids.reduce((sum, pid) => sum + rssKiB(pid), 0);
    let peak = baseline;
    const cpuBefore = pids.map(cpuSeconds);
    const nodeBefore = process.cpuUsage();
    const sampler = setInterval(() => {
      peak = Math.max(
        peak,
        pids.reduce((sum, pid) => sum + rssKiB(pid), 0),
      );
    }, 100);
    const started = performance.now();
    const res = await fetch(`${stack.url}/v1/documents?title=big`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
      body,
    });
    const { document } = (await res.json()) as { document: { id: string } };
    const uploaded = performance.now();
    let status = '';
    let detail: any;
    while (status !== 'ready' && status !== 'failed') {
      await new Promise((r) => setTimeout(r, 1000));
      detail = await (
        await fetch(`${stack.url}/v1/documents/${document.id}`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json();
      status = detail.status;
    }
    clearInterval(sampler);
    const workerdCpu = pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - cpuBefore[i]!, 0);
    const nodeCpu = process.cpuUsage(nodeBefore);
    const v = detail.versions[0];
    console.log(`\ningest of a ${(body.length / 1e6).toFixed(1)} MB text file on wrangler dev`);
    console.log(
      `  upload ${(uploaded - started).toFixed(0)} ms; ready after ${((performance.now() - started) / 1000).toFixed(1)} s; status ${status}${detail.failureReason ? ` (${detail.failureReason})` : ''}`,
    );
    console.log(
      `  slices ${v.sliceCount}, chunks ${v.chunkCount}, embedded ${v.chunksEmbedded}, reused ${v.chunksReused}`,
    );
    console.log(
      `  CPU: workerd ${workerdCpu.toFixed(1)} s; embedded Postgres (in this process) ${((nodeCpu.user + nodeCpu.system) / 1e6).toFixed(1)} s`,
    );
    console.log(
      `  workerd RSS: baseline ${(baseline / 1024).toFixed(0)} MiB, peak ${(peak / 1024).toFixed(0)} MiB (+${((peak - baseline) / 1024).toFixed(0)} MiB)`,
    );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchIngestMemory({
    sharedDir: process.env.VELLUM_SHARED ?? resolve(process.cwd(), '../shared'),
    megabytes: Number(process.env.VELLUM_BENCH_MB ?? 100),
  });
}
