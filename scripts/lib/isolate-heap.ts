// Samples one Worker isolate's V8 heap through workerd's inspector while a `startStack` runs, for
// memory benchmarks of a single Worker (e.g. `vellum-ingest` during a large ingest).
//
// How it works and why it reconnects:
// - `wrangler dev` starts the user workerd with `--inspector-addr=localhost:0`. That inspector lists
//   one target per isolate (`core:user:<worker name>`), and each isolate has its own V8 heap, so
//   `Runtime.getHeapUsage` on a target reports that Worker alone.
// - workerd keeps one inspector session per isolate: a new connection boots the previous one.
//   wrangler's own devtools proxy holds a session on the worker of the config whose bundle finished
//   last (with `-c api -c ingest` that is usually `vellum-ingest`) and reattaches on every reload.
//   Booting a session also closes the new one (the old session's teardown disconnects whichever
//   session is current), so the first connection to such a target is closed at once and the next
//   one stays up. The sampler therefore reconnects whenever its socket closes or stops answering.
// - Taking the session detaches wrangler's devtools proxy (DevTools on the `d` hotkey / port 9229)
//   from that worker until wrangler's next reload; console output is unaffected.
// - workerd answers inspector messages between JavaScript turns (it needs the isolate lock), so a
//   peak reached inside one long synchronous stretch is not seen: the peak is a lower bound.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import WebSocket from 'ws';

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

export interface IsolateHeapSampler {
  /** Highest `usedSize` and highest `totalSize` seen (each on its own). */
  readonly peak: HeapUsage;
  /** Highest `usedSize` read right after a forced full GC: the live set (with `liveEveryMs`). */
  readonly livePeak: number;
  readonly last: HeapUsage;
  /** Heap readings received so far. */
  readonly samples: number;
  /** Inspector sessions opened after the first (boots by wrangler, reloads, stalls). */
  readonly reconnects: number;
  stop(): void;
}

export interface SampleOptions {
  /** The workerd process to inspect; found from this process's descendants when omitted. */
  pid?: number;
  /** Rejects when no reading has arrived after this long. */
  startTimeoutMs?: number;
  /** Drops and reopens a session whose pending reading has gone unanswered this long. */
  stallMs?: number;
  /**
   * Also force a full GC this often and read the heap right after it, so `livePeak` tracks
   * what the isolate really retains (plain readings include garbage not yet collected).
   */
  liveEveryMs?: number;
}

/**
 * Polls `Runtime.getHeapUsage` on the isolate of `worker` (a Worker name such as
 * `vellum-ingest`, or a full inspector target id) every `intervalMs`. Resolves after the first
 * reading; `peak`, `last` and `samples` keep updating until `stop()`.
 */
