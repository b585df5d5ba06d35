// Embedded Postgres for offline dev and tests: PGlite (+pgvector) served over the
// Postgres wire protocol, plus the WebSocket->TCP bridge the neon driver speaks.
import { createServer } from 'node:http';
import { createConnection } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { WebSocketServer } from 'ws';

const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);
const isTerminate = (data) =>
  Buffer.isBuffer(data) && data.length >= 5 && data.subarray(-5).equals(TERMINATE);

/** Bridges each WebSocket to `?address=host:port` over TCP, as Neon's wsproxy does. */
export function startWsBridge({ port = 0, host = '127.0.0.1' } = {}) {
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
    if (!['127.0.0.1', 'localhost', '::1'].includes(targetHost)) {
      socket.close(1008, 'only loopback targets are bridged');
      return;
    }
    const tcp = createConnection({ host: '127.0.0.1', port: Number(targetPort) });
    tcp.setNoDelay(true);
    const pending = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    socket.on('message', (data) => {
      connected ? tcp.write(data) : pending.push(data);
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
        port: http.address().port,
        close: () =>
          new Promise((r) => {
            for (const client of server.clients) client.terminate();
            server.close();
            http.close(() => r());
          }),
      }),
    );
  });
}

/**
 * Starts PGlite with pgvector on a TCP port and the WS bridge in front of it.
 * `dataDir` persists the database; omit it for an in-memory one.
 */
export async function startLocalPostgres({
  dataDir,
  pgPort = 0,
  wsPort = 0,
  maxConnections = 64,
} = {}) {
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  const pgServer = new PGLiteSocketServer({ db, port: pgPort, host: '127.0.0.1', maxConnections });
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
