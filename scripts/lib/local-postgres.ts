// Embedded Postgres for offline dev and tests: PGlite (+pgvector) served over the
// Postgres wire protocol, plus the WebSocket->TCP bridge the neon driver speaks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnection } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { WebSocketServer, type RawData } from 'ws';

const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);
const isTerminate = (data: RawData) =>
  Buffer.isBuffer(data) && data.length >= 5 && data.subarray(-5).equals(TERMINATE);

export interface WsBridge {
  port: number;
  close(): Promise<void>;
}

/** Bridges each WebSocket to `?address=host:port` over TCP, as Neon's wsproxy does. */
export function startWsBridge({ port = 0, host = '127.0.0.1' } = {}): Promise<WsBridge> {
  let openBridges = 0;
  const http = createServer((req, res) => {
    res.writeHead(req.url === '/stats' ? 200 : 426, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ openBridges }));
  });
  const server = new WebSocketServer({ server: http });
  server.on('connection', (socket, request) => {
    openBridges++;
    socket.on('close', () => openBridges--);
    const address = new URL(request.url ?? '/', 'http://x').searchParams.get('address') ?? '';
    const [targetHost, targetPort] = address.split(':');
    if (!['127.0.0.1', 'localhost', '::1'].includes(targetHost ?? '')) {
      socket.close(1008, 'only loopback targets are bridged');
      return;
    }
    const tcp = createConnection({ host: '127.0.0.1', port: Number(targetPort) });
    tcp.setNoDelay(true);
    const pending: RawData[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const chunk of pending.splice(0)) tcp.write(chunk as Buffer);
    });
    socket.on('message', (data) => {
      if (connected) tcp.write(data as Buffer);
      else pending.push(data);
      // PGlite never hangs up on Terminate as a real server does, so the bridge does.
      if (isTerminate(data)) setTimeout(close, 10);
    });
    tcp.on('data', (data) => socket.readyState === socket.OPEN && socket.send(data));
    const close = () => {
      tcp.destroy();
      if (socket.readyState === socket.OPEN) socket.close();
    };
    tcp.on('error', close);
    tcp.on('close', close);
    socket.on('close', () => tcp.destroy());
    socket.on('error', () => tcp.destroy());
  });
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () =>
      resolve({
        port: (http.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const client of server.clients) client.terminate();
            server.close();
            http.close(() => r());
          }),
      }),
    );
  });
}

const SYNC = 0x53; // 'S' ends an extended-protocol exchange
const QUERY = 0x51; // 'Q' simple query, self-contained
const TERMINATE_TYPE = 0x58;

/** One queued protocol message of pglite-socket's QueryQueueManager (private upstream). */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/** The private members of pglite-socket 0.2's QueryQueueManager that the override below uses. */
interface QueryQueueInternals {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  clearQueueForHandler(handlerId: number): void;
  processQueue(this: QueryQueueInternals): Promise<void>;
}

/**
 * PGlite is one session. pglite-socket multiplexes connections onto it message by message,
 * which lets another connection's Parse/Bind slip into the middle of an extended-protocol
 * exchange and run the wrong statement. This keeps a connection's turn from its first
 * message until Sync (and for a whole transaction, as upstream already does).
 */
function serialiseExchanges(queue: QueryQueueInternals): void {
  let openExchange = false;
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    if (queue.lastHandlerId === handlerId) openExchange = false;
    return clear(handlerId);
  };
  queue.processQueue = async function processQueue() {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        let item: QueuedMessage | undefined;
        if (this.lastHandlerId && (openExchange || this.db.isInTransaction())) {
          const index = this.queue.findIndex((q) => q.handlerId === this.lastHandlerId);
          if (index === -1) break; // wait for the owner's next message
          item = this.queue.splice(index, 1)[0];
        } else {
          item = this.queue.shift();
        }
        if (!item) break;
        const current = item;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(current.message, {
              onRawData: (data) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (error) {
          openExchange = false;
          this.lastHandlerId = null;
          item.reject(error);
          continue;
        }
        const type = item.message[0];
        openExchange = !(type === SYNC || type === QUERY || type === TERMINATE_TYPE || type === 0);
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
}

/**
 * Starts PGlite with pgvector (and btree_gin for the keyword index) on a TCP port and the WS bridge in front of it.
 * `dataDir` persists the database; omit it for an in-memory one.
 */
export async function startLocalPostgres({
  dataDir,
  pgPort = 0,
  wsPort = 0,
  maxConnections = 64,
}: { dataDir?: string; pgPort?: number; wsPort?: number; maxConnections?: number } = {}) {
  const db = await PGlite.create({ dataDir, extensions: { vector, btree_gin } });
  const pgServer = new PGLiteSocketServer({ db, port: pgPort, host: '127.0.0.1', maxConnections });
  // The override reaches private upstream members (pinned version, see package.json).
  serialiseExchanges((pgServer as unknown as { queryQueue: QueryQueueInternals }).queryQueue);
  await pgServer.start();
  const boundPgPort = Number(pgServer.getServerConn().split(':').pop());
  const bridge = await startWsBridge({ port: wsPort });
  return {
    db,
    url: `postgres://postgres:postgres@localhost:${boundPgPort}/postgres`,
    wsProxy: `127.0.0.1:${bridge.port}`,
    pgPort: boundPgPort,
    stats: () => pgServer.getStats(),
    wsPort: bridge.port,
    async stop() {
      await bridge.close();
      await pgServer.stop();
      await db.close();
    },
  };
}