export async function sampleIsolateHeap(
  worker: string,
  intervalMs = 100,
  options: SampleOptions = {},
): Promise<IsolateHeapSampler> {
  const target = worker.includes(':') ? worker : `core:user:${worker}`;
  const stallMs = options.stallMs ?? 5_000;
  let endpoint = await findInspector(target, options.pid);

  const peak: HeapUsage = { usedSize: 0, totalSize: 0 };
  let last: HeapUsage = { usedSize: 0, totalSize: 0 };
  let livePeak = 0;
  let lastGcAt = Date.now();
  let samples = 0;
  let sessions = 0;
  let stopped = false;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let lastError = '';
  let firstReading!: () => void;
  const started = new Promise<void>((resolve) => (firstReading = resolve));

  const connect = () => {
    if (stopped) return;
    sessions++;
    const ws = new WebSocket(`ws://${endpoint}/${target}`, { perMessageDeflate: false });
    socket = ws;
    let nextId = 0;
    let pending: { id: number; since: number; kind: 'gc' | 'usage' | 'live' } | undefined;
    const send = (kind: 'gc' | 'usage' | 'live') => {
      pending = { id: ++nextId, since: Date.now(), kind };
      const method = kind === 'gc' ? 'HeapProfiler.collectGarbage' : 'Runtime.getHeapUsage';
      ws.send(JSON.stringify({ id: pending.id, method }));
    };
    const poll = () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (pending) {
        if (Date.now() - pending.since > stallMs) {
          lastError = `no answer from ${target} in ${stallMs} ms`;
          ws.terminate();
        }
        return;
      }
      if (options.liveEveryMs && Date.now() - lastGcAt >= options.liveEveryMs) {
        lastGcAt = Date.now();
        send('gc');
      } else send('usage');
    };
    ws.on('open', () => {
      poll();
      timer = setInterval(poll, intervalMs);
    });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: Partial<HeapUsage> };
      if (message.id === undefined || message.id !== pending?.id) return;
      const kind = pending.kind;
      pending = undefined;
      if (kind === 'gc') return send('live');
      const { usedSize, totalSize } = message.result ?? {};
      if (typeof usedSize !== 'number' || typeof totalSize !== 'number') return;
      last = { usedSize, totalSize };
      peak.usedSize = Math.max(peak.usedSize, usedSize);
      peak.totalSize = Math.max(peak.totalSize, totalSize);
      if (kind === 'live') livePeak = Math.max(livePeak, usedSize);
      samples++;
      failures = 0;
      lastError = '';
      firstReading();
    });
    ws.on('error', (error) => (lastError = error.message));
    ws.on('close', (code, reason) => {
      clearInterval(timer);
      if (stopped || socket !== ws) return;
      if (!lastError) lastError = `session closed (${code} ${reason.toString()})`;
      // The first close after a boot is immediate; back off only when closes keep coming.
      const delay = Math.min(1_000, 25 * 2 ** failures++);
      retry = setTimeout(async () => {
        // A wrangler reload can restart workerd on another port.
        if (failures > 3) endpoint = await findInspector(target, options.pid).catch(() => endpoint);
        connect();
      }, delay);
    });
  };

  const stop = () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(retry);
    socket?.close();
  };

  connect();
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  let timeout: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      started,
      new Promise((_, reject) => {
        timeout = setTimeout(
          () => reject(new Error(`no heap reading from ${target} at ${endpoint}: ${lastError}`)),
          startTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    stop();
    throw error;
  } finally {
    clearTimeout(timeout);
  }

  return {
    get peak() {
      return { ...peak };
    },
    get last() {
      return last;
    },
    get livePeak() {
      return livePeak;
    },
    get samples() {
      return samples;
    },
    get reconnects() {
      return sessions - 1;
    },
    stop,
  };
}

/** `host:port` of the workerd inspector that lists `target`. */
async function findInspector(target: string, pid?: number): Promise<string> {
  const candidates = pid === undefined ? inspectableWorkerds() : [pid];
  if (candidates.length === 0) {
    throw new Error('no `workerd serve --inspector-addr` process found; is the stack running?');
  }
  const seen: string[] = [];
  for (const candidate of candidates) {
    for (const address of listeningAddresses(candidate)) {
      const targets = await inspectorTargets(address);
      if (!targets) continue;
      if (targets.includes(target)) return address;
      seen.push(`${address} (pid ${candidate}): ${targets.join(', ')}`);
      break;
    }
  }
  throw new Error(`no inspector lists ${target}; found ${seen.join('; ') || 'no inspector'}`);
}

/**
 * workerd processes started with an inspector, this process's descendants first (other stacks
 * may be running beside this one); others are used only when none descends from this process.
 */
function inspectableWorkerds(): number[] {
  const own: number[] = [];
  const other: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const isWorkerd = /(^|\/)workerd$/.test(args[0] ?? '') && args[1] === 'serve';
    if (!isWorkerd || !args.some((arg) => arg.startsWith('--inspector-addr'))) continue;
    (descendsFrom(pid, process.pid) ? own : other).push(pid);
  }
  return own.length > 0 ? own : other;
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
    if (current === ancestor) return true;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * TCP addresses `pid` listens on, in the order its sockets were opened. workerd opens the
 * inspector socket before the entry and debug sockets, so it is usually probed first and no
 * probe reaches a Worker.
 */
function listeningAddresses(pid: number): string[] {
  const fdByInode = new Map<string, number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) fdByInode.set(inode, Number(fd));
    } catch {
      // The descriptor closed while listing.
    }
  }
  const found: { fd: number; address: string }[] = [];
  for (const [table, v6] of [
    ['tcp', false],
    ['tcp6', true],
  ] as const) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [local, state, inode] = [cols[1], cols[3], cols[9]];
      if (!local || state !== '0A' || !inode) continue;
      const fd = fdByInode.get(inode);
      if (fd === undefined) continue;
      const [hexHost = '', hexPort = '0'] = local.split(':');
      const port = parseInt(hexPort, 16);
      const host = v6 ? (/^0+1000000$/.test(hexHost) ? '[::1]' : '[::]') : hexToIpv4(hexHost);
      found.push({ fd, address: `${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}` });
    }
  }
  return found.sort((a, b) => a.fd - b.fd).map((entry) => entry.address);
}

function hexToIpv4(hex: string): string {
  // /proc/net/tcp stores the address as a little-endian 32-bit number.
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .reverse()
    .map((b) => parseInt(b, 16))
    .join('.');
}

/** Target ids if `address` is a workerd inspector, otherwise undefined. */
async function inspectorTargets(address: string): Promise<string[] | undefined> {
  try {
    const version = await fetch(`http://${address}/json/version`, {
      signal: AbortSignal.timeout(1_000),
    });
    const info = (await version.json()) as { Browser?: string };
    if (info.Browser !== 'workerd') return undefined;
    const list = await fetch(`http://${address}/json/list`, { signal: AbortSignal.timeout(2_000) });
    return ((await list.json()) as { id: string }[]).map((entry) => entry.id);
  } catch {
    return undefined;
  }
}
