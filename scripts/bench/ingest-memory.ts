// Ingest of large files on wrangler dev: a ~100 MB text file (sliced) and a 300-page PDF
// (parsed whole). Prints time to ready, chunk counts, CPU per process and workerd memory.
// The ingest isolate's own V8 heap is read through workerd's inspector (what the 128 MB Workers
// limit is about); the workerd process RSS, shared with the API Worker and miniflare, is printed
// beside it as an upper bound.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPdf } from '../../src/ingest/extract/testing/build-pdf';
import { sampleIsolateHeap } from '../lib/isolate-heap';
import { startStack } from '../lib/stack';

type Doc = { title: string; text: string };

function parentOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  } catch {
    return 0;
  }
}

/** The workerd processes started by this stack's wrangler (not other stacks on the machine). */
function workerdPids(wranglerPid: number): number[] {
  const descends = (pid: number): boolean => {
    for (let p = pid; p > 1; p = parentOf(p)) if (p === wranglerPid) return true;
    return false;
  };
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd') && descends(pid);
      } catch {
        return false;
      }
    });
}

function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
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

/** A text file of about `bytes`, Cranfield abstracts under Markdown headings, repeated. */
function bigText(corpus: Doc[], bytes: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let round = 0; size < bytes; round++) {
    for (const doc of corpus) {
      const block = `## ${doc.title} [${round}]\n\n${doc.text}\n\n`;
      parts.push(block);
      size += Buffer.byteLength(block);
      if (size >= bytes) break;
    }
  }
  return Buffer.from(parts.join(''));
}

/** A 300-page PDF: Cranfield abstracts wrapped at 90 columns, 40 lines a page. */
function bigPdf(corpus: Doc[], pages: number): Buffer {
  const lines: string[] = [];
  for (const doc of corpus) {
    lines.push(doc.title.toUpperCase().slice(0, 90));
    for (let i = 0; i < doc.text.length; i += 90) lines.push(doc.text.slice(i, i + 90));
    if (lines.length >= pages * 40) break;
  }
  const paged = Array.from({ length: pages }, (_, p) => lines.slice(p * 40, p * 40 + 40));
  return Buffer.from(buildPdf(paged));
}

export async function benchIngestMemory(options: {
  sharedDir: string;
  port?: number;
  megabytes?: number;
  pdfPages?: number;
}) {
  const corpus = readFileSync(resolve(options.sharedDir, 'data/cranfield/corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Doc);
  const dataDir = mkdtempSync(join(tmpdir(), 'vellum-bench-mem-'));
  const stack = await startStack({
    dataDir,
    port: options.port ?? 8799,
    vars: { SIGNING_KEYS: 'bench:bench-signing-key-0123456789ab' },
  });
  try {
    const key = await stack.newKey(`mem-${Date.now()}`, 'owner');
    await stack.unthrottle(key);
    const auth = { authorization: `Bearer ${key}` };

    const ingest = async (label: string, body: Buffer, contentType: string) => {
      const pids = workerdPids(stack.wrangler.pid!);
      const baseline = pids.reduce((sum, pid) => sum + rssKiB(pid), 0);
      let peak = baseline;
      const heap = await sampleIsolateHeap('vellum-ingest', 100, { liveEveryMs: 1000 });
      const heapIdle = heap.last.usedSize;
      const cpuBefore = pids.map(cpuSeconds);
      const nodeBefore = process.cpuUsage();
      const sampler = setInterval(() => {
        peak = Math.max(
          peak,
          pids.reduce((sum, pid) => sum + rssKiB(pid), 0),
        );
      }, 100);
      const started = performance.now();
      const res = await fetch(`${stack.url}/v1/documents?title=${encodeURIComponent(label)}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': contentType },
        body,
      });
      if (res.status !== 202) throw new Error(`upload ${res.status}: ${await res.text()}`);
      const { document } = (await res.json()) as { document: { id: string } };
      const uploaded = performance.now();
      let detail: any = {};
      let lastStage = '';
      while (detail.status !== 'ready' && detail.status !== 'failed') {
        await new Promise((r) => setTimeout(r, 1000));
        try {
          detail = await (
            await fetch(`${stack.url}/v1/documents/${document.id}`, { headers: auth })
          ).json();
        } catch (error) {
          // A dropped keep-alive socket is not the ingest's failure: poll again.
          console.error(`\n  poll failed: ${(error as Error).cause ?? error}`);
          continue;
        }
        const stage = `${detail.progress?.stage} ${detail.progress?.chunksDone ?? ''}`;
        if (process.stdout.isTTY && stage !== lastStage) process.stdout.write(`\r  ${stage}   `);
        lastStage = stage;
      }
      clearInterval(sampler);
      heap.stop();
      const seconds = (performance.now() - started) / 1000;
      const workerdCpu = pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - cpuBefore[i]!, 0);
      const nodeCpu = process.cpuUsage(nodeBefore);
      const v = detail.versions[0];
      const pages = new Set<number>();
      if (contentType === 'application/pdf') {
        let cursor: number | null = -1;
        while (cursor !== null) {
          const page: any = await (
            await fetch(
              `${stack.url}/v1/documents/${document.id}/chunks?limit=500&cursor=${cursor}`,
              { headers: auth },
            )
          ).json();
          for (const c of page.data) pages.add(c.page);
          cursor = page.nextCursor;
        }
      }
      console.log(`\n${label}: ${(body.length / 1e6).toFixed(1)} MB ${contentType}`);
      console.log(
        `  upload ${(uploaded - started).toFixed(0)} ms; ${detail.status} after ${seconds.toFixed(1)} s${detail.failureReason ? ` (${detail.failureReason})` : ''}; ${(v.chunkCount / seconds).toFixed(0)} chunks/s`,
      );
      console.log(
        `  slices ${v.sliceCount}, chunks ${v.chunkCount}, embedded ${v.chunksEmbedded}, reused ${v.chunksReused}${pages.size ? `, pages cited ${pages.size}` : ''}`,
      );
      console.log(
        `  CPU: workerd ${workerdCpu.toFixed(1)} s; embedded Postgres (this process) ${((nodeCpu.user + nodeCpu.system) / 1e6).toFixed(1)} s`,
      );
      const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
      console.log(
        `  ingest isolate V8 heap (inspector, ${heap.samples} samples): live after GC peak ${mib(heap.livePeak)} MiB; used peak ${mib(heap.peak.usedSize)} MiB incl. garbage (idle ${mib(heapIdle)}); heap size peak ${mib(heap.peak.totalSize)} MiB`,
      );
      console.log(
        `  workerd RSS: before ${(baseline / 1024).toFixed(0)} MiB, peak ${(peak / 1024).toFixed(0)} MiB (+${((peak - baseline) / 1024).toFixed(0)} MiB)`,
      );
    };

    const pdfPages = options.pdfPages ?? 300;
    if (pdfPages > 0)
      await ingest(`${pdfPages}-page PDF`, bigPdf(corpus, pdfPages), 'application/pdf');
    const megabytes = options.megabytes ?? 100;
    if (megabytes > 0)
      await ingest(`${megabytes} MB text`, bigText(corpus, megabytes * 1_000_000), 'text/plain');
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchIngestMemory({
    sharedDir: process.env.VELLUM_SHARED ?? resolve(process.cwd(), '../shared'),
    megabytes: Number(process.env.VELLUM_BENCH_MB ?? 100),
    pdfPages: Number(process.env.VELLUM_BENCH_PDF_PAGES ?? 300),
    port: Number(process.env.VELLUM_BENCH_PORT) || undefined,
  });
}
